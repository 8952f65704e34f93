//! Which fields of a request name files, and which way the bytes go. In one
//! process (the desk on its own database, the CLI on the server's machine) a
//! path is a path. Through the Guichet server no path crosses the wire: the
//! client sends an input file's bytes in place of its path, and receives the
//! files an operation writes in its answer. Both sides read these
//! declarations, so they cannot disagree.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which way a file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileDir {
    /// The operation reads it (an import, a scan, a return file).
    In,
    /// The operation writes it (a PDF, a list, a backup).
    Out,
    /// The operation writes files into it (the statement run).
    OutFolder,
    /// A file on the machine that holds the database, read or written by
    /// the database's own tool (a backup, a restore): never carried between
    /// machines; through the server only its name goes, and the operation
    /// refuses.
    Local,
}

/// A field of the request holding a path: a JSON pointer, `*` standing for
/// every item of an array (`/files/*`, `/files/*/path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileField {
    pub pointer: &'static str,
    pub dir: FileDir,
}

pub const fn input(pointer: &'static str) -> FileField {
    FileField { pointer, dir: FileDir::In }
}
pub const fn output(pointer: &'static str) -> FileField {
    FileField { pointer, dir: FileDir::Out }
}
pub const fn folder(pointer: &'static str) -> FileField {
    FileField { pointer, dir: FileDir::OutFolder }
}
pub const fn local(pointer: &'static str) -> FileField {
    FileField { pointer, dir: FileDir::Local }
}

/// A file's bytes as base64 text: the one encoding of files in JSON (the
/// desks' files through the server, a member's uploads, a scan shown in the
/// window), here only.
pub fn to_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The bytes of base64 text (`None` when it is not).
pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text.trim().as_bytes()).ok()
}

/// The file fields of the operation called `op` (none for an unknown name).
pub fn fields_of(op: &str) -> &'static [FileField] {
    static ALL: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static [FileField]>> =
        std::sync::OnceLock::new();
    ALL.get_or_init(|| super::ops::all().into_iter().map(|o| (o.name, o.files)).collect())
        .get(op)
        .copied()
        .unwrap_or(&[])
}

/// Calls `f` on every value of `request` at `pointer` (absent or null values
/// are skipped: optional paths).
pub fn each<F: FnMut(&mut Value) -> ApiResult<()>>(request: &mut Value, pointer: &str, f: &mut F) -> ApiResult<()> {
    each_named(request, pointer, &mut |_, v| f(v))
}

/// The same, with each value's field as a message names it (`files[1].file`).
pub fn each_named<F>(request: &mut Value, pointer: &str, f: &mut F) -> ApiResult<()>
where
    F: FnMut(&str, &mut Value) -> ApiResult<()>,
{
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    walk(request, &parts, String::new(), f)
}

fn walk<F>(v: &mut Value, parts: &[&str], field: String, f: &mut F) -> ApiResult<()>
where
    F: FnMut(&str, &mut Value) -> ApiResult<()>,
{
    let Some((first, rest)) = parts.split_first() else {
        return if v.is_null() { Ok(()) } else { f(&field, v) };
    };
    if *first == "*" {
        if let Value::Array(items) = v {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, rest, format!("{field}[{i}]"), f)?;
            }
        }
        return Ok(());
    }
    let field = if field.is_empty() { first.to_string() } else { format!("{field}.{first}") };
    match v.get_mut(*first) {
        Some(next) => walk(next, rest, field, f),
        None => Ok(()),
    }
}

/// The file name of a path as a client typed it (`/home/a/décompte.pdf` →
/// `décompte.pdf`), refusing what could leave a folder.
pub fn file_name(field: &str, raw: &str) -> ApiResult<String> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim().to_string();
    if name.is_empty() || name == "." || name == ".." || name.chars().any(|c| c.is_control()) || name.len() > 200 {
        return Err(ApiError::validation(field, format!("Nom de fichier invalide : « {raw} ».")));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_path_a_pointer_names_is_visited() {
        let mut r = json!({"files": [{"path": "/a/x.pdf", "piece": "cnie"}, {"path": "y.png"}], "id": 3, "logo": null});
        let mut seen = vec![];
        each(&mut r, "/files/*/path", &mut |v| {
            seen.push(v.as_str().unwrap().to_string());
            *v = json!("replaced");
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec!["/a/x.pdf", "y.png"]);
        assert_eq!(r["files"][1]["path"], "replaced");
        let mut none = 0;
        each(&mut r, "/logo", &mut |_| {
            none += 1;
            Ok(())
        })
        .unwrap();
        each(&mut r, "/absent", &mut |_| {
            none += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(none, 0);
        assert_eq!(file_name("path", "/home/k/décompte M21.pdf").unwrap(), "décompte M21.pdf");
        assert_eq!(file_name("path", "C:\\Users\\k\\liste.xlsx").unwrap(), "liste.xlsx");
        assert!(file_name("path", "../").is_err());
        assert_eq!(fields_of("statement_dossier"), &[output("/path")]);
        assert!(fields_of("member_search").is_empty());
    }
}

/// A file an operation gives back (a statement, a list, a member's PDF, the
/// mutual's logo): its bytes travel as base64 in JSON, encoded and decoded
/// here only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FileData {
    /// The name to save it under.
    pub name: String,
    pub media_type: String,
    #[serde(with = "base64_text")]
    #[ts(type = "string")]
    pub content: Vec<u8>,
}

impl FileData {
    pub fn pdf(name: String, content: Vec<u8>) -> FileData {
        FileData { name, media_type: "application/pdf".into(), content }
    }

    /// A file an operation made, under the name the caller asked for
    /// (`field` names that request field in the message); its type follows
    /// the name's extension.
    pub fn named(field: &str, name: &str, content: Vec<u8>) -> ApiResult<FileData> {
        let name = file_name(field, name)?;
        let media_type = match crate::export::extension(&name).as_str() {
            "pdf" => "application/pdf",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv" => "text/csv",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            _ => "application/octet-stream",
        };
        Ok(FileData { name, media_type: media_type.into(), content })
    }

    /// The file an operation's JSON answer carries.
    pub fn from_answer(answer: Value) -> ApiResult<FileData> {
        serde_json::from_value(answer).map_err(ApiError::internal)
    }
}

/// Bytes as base64 text in a serialized field.
mod base64_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_base64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::from_base64(&text).ok_or_else(|| serde::de::Error::custom("contenu base64 attendu"))
    }
}
