//! Text rules shared by every name and free-text field: trimming, refusing
//! control and bidirectional-override characters, and the accent-free folding
//! that search relies on ("chraibi" finds "Chraïbi").

use crate::error::{ApiError, ApiResult};
use unicode_normalization::UnicodeNormalization;

/// Bidi controls can make a name display differently from what is stored
/// (U+202E turns "fdp.exe" around); letters of any script are welcome.
fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// An optional free text: cleaned as [`clean`], `None` when absent or blank.
pub fn optional(field: &str, label: &str, v: &Option<String>, max: usize) -> ApiResult<Option<String>> {
    match v {
        Some(s) => Ok(Some(clean(field, label, s, max)?).filter(|s| !s.is_empty())),
        None => Ok(None),
    }
}

/// Trims, folds runs of white space, checks length and characters.
/// `label` is the French name of the field, as in "Le nom".
pub fn clean(field: &str, label: &str, raw: &str, max: usize) -> ApiResult<String> {
    if let Some(c) = raw.trim().chars().find(|c| is_forbidden(*c) && !c.is_whitespace()) {
        return Err(ApiError::validation(
            field,
            format!("{label} contient un caractère de contrôle ou d'inversion de sens (U+{:04X}).", c as u32),
        ));
    }
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = s.chars().count();
    if n > max {
        return Err(ApiError::validation(field, format!("{label} est trop long : {n} caractères, au plus {max}.")));
    }
    Ok(s)
}

/// Lower case, accents removed, punctuation turned into spaces.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words a name is found by.
pub fn tokens(parts: &[&str]) -> Vec<String> {
    let mut t: Vec<String> = parts
        .iter()
        .flat_map(|p| fold(p).split(' ').map(String::from).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    t.sort();
    t.dedup();
    t
}

/// Folds a header or a code: lower case, no accents, letters and digits only.
pub fn key(s: &str) -> String {
    fold(s).replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("Chraïbi"), "chraibi");
        assert_eq!(fold("  EL  Fassi-Fihri "), "el fassi fihri");
        assert_eq!(fold("Né(e) le"), "ne e le");
        assert_eq!(key("N° CIN"), "ncin");
        assert_eq!(key("E-mail"), "email");
        assert_eq!(fold("بنعلي"), "بنعلي");
    }

    #[test]
    fn tokens_are_unique_words() {
        assert_eq!(tokens(&["El Alaoui", "Fatima-Zahra"]), ["alaoui", "el", "fatima", "zahra"]);
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        let e = clean("last_name", "Le nom", "Ben\u{202E}ani", 100).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("last_name"));
        assert!(e.message.contains("U+202E"), "{}", e.message);
        assert!(clean("last_name", "Le nom", "A\u{0000}B", 100).is_err());
        assert_eq!(clean("f", "Le nom", "  Ben   Ali ", 100).unwrap(), "Ben Ali");
        assert_eq!(clean("f", "Le nom", "بن علي", 100).unwrap(), "بن علي");
        let e = clean("f", "Le nom", &"x".repeat(101), 100).unwrap_err();
        assert_eq!(e.message, "Le nom est trop long : 101 caractères, au plus 100.");
    }
}
