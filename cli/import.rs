//! `guichet import-members`: an employer's roster from a batch job, with a
//! report for a person or, under `--json`, exactly one JSON object.

use crate::output;
use crate::Backend;
use guichet_core::ApiError;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Exit 0 when the file was read (even with rejected rows), 2 when it could
/// not be read at all, 1 for any other refusal.
pub async fn import_members(desk: &Backend, file: String, dry_run: bool, mapping: Vec<String>) -> ExitCode {
    let mut map = serde_json::Map::new();
    for m in &mapping {
        match m.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                map.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
            }
            _ => {
                let e =
                    ApiError::validation("map", format!("Correspondance « {m} » mal écrite : attendu champ=Colonne."));
                output::value(&e);
                return ExitCode::from(2);
            }
        }
    }
    let mut req = json!({ "file": file, "dry_run": dry_run });
    if !map.is_empty() {
        req["mapping"] = Value::Object(map);
    }
    match desk.call("member_import", req).await {
        Ok(report) if output::json() => {
            let rejected: Vec<Value> = report["rejected"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| json!({ "row": r["row"], "column": r["column"], "message": r["message"] }))
                .collect();
            let out = json!({
                "rows": report["rows"], "created": report["created"], "updated": report["updated"],
                "unchanged": report["unchanged"], "rib_requests": report["rib_requests"],
                "suspensions": report["suspensions"], "rejected": rejected,
            });
            output::value(&out);
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let n = |k: &str| report[k].as_u64().unwrap_or(0);
            let title = if dry_run { "Essai (rien n'a été écrit)" } else { "Import terminé" };
            say!(
                "{title} : {} lignes — {} créées, {} mises à jour, {} inchangées, {} rejets.",
                n("rows"),
                n("created"),
                n("updated"),
                n("unchanged"),
                report["rejected"].as_array().map_or(0, |a| a.len())
            );
            if n("rib_requests") > 0 {
                say!(
                    "{} changement(s) de RIB d'adhérents inscrits : demandes de modification en attente de \
                    validation (le RIB n'a pas changé).",
                    n("rib_requests")
                );
            }
            if n("suspensions") > 0 {
                say!("{} suspension(s) de droits enregistrée(s) ou modifiée(s).", n("suspensions"));
            }
            for r in report["rejected"].as_array().into_iter().flatten() {
                say!(
                    "  ligne {} — {} : {}",
                    r["row"],
                    r["column"].as_str().unwrap_or(""),
                    r["message"].as_str().unwrap_or("")
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            output::value(&e);
            if matches!(e.field.as_deref(), Some("file" | "mapping")) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
