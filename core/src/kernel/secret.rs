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
    Ok(hex::encode(bytes))
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

/// The SHA-256 of `s`, in hexadecimal: what is stored of a session token
/// (256 random bits: no one tries them all).
pub fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The key of the one-time codes' digests. A code has some 37 bits: its
/// plain SHA-256, read from a copy of the database or of a backup, would give
/// the code back after an afternoon of trying them all. Keyed with 32 random
/// bytes kept in a file outside the database, the digest tells nothing
/// without the file.
pub struct CodeKey([u8; 32]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(…)")
    }
}

/// What a keyed digest starts with (a digest stored before is a plain SHA-256).
const KEYED: &str = "k1:";

impl CodeKey {
    /// The key kept at `path`, made there (readable by its owner only) when
    /// the file does not exist yet.
    pub fn at(path: &std::path::Path) -> ApiResult<CodeKey> {
        let unreadable = |e: std::io::Error| {
            ApiError::internal(format!("clé des codes de l'espace adhérent {} : {e}", path.display()))
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.try_into().map_err(|_| {
                    ApiError::internal(format!("clé des codes {} : 32 octets attendus", path.display()))
                })?;
                Ok(CodeKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                OsRng.try_fill_bytes(&mut key).map_err(|_| ApiError::internal("aucune source d'aléa"))?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(unreadable)?;
                }
                // Written whole beside it, then linked in place: another
                // process never reads a key half written, and the first
                // link made wins.
                let mut nonce = [0u8; 8];
                OsRng.try_fill_bytes(&mut nonce).map_err(|_| ApiError::internal("aucune source d'aléa"))?;
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(format!(".{}", hex::encode(nonce)));
                let draft = path.with_file_name(name);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let written = options.open(&draft).and_then(|mut f| {
                    std::io::Write::write_all(&mut f, &key)?;
                    f.sync_all()
                });
                let linked = written.and_then(|()| std::fs::hard_link(&draft, path));
                let _ = std::fs::remove_file(&draft);
                match linked {
                    Ok(()) => Ok(CodeKey(key)),
                    // Made meanwhile by another process: its key is the one.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => CodeKey::at(path),
                    Err(e) => Err(unreadable(e)),
                }
            }
            Err(e) => Err(unreadable(e)),
        }
    }

    /// What is stored of a code: its keyed digest (HMAC-SHA-256), normalized first.
    pub fn digest(&self, code: &str) -> String {
        use hmac::{Hmac, Mac};
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(normalize_code(code).as_bytes());
        format!("{KEYED}{}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Whether `typed` is the code whose digest was stored: keyed, or a plain
    /// SHA-256 stored before the codes were keyed (still live for their days).
    pub fn matches(&self, stored: &str, typed: &str) -> bool {
        if stored.starts_with(KEYED) {
            stored == self.digest(typed)
        } else {
            stored == digest(&normalize_code(typed))
        }
    }
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

    #[test]
    fn a_code_is_kept_as_its_keyed_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cle-codes");
        let key = CodeKey::at(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let stored = key.digest("K7QM-XRPA");
        assert!(stored.starts_with("k1:") && !stored.contains(&digest("K7QMXRPA")), "{stored}");
        assert!(key.matches(&stored, "k7qm xrpa"), "typed as members type it");
        assert!(!key.matches(&stored, "K7QM-XRPC"));
        assert!(key.matches(&digest("K7QMXRPA"), "K7QM-XRPA"), "a code stored before still serves");
        // The same file gives the same key; another file another.
        assert_eq!(CodeKey::at(&path).unwrap().digest("K7QM-XRPA"), stored);
        let other = CodeKey::at(&dir.path().join("autre")).unwrap();
        assert!(!other.matches(&stored, "K7QM-XRPA"));
    }
}
