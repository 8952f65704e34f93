//! Attached files — a dossier's scans, an approval request's pieces, an
//! update request's pieces: one model and one store. PDF, JPG or PNG, at most
//! 20 MB each, kept in the database (every desk of a shared database sees
//! them) with their SHA-256 so a piece can be proved unchanged.

use crate::api::files::FileData;
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::storage::time;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};
use std::path::Path;
use ts_rs::TS;

pub const MAX_SCAN_BYTES: u64 = 20 * 1024 * 1024;
/// Files in one request (a dossier's scans, a request's pieces).
pub const MAX_FILES: usize = 20;
/// Their total size: what one request may hold in memory at once.
pub const MAX_TOTAL_BYTES: u64 = 60 * 1024 * 1024;

/// Checks the number and the total size of a request's files before any is
/// checked one by one (issue 17, item 13).
pub fn check_request<'f>(field: &str, files: impl ExactSizeIterator<Item = &'f FileData>) -> ApiResult<()> {
    let n = files.len();
    if n > MAX_FILES {
        return Err(ApiError::validation(
            field,
            format!("Au plus {MAX_FILES} fichiers par envoi ({n} choisis) : envoyez-les en plusieurs fois."),
        ));
    }
    let total: u64 = files.map(|f| f.content.len() as u64).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(ApiError::validation(
            field,
            format!(
                "Ces fichiers pèsent {} Mo ensemble, au plus {} Mo par envoi : envoyez-les en plusieurs fois.",
                total.div_ceil(1_048_576),
                MAX_TOTAL_BYTES / 1_048_576
            ),
        ));
    }
    Ok(())
}

/// A scan read from disk and checked.
#[derive(Debug, Clone)]
pub struct Scan {
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// Sent sealed by the member (a medical report, results): stored in a
    /// sealed envelope, opened by the medical role only.
    pub confidential: bool,
}

/// A stored scan, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScanInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
    /// Handed in a sealed envelope (pli confidentiel): the medical role only opens it.
    pub confidential: bool,
}

impl From<Stored> for ScanInfo {
    fn from(s: Stored) -> ScanInfo {
        ScanInfo {
            id: s.id,
            file_name: s.file_name,
            media_type: s.media_type,
            size: s.size,
            sha256: s.sha256,
            created_at: s.created_at,
            created_by: s.created_by,
            confidential: s.confidential,
        }
    }
}

/// The type the content really has, from its first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// A desk's file sent with a request (a scan, a piece, a certificate),
/// checked; `field` names it in messages.
pub fn sent(field: &str, file: &FileData) -> ApiResult<Scan> {
    uploaded(field, &file.name, file.content.clone())
}

/// A file sent with a request (a member's upload on the portal, a desk's
/// scan): named, not too big, of the type its name says.
pub fn uploaded(field: &str, name: &str, bytes: Vec<u8>) -> ApiResult<Scan> {
    let name = Path::new(name).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::validation(field, "Un fichier envoyé n'a pas de nom."));
    }
    too_big(field, &name, bytes.len() as u64)?;
    checked(field, name, bytes)
}

/// A file over [`MAX_SCAN_BYTES`] is refused, naming it.
fn too_big(field: &str, name: &str, len: u64) -> ApiResult<()> {
    if len > MAX_SCAN_BYTES {
        return Err(ApiError::validation(
            field,
            format!("Le fichier « {name} » pèse {:.1} Mo : 20 Mo au plus par pièce scannée.", len as f64 / 1_048_576.0),
        ));
    }
    Ok(())
}

