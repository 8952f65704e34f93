//! Passwords are stored as argon2id PHC strings (salt and parameters inside).

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

pub fn hash(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default() // argon2id v19, 19 MiB, 2 passes
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
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
}
