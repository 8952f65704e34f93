//! Random secrets and the digests kept of them: session tokens (256 bits)
//! and the one-time codes a member types (40 bits, in letters and digits
//! that cannot be mistaken for one another on a letter or a phone).

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// 32 random bytes in hexadecimal.
pub fn token() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| ApiError::internal("aucune source d'aléa"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// No 0/O, 1/I/L, 5/S, 2/Z, 8/B: what a member reads on paper he types right.
const ALPHABET: &[u8; 25] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// A one-time code of eight characters in two groups (`K7QM-XRPA`), each
/// character drawn evenly from the alphabet.
pub fn code() -> ApiResult<String> {
    let mut chars = String::with_capacity(9);
    while chars.len() < 8 {
        let mut byte = [0u8; 1];
        OsRng.try_fill_bytes(&mut byte).map_err(|_| ApiError::internal("aucune source d'aléa"))?;
        // 250 = 25 × 10: bytes above it would favour the first letters.
        if byte[0] < 250 {
            chars.push(ALPHABET[byte[0] as usize % ALPHABET.len()] as char);
        }
    }
    Ok(format!("{}-{}", &chars[..4], &chars[4..]))
}

/// A code as typed: capitals, without spaces or dashes (`k7qm xrpa` → `K7QMXRPA`).
pub fn normalize_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The SHA-256 of `s`, in hexadecimal: what is stored of a token or a code.
pub fn digest(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_and_typed_back() {
        let c = code().unwrap();
        assert_eq!(c.len(), 9);
        assert_eq!(&c[4..5], "-");
        assert!(normalize_code(&c).bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(normalize_code(&c.to_lowercase().replace('-', " ")), normalize_code(&c));
        assert_ne!(code().unwrap(), c);
        assert_eq!(token().unwrap().len(), 64);
        assert_eq!(digest("abc").len(), 64);
    }
}
