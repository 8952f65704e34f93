//! The caller's side of an operation's files, on the caller's own machine.
//! The window (through the desk shell, which turns its dialogs' handles into
//! paths) and the CLI name files by their paths; no operation sees a path.
//! A file it reads is read here and sent as its bytes ([`FileData`]); a file
//! it makes is asked for by name, answered as bytes and written here, whole
//! or not at all; the files of the statement run come with its progress and
//! are written into the folder chosen here. The desk on its own database and
//! a desk through the server both pass their calls through [`call`], so the
//! server only ever carries bytes.

use super::files::{self, FileData, FileDir};
use super::ProgressSink;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What one request may carry from this machine, checked from the files'
/// sizes before any is read (a roster, the largest, is at most 200 Mo).
const MAX_REQUEST_BYTES: u64 = 256 * 1024 * 1024;

/// What the caller is told once the file is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Saved {
    /// Where it was written, on the caller's machine.
    pub path: String,
    #[ts(type = "number")]
    pub bytes: i64,
}

/// Runs `run` on `request` (with `progress`, for a long operation) once the
/// files it reads are read; then writes the file it makes where the
/// request's `path` said (sending the file's name instead) and answers
/// [`Saved`], or writes the files a statement run sends into the request's
/// `folder`. Operations that write no file, and requests that name no
/// destination (the operation then checks its caller and its request as for
/// any call), pass through unchanged.
pub async fn call<F, Fut>(op: &str, mut request: Value, progress: Option<ProgressSink>, run: F) -> ApiResult<Value>
where
    F: FnOnce(Value, Option<ProgressSink>) -> Fut,
    Fut: Future<Output = ApiResult<Value>>,
{
    read_inputs(op, &mut request)?;
    let Some(field) = files::fields_of(op).iter().find(|f| matches!(f.dir, FileDir::Out | FileDir::OutFolder)) else {
        return run(request, progress).await;
    };
    let key = field.pointer.trim_start_matches('/');
    let Some(raw) = request.as_object_mut().and_then(|o| o.remove(key)) else {
        return run(request, progress).await;
    };
    if field.dir == FileDir::OutFolder {
        return into_folder(raw.as_str().unwrap_or(""), request, progress, run).await;
    }
    let path = raw.as_str().map(str::trim).unwrap_or("");
    if path.is_empty() {
        return Err(ApiError::validation(key, "Indiquez où enregistrer le fichier."));
    }
    let dest = PathBuf::from(path);
    if let Some(o) = request.as_object_mut() {
        o.insert("name".into(), Value::String(files::file_name(key, path)?));
    }
    let file: FileData = serde_json::from_value(run(request, progress).await?).map_err(ApiError::internal)?;
    crate::storage::files::write_atomically(&dest, &file.content)?;
    let saved = Saved { path: dest.display().to_string(), bytes: file.content.len() as i64 };
    serde_json::to_value(saved).map_err(ApiError::internal)
}

/// A statement run into `folder`: the names already there are sent (their
/// members are skipped), and each file the run sends with its progress is
/// written there whole as it comes; the rest of the progress goes on to
/// `progress`. A file that cannot be written stops the run and is the error.
async fn into_folder<F, Fut>(
    folder: &str,
    mut request: Value,
    progress: Option<ProgressSink>,
    run: F,
) -> ApiResult<Value>
where
    F: FnOnce(Value, Option<ProgressSink>) -> Fut,
    Fut: Future<Output = ApiResult<Value>>,
{
    if folder.trim().is_empty() {
        return Err(ApiError::validation("folder", "Choisissez le répertoire des relevés."));
    }
    let folder = PathBuf::from(folder.trim());
    let cannot = |e: std::io::Error| {
        ApiError::validation("folder", format!("Dossier « {} » impossible à créer : {e}.", folder.display()))
    };
    std::fs::create_dir_all(&folder).map_err(cannot)?;
    let existing: Vec<String> = std::fs::read_dir(&folder)
        .map_err(cannot)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if let Some(o) = request.as_object_mut() {
        o.insert("existing".into(), serde_json::json!(existing));
    }
    let failed: Arc<Mutex<Option<ApiError>>> = Arc::default();
    let (dir, failure) = (folder.clone(), failed.clone());
    let sink: ProgressSink = Arc::new(move |mut p: Value| {
        if let Some(f) = p.as_object_mut().and_then(|o| o.remove("file")) {
            let written = serde_json::from_value::<FileData>(f)
                .map_err(ApiError::internal)
                .and_then(|f| Ok((files::file_name("folder", &f.name)?, f)))
                .and_then(|(name, f)| crate::storage::files::write_atomically(&dir.join(name), &f.content));
            if let Err(e) = written {
                *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                return false;
            }
        }
        progress.as_ref().is_none_or(|s| s(p))
    });
    let answer = run(request, Some(sink)).await;
    if let Some(e) = failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    answer
}

