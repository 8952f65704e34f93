//! `guichet audit`: verifying the journal's chain (exit 4 when it was
//! altered) and keeping its anchors in a file outside the database.

use crate::output;
use crate::Backend;
use guichet_core::ApiError;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Every anchor of the files, one JSON object per line.
fn read_anchors(files: &[String]) -> Result<Vec<Value>, ApiError> {
    let mut anchors = vec![];
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| ApiError::validation("anchor", format!("Fichier d'ancres « {f} » illisible : {e}.")))?;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let a: Value = serde_json::from_str(line).map_err(|e| {
                ApiError::validation(
                    "anchor",
                    format!("Fichier d'ancres « {f} », ligne {} : ce n'est pas une ancre ({e}).", n + 1),
                )
            })?;
            anchors.push(a);
        }
    }
    Ok(anchors)
}

pub async fn anchor(desk: &Backend, file: &str) -> ExitCode {
    use std::io::Write;
    let a = match desk.call("audit_anchor", json!({})).await {
        Ok(v) => v,
        Err(e) => return output::error(&e),
    };
    let written = std::fs::OpenOptions::new().create(true).append(true).open(file).and_then(|mut f| {
        writeln!(f, "{a}")?;
        f.sync_all()
    });
    match written {
        Ok(()) if output::json() => {
            output::value(&json!({ "file": file, "anchor": a }));
            ExitCode::SUCCESS
        }
        Ok(()) => {
            say!(
                "Ancre ajoutée à « {file} » : ligne n° {} du journal, empreinte {}.",
                a["seq"],
                a["hash"].as_str().unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => output::error(&ApiError::validation("file", format!("Impossible d'écrire « {file} » : {e}."))),
    }
}

pub async fn verify(desk: &Backend, anchor_files: &[String]) -> ExitCode {
    let anchors = match read_anchors(anchor_files) {
        Ok(a) => a,
        Err(e) => return output::error(&e),
    };
    let v = match desk.call("audit_verify", json!({ "anchors": anchors })).await {
        Ok(v) => v,
        Err(e) => return output::error(&e),
    };
    let intact = v["intact"].as_bool().unwrap_or(false);
    if output::json() {
        output::value(&v);
    } else {
        say!("{} lignes vérifiées ({} antérieures à la chaîne).", v["rows_checked"], v["unchained"]);
        if !anchor_files.is_empty() {
            say!("{} ancres vérifiées.", v["anchors_checked"]);
        }
        if intact {
            say!("Journal intact.");
        }
        for b in v["breaks"].as_array().into_iter().flatten() {
            say!("{}", b["message"].as_str().unwrap_or_default());
        }
    }
    if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    }
}
