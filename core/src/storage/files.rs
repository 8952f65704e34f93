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