/// Replaces each path the request names for the operation to read by the
/// file's bytes. A value that is not a path (bytes a caller sent itself) is
/// left for the operation to check.
fn read_inputs(op: &str, request: &mut Value) -> ApiResult<()> {
    let inputs: Vec<_> = files::fields_of(op).iter().filter(|f| f.dir == FileDir::In).collect();
    let mut total = 0;
    for f in &inputs {
        files::each(request, f.pointer, &mut |v| {
            total += v.as_str().and_then(|p| std::fs::metadata(p.trim()).ok()).map_or(0, |m| m.len());
            Ok(())
        })?;
    }
    if total > MAX_REQUEST_BYTES {
        let field = inputs.first().map_or("file", |f| top(f.pointer));
        return Err(ApiError::validation(
            field,
            format!(
                "Ces fichiers pèsent {} Mo, au plus {} Mo par envoi.",
                total.div_ceil(1_048_576),
                MAX_REQUEST_BYTES / 1_048_576
            ),
        ));
    }
    for f in inputs {
        files::each_named(request, f.pointer, &mut |field, v| {
            if let Some(path) = v.as_str() {
                *v = serde_json::to_value(read_local(field, path)?).map_err(ApiError::internal)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The request field a pointer starts with (`files` for `/files/*/file`).
fn top(pointer: &str) -> &str {
    pointer.trim_start_matches('/').split('/').next().unwrap_or("file")
}

/// A file of this machine, read whole; `field` names it in messages.
pub fn read_local(field: &str, raw: &str) -> ApiResult<FileData> {
    let path = Path::new(raw.trim());
    let shown = path.display();
    if raw.trim().is_empty() {
        return Err(ApiError::validation(field, "Choisissez le fichier."));
    }
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ApiError::validation(field, format!("Fichier introuvable : {shown}.")),
        std::io::ErrorKind::PermissionDenied => {
            ApiError::validation(field, format!("Lecture refusée par le système : {shown}."))
        }
        _ => ApiError::validation(field, format!("Fichier illisible : {shown} ({e}).")),
    })?;
    if meta.is_dir() {
        return Err(ApiError::validation(field, format!("« {shown} » est un dossier, pas un fichier.")));
    }
    let bytes =
        std::fs::read(path).map_err(|e| ApiError::validation(field, format!("Fichier illisible : {shown} ({e}).")))?;
    FileData::named(field, raw, bytes)
}

impl super::Api {
    /// Runs an operation as a desk in this process does, its files named by
    /// their paths on this machine: read and sent as bytes, or saved where
    /// the request's `path` says (tools and tests that hold an `Api` and a
    /// caller of their own).
    pub async fn call_local(&self, caller: &mut super::Caller, op: &str, request: Value) -> ApiResult<Value> {
        self.call_local_with_progress(caller, op, request, None).await
    }

    /// The same, a long operation's progress going to `progress`.
    pub async fn call_local_with_progress(
        &self,
        caller: &mut super::Caller,
        op: &str,
        request: Value,
        progress: Option<ProgressSink>,
    ) -> ApiResult<Value> {
        call(op, request, progress, |r, p| self.call_with_progress(caller, op, r, p)).await
    }
}
