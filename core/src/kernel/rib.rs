//! A Moroccan bank account (RIB): checked as typed, printed, masked. Members'
//! and providers' accounts alike.

use crate::error::{ApiError, ApiResult};

/// `******************** 7171`: only the last four digits show.
pub fn masked(rib: Option<&str>) -> String {
    let chars: Vec<char> = rib.unwrap_or("").chars().collect();
    if chars.len() <= 4 {
        return "—".to_string();
    }
    let (hidden, shown) = chars.split_at(chars.len() - 4);
    format!("{} {}", "*".repeat(hidden.len()), shown.iter().collect::<String>())
}

/// Moroccan RIB: 24 digits (spaces allowed on input, stored without) whose
/// whole number is divisible by 97.
pub fn check(field: &str, raw: &str) -> ApiResult<String> {
    let r: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if r.len() != 24 || !r.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(
            field,
            format!(
                "RIB invalide : il faut 24 chiffres (il y en a {}).",
                r.chars().filter(|c| c.is_ascii_digit()).count()
            ),
        ));
    }
    let rem = r.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    if rem != 0 {
        let expected = 97 - ((r[..22].bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97) * 100) % 97);
        return Err(ApiError::validation(
            field,
            format!(
                "RIB invalide : la clé {} ne correspond pas (clé attendue {expected:02}). Vérifiez le numéro.",
                &r[22..]
            ),
        ));
    }
    Ok(r)
}

/// A RIB as printed: bank 3, city 3, account 16, key 2.
pub fn printed(r: &str) -> String {
    if r.len() != 24 {
        return r.to_string();
    }
    format!("{} {} {} {}", &r[..3], &r[3..6], &r[6..22], &r[22..])
}
