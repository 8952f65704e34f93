//! Decoding a JSON request into its typed form, with a French message that
//! names the field at fault.

use crate::error::{ApiError, ApiResult};
use serde::de::DeserializeOwned;

pub fn request<T: DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    // `null` or nothing means "no parameters".
    let value = if value.is_null() { serde_json::json!({}) } else { value };
    if !value.is_object() {
        return Err(ApiError::validation("request", "La requête doit être un objet JSON ({…})."));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        explain(&path, &inner)
    })
}

/// Parses the request text itself (CLI), so that malformed JSON is explained too.
pub fn parse_json(text: &str) -> ApiResult<serde_json::Value> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(text).map_err(|e| {
        ApiError::validation(
            "request",
            format!(
                "JSON mal formé (ligne {}, colonne {}) : vérifiez les guillemets, virgules et accolades.",
                e.line(),
                e.column()
            ),
        )
    })
}

fn explain(path: &str, serde_msg: &str) -> ApiError {
    let quoted = |s: &str| -> Option<String> {
        let start = s.find('`')? + 1;
        let end = start + s[start..].find('`')?;
        Some(s[start..end].to_string())
    };
    if serde_msg.starts_with("missing field") {
        let name = quoted(serde_msg).unwrap_or_default();
        let field = if path == "." || path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        return ApiError::validation(&field, format!("Le champ « {field} » est obligatoire."));
    }
    if serde_msg.starts_with("unknown field") {
        let name = quoted(serde_msg).unwrap_or_default();
        return ApiError::validation(&name, format!("Champ inconnu « {name} » dans la requête."));
    }
    let field = if path == "." { "request".to_string() } else { path.to_string() };
    let why = if serde_msg.starts_with("unknown variant") {
        let got = quoted(serde_msg).unwrap_or_default();
        let allowed = serde_msg.split("expected ").nth(1).unwrap_or("").replace('`', "");
        format!("valeur « {got} » inconnue (valeurs possibles : {allowed})")
    } else if serde_msg.starts_with("invalid type") {
        let expected = serde_msg.split("expected ").nth(1).unwrap_or("");
        format!("type de valeur incorrect (attendu : {})", french_type(expected))
    } else if serde_msg.contains("premature end of input") || serde_msg.contains("input contains invalid characters") {
        "date invalide (format attendu AAAA-MM-JJ)".to_string()
    } else if serde_msg.contains("input is out of range") {
        "date impossible".to_string()
    } else if serde_msg.starts_with("invalid value") {
        format!("valeur hors des limites ({})", serde_msg.split(", expected").next().unwrap_or(serde_msg))
    } else {
        format!("valeur invalide ({serde_msg})")
    };
    ApiError::validation(&field, format!("Champ « {field} » : {why}."))
}

fn french_type(expected: &str) -> &'static str {
    let e = expected.to_lowercase();
    if e.contains("i64") || e.contains("u32") || e.contains("i32") || e.contains("integer") || e.contains("u64") {
        "nombre entier"
    } else if e.contains("bool") {
        "vrai ou faux"
    } else if e.contains("string") || e.contains("str") {
        "texte"
    } else if e.contains("sequence") {
        "liste"
    } else if e.contains("struct") || e.contains("map") {
        "objet"
    } else {
        "autre type"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct R {
        username: String,
        roles: Vec<crate::auth::Role>,
        #[serde(default)]
        id: i64,
    }

    #[test]
    fn messages_name_the_field() {
        let e = request::<R>(serde_json::json!({"roles": []})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("username"));
        assert_eq!(e.message, "Le champ « username » est obligatoire.");

        let e = request::<R>(serde_json::json!({"username": "a", "roles": ["boss"]})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("roles[0]"));
        assert!(e.message.contains("valeur « boss » inconnue"), "{}", e.message);

        let e = request::<R>(serde_json::json!({"username": "a", "roles": [], "id": "x"})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("id"));
        assert!(e.message.contains("attendu : nombre entier"), "{}", e.message);

        let e = request::<R>(serde_json::json!({"username": "a", "roles": [], "x": 1})).unwrap_err();
        assert_eq!(e.message, "Champ inconnu « x » dans la requête.");

        let e = request::<R>(serde_json::json!([1])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("request"));
    }

    #[test]
    fn malformed_json_is_explained() {
        let e = parse_json("{\"a\": ").unwrap_err();
        assert!(e.message.starts_with("JSON mal formé"), "{}", e.message);
    }
}
