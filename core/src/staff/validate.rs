//! Input rules for account fields, each error naming its field.

use crate::auth::Role;
use crate::error::{ApiError, ApiResult};

/// Usernames are lower-case `a-z 0-9 . _ -`, 3 to 32 characters.
pub fn username(field: &str, raw: &str) -> ApiResult<String> {
    let u = raw.trim().to_lowercase();
    if u.is_empty() {
        return Err(ApiError::validation(field, "L'identifiant est obligatoire."));
    }
    if !(3..=32).contains(&u.chars().count()) {
        return Err(ApiError::validation(field, "L'identifiant doit compter de 3 à 32 caractères."));
    }
    if !u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err(ApiError::validation(
            field,
            "L'identifiant ne peut contenir que des lettres sans accent, des chiffres, « . », « _ » et « - ».",
        ));
    }
    Ok(u)
}

pub fn full_name(field: &str, raw: &str) -> ApiResult<String> {
    let n = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if n.is_empty() {
        return Err(ApiError::validation(field, "Le nom complet est obligatoire."));
    }
    if n.chars().count() > 100 {
        return Err(ApiError::validation(field, "Le nom complet ne peut dépasser 100 caractères."));
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(ApiError::validation(field, "Le nom complet contient un caractère de contrôle."));
    }
    Ok(n)
}

/// At least one role; duplicates folded; order fixed.
pub fn roles(field: &str, raw: &[Role]) -> ApiResult<Vec<Role>> {
    let mut r = raw.to_vec();
    r.sort();
    r.dedup();
    if r.is_empty() {
        return Err(ApiError::validation(field, "Choisissez au moins un rôle."));
    }
    Ok(r)
}

/// Role codes as typed on the command line.
pub fn role_codes(field: &str, codes: &[String]) -> ApiResult<Vec<Role>> {
    let parsed = codes
        .iter()
        .map(|c| {
            Role::parse(c).ok_or_else(|| {
                ApiError::validation(
                    field,
                    format!("Rôle inconnu « {c} » : choisissez reception, claims, medical ou admin."),
                )
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    roles(field, &parsed)
}
