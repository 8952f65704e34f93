//! Passwords are stored as argon2id PHC strings (salt and parameters inside).
//! Staff passwords are long ([`check_policy`]); members' follow the rule their
//! portal guides state (seed 003: « minimum 8 caractères, dont au minimum une
//! majuscule, une minuscule et un chiffre », [`check_member_policy`]).

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LENGTH: usize = 10;
const MAX_LENGTH: usize = 200;

/// The password rule, with the field named for the form.
pub fn check_policy(field: &str, password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(ApiError::validation(
            field,
            format!("Mot de passe trop court : au moins {MIN_LENGTH} caractères (il en a {n})."),
        ));
    }
    if n > MAX_LENGTH {
        return Err(ApiError::validation(field, format!("Mot de passe trop long : au plus {MAX_LENGTH} caractères.")));
    }
    if password.chars().any(|c| c.is_control()) {
        return Err(ApiError::validation(field, "Le mot de passe contient un caractère de contrôle."));
    }
    Ok(())
}

/// The members' rule: at least 8 characters, one capital, one small letter
/// and one digit.
pub fn check_member_policy(field: &str, password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    if n < 8 || !has(|c| c.is_uppercase()) || !has(|c| c.is_lowercase()) || !has(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(
            field,
            "Mot de passe trop faible : au moins 8 caractères, dont une majuscule, une minuscule et un chiffre.",
        ));
    }
    if n > MAX_LENGTH {
        return Err(ApiError::validation(field, format!("Mot de passe trop long : au plus {MAX_LENGTH} caractères.")));
    }
    if password.chars().any(|c| c.is_control()) {
        return Err(ApiError::validation(field, "Le mot de passe contient un caractère de contrôle."));
    }
    Ok(())
}

/// Hashes computed by this process (the tests and benchmarks check that a
/// refused code costs none).
static HASHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn hashes_made() -> u64 {
    HASHES.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn hash(password: &str) -> ApiResult<String> {
    HASHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default() // argon2id v19, 19 MiB, 2 passes
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// [`hash`] on tokio's blocking threads: an argon2 hash takes tens of
/// milliseconds of CPU, which must not hold a thread that serves requests.
pub async fn hash_off(password: &str) -> ApiResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(ApiError::internal)?
}

/// [`verify`] on tokio's blocking threads.
pub async fn verify_off(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    tokio::task::spawn_blocking(move || verify(&password, &phc)).await.unwrap_or(false)
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn short_password_is_refused_in_french() {
        let e = check_policy("password", "court").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("password"));
        assert_eq!(e.message, "Mot de passe trop court : au moins 10 caractères (il en a 5).");
        assert!(check_policy("password", "dix-caract").is_ok());
    }

    #[test]
    fn a_members_password_follows_the_portal_guides_rule() {
        for weak in ["Court1A", "toutminuscule1", "TOUTMAJUSCULE1", "SansChiffre"] {
            let e = check_member_policy("password", weak).unwrap_err();
            assert!(e.message.starts_with("Mot de passe trop faible"), "{weak}: {}", e.message);
        }
        assert!(check_member_policy("password", "Salma2016").is_ok());
    }
}
