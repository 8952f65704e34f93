//! Files the application writes for users (reports, statements): written to a
//! temporary file in the same folder, flushed, then renamed, so a crash never
//! leaves a truncated file under the final name.

use crate::error::{ApiError, ApiResult};
use std::io::Write;
use std::path::Path;

pub fn write_atomically(dest: &Path, bytes: &[u8]) -> ApiResult<()> {
    let fail =
        |e: std::io::Error| ApiError::validation("path", format!("Impossible d'écrire « {} » : {e}.", dest.display()));
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(dest).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The SHA-256 of a file in hexadecimal, read a block at a time (a year's
/// copy is large).
pub fn sha256_of(path: &Path) -> ApiResult<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let unreadable =
        |e: std::io::Error| ApiError::validation("path", format!("Fichier « {} » illisible : {e}", path.display()));
    let mut f = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