/// Checks a file's content against its name: not empty, PDF, JPG or PNG,
/// and truly of the type its extension says.
fn checked(field: &str, name: String, bytes: Vec<u8>) -> ApiResult<Scan> {
    if bytes.is_empty() {
        return Err(ApiError::validation(field, format!("Le fichier « {name} » est vide.")));
    }
    let ext = Path::new(&name).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let declared = match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => {
            return Err(ApiError::validation(
                field,
                format!("« {name} » : seuls les fichiers PDF, JPG et PNG sont acceptés."),
            ));
        }
    };
    match sniff(&bytes) {
        Some(t) if t == declared => {}
        _ => {
            return Err(ApiError::validation(
                field,
                format!(
                    "« {name} » n'est pas un vrai fichier {} (contenu d'un autre type ou fichier abîmé).",
                    ext.to_uppercase()
                ),
            ))
        }
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Scan { file_name: name, media_type: declared, bytes, sha256, confidential: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_must_match_the_extension() {
        let file = |name: &str, content: &[u8]| FileData::named("files", name, content.to_vec()).unwrap();
        let s = sent("files", &file("feuille.pdf", b"%PDF-1.4\n...")).unwrap();
        assert_eq!(s.media_type, "application/pdf");
        assert_eq!(s.sha256.len(), 64);
        let fake = sent("files", &file("photo.png", b"%PDF-1.4\n...")).unwrap_err();
        assert!(fake.message.contains("n'est pas un vrai fichier PNG"), "{}", fake.message);
        assert!(sent("files", &file("lettre.docx", b"PK..")).unwrap_err().message.contains("PDF, JPG et PNG"));
        let big = vec![0; MAX_SCAN_BYTES as usize + 1];
        assert!(sent("files", &file("gros.pdf", &big)).unwrap_err().message.contains("20 Mo au plus"));
    }
}

/// A table of attached files: its name, the column naming what each file
/// belongs to, and the columns only some have (the kind of piece, a sealed
/// envelope).
pub(crate) struct Shelf {
    pub table: &'static str,
    pub owner: &'static str,
    pub has_piece: bool,
    pub has_confidential: bool,
}

/// Where a checked scan goes: its shelf, its owner, and the piece and
/// envelope its shelf records.
pub(crate) struct Place<'a> {
    pub shelf: &'a Shelf,
    pub owner: i64,
    pub piece: Option<&'a str>,
    pub confidential: Option<bool>,
}

/// A stored file without its content, as every shelf keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: i64,
    pub owner: i64,
    pub piece: Option<String>,
    pub confidential: bool,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
}

impl Shelf {
    fn columns(&self, content: bool) -> String {
        let mut c = vec!["id", self.owner];
        c.extend(self.has_piece.then_some("piece"));
        c.extend(self.has_confidential.then_some("confidential"));
        c.extend(["file_name", "media_type", "size", "sha256", "created_at", "created_by"]);
        c.extend(content.then_some("content"));
        c.join(", ")
    }

    fn stored(&self, r: &sqlx::any::AnyRow) -> ApiResult<Stored> {
        use sqlx::Row;
        Ok(Stored {
            id: r.try_get("id")?,
            owner: r.try_get(self.owner)?,
            piece: if self.has_piece { Some(r.try_get("piece")?) } else { None },
            confidential: self.has_confidential && r.try_get::<i64, _>("confidential")? == 1,
            file_name: r.try_get("file_name")?,
            media_type: r.try_get("media_type")?,
            size: r.try_get("size")?,
            sha256: r.try_get("sha256")?,
            created_at: r.try_get("created_at")?,
            created_by: r.try_get("created_by")?,
        })
    }

    /// The files of one owner, in the order they were added.
    pub async fn list<'e, E: sqlx::Executor<'e, Database = Any>>(&self, ex: E, owner: i64) -> ApiResult<Vec<Stored>> {
        let sql = format!("SELECT {} FROM {} WHERE {} = $1 ORDER BY id", self.columns(false), self.table, self.owner);
        sqlx::query(&sql).bind(owner).fetch_all(ex).await?.iter().map(|r| self.stored(r)).collect()
    }

    /// One file with its content; `None` when there is no such file.
    pub async fn content(&self, pool: &sqlx::AnyPool, id: i64) -> ApiResult<Option<(Stored, Vec<u8>)>> {
        use sqlx::Row;
        let sql = format!("SELECT {} FROM {} WHERE id = $1", self.columns(true), self.table);
        match sqlx::query(&sql).bind(id).fetch_optional(pool).await? {
            Some(r) => Ok(Some((self.stored(&r)?, r.try_get("content")?))),
            None => Ok(None),
        }
    }
}

/// Stores a checked scan with who added it and when.
pub(crate) async fn store(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    at: &Place<'_>,
    s: &Scan,
) -> ApiResult<()> {
    let mut columns = vec![at.shelf.owner];
    columns.extend(at.piece.map(|_| "piece"));
    columns.extend(at.confidential.map(|_| "confidential"));
    columns.extend(["file_name", "media_type", "size", "sha256", "content", "created_at", "created_by"]);
    let values: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO {} ({}) VALUES ({})", at.shelf.table, columns.join(", "), values.join(", "));
    let mut q = sqlx::query(&sql).bind(at.owner);
    if let Some(p) = at.piece {
        q = q.bind(p.to_string());
    }
    if let Some(c) = at.confidential {
        q = q.bind(c as i64);
    }
    q.bind(&s.file_name)
        .bind(s.media_type)
        .bind(s.bytes.len() as i64)
        .bind(&s.sha256)
        .bind(s.bytes.clone())
        .bind(time::ts(now))
        .bind(&actor.name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
