//! The caller's side of the files an operation writes, on the caller's own
//! machine. The window (through the desk shell, which turns its dialogs'
//! handles into paths) and the CLI name where a file goes; the operation
//! never sees that path: it is asked for a file of that name and answers the
//! file's bytes ([`FileData`]), which are written here, whole or not at all.
//! The desk on its own database and a desk through the server both pass
//! their calls through [`call`], so the server only ever carries bytes.

use super::files::{self, FileData, FileDir};
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;

/// What the caller is told once the file is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Saved {
    /// Where it was written, on the caller's machine.
    pub path: String,
    #[ts(type = "number")]
    pub bytes: i64,
}

/// Runs `run` on `request` with the destination of the operation `op`'s file
/// (its request's `path`) replaced by the file's name, then writes the file
/// it answers there and answers [`Saved`]. Operations that write no file,
/// and requests that name no `path` (the operation then checks its caller
/// and its request as for any call), pass through unchanged.
pub async fn call<F, Fut>(op: &str, mut request: Value, run: F) -> ApiResult<Value>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = ApiResult<Value>>,
{
    let Some(field) = files::fields_of(op).iter().find(|f| f.dir == FileDir::Out) else {
        return run(request).await;
    };
    let key = field.pointer.trim_start_matches('/');
    let Some(raw) = request.as_object_mut().and_then(|o| o.remove(key)) else {
        return run(request).await;
    };
    let path = raw.as_str().map(str::trim).unwrap_or("");
    if path.is_empty() {
        return Err(ApiError::validation(key, "Indiquez où enregistrer le fichier."));
    }
    let dest = PathBuf::from(path);
    if let Some(o) = request.as_object_mut() {
        o.insert("name".into(), Value::String(files::file_name(key, path)?));
    }
    let file: FileData = serde_json::from_value(run(request).await?).map_err(ApiError::internal)?;
    crate::storage::files::write_atomically(&dest, &file.content)?;
    let saved = Saved { path: dest.display().to_string(), bytes: file.content.len() as i64 };
    serde_json::to_value(saved).map_err(ApiError::internal)
}

impl super::Api {
    /// Runs an operation as a desk in this process does: the file it answers
    /// is saved where the request's `path` says (tools and tests that hold
    /// an `Api` and a caller of their own).
    pub async fn call_saving(&self, caller: &mut super::Caller, op: &str, request: Value) -> ApiResult<Value> {
        call(op, request, |r| self.call(caller, op, r)).await
    }
}
