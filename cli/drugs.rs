//! `guichet drugs`: the drug reference list from the command line — an
//! import of the fund's file as a version with its effective date (or its
//! dry run), and the search of a drug.

use crate::output;
use crate::Backend;
use clap::Subcommand;
use guichet_core::money::format as dh;
use serde_json::{json, Value};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DrugsCommand {
    /// Importe le référentiel des médicaments publié par la caisse (.csv, .xlsx).
    Import {
        /// Le fichier du référentiel.
        file: String,
        /// Date d'effet de cette version (AAAA-MM-JJ).
        #[arg(long = "from", value_name = "DATE")]
        from: String,
        /// Montre ce qui change par rapport à la version en vigueur ; rien n'est écrit.
        #[arg(long)]
        dry_run: bool,
    },
    /// Cherche un médicament par code, nom ou DCI dans la version en vigueur.
    Find {
        /// Code (ou son début), nom ou DCI.
        text: String,
    },
    /// Les versions du référentiel.
    Versions,
}

pub async fn run(desk: &Backend, cmd: DrugsCommand) -> ExitCode {
    match cmd {
        DrugsCommand::Import { file, from, dry_run } => {
            match desk.call("drug_import", json!({ "file": file, "effective_from": from, "dry_run": dry_run })).await {
                Ok(r) if output::json() => output::result(Ok(r)),
                Ok(r) => {
                    print_import(&r);
                    ExitCode::SUCCESS
                }
                Err(e) => output::error(&e),
            }
        }
        DrugsCommand::Find { text } => match desk.call("drug_find", json!({ "query": text })).await {
            Ok(r) if output::json() => output::result(Ok(r)),
            Ok(r) => {
                print_found(&r);
                ExitCode::SUCCESS
            }
            Err(e) => output::error(&e),
        },
        DrugsCommand::Versions => output::result(desk.call("drug_list_versions", json!({})).await),
    }
}

fn print_import(r: &Value) {
    let n = |k: &str| r[k].as_u64().unwrap_or(0);
    let when = r["effective_from"].as_str().unwrap_or("");
    if r["identical"].as_bool() == Some(true) {
        say!("Identique à la version en vigueur au {when} : rien n'a été importé ({} médicaments).", n("drugs"));
        return;
    }
    let title = if r["saved"].as_bool() == Some(true) { "Version importée" } else { "Essai (rien n'a été écrit)" };
    let against = match r["compared_with"].as_str() {
        Some(d) => format!("par rapport à la version du {d}"),
        None => "première version".into(),
    };
    say!(
        "{title} : {} médicaments en vigueur le {when} ; {against} : {} ajoutés, {} retirés, {} modifiés.",
        n("drugs"),
        n("added"),
        n("removed"),
        n("changed")
    );
    if n("without_base") + n("not_reimbursable") > 0 {
        say!("Non remboursables : {} sans prix de base, {} à 0 %.", n("without_base"), n("not_reimbursable"));
    }
    for d in r["differences"].as_array().into_iter().flatten() {
        say!(
            "  {} {} {} {}",
            d["kind"].as_str().unwrap_or(""),
            d["code"].as_str().unwrap_or(""),
            d["name"].as_str().unwrap_or(""),
            d["detail"].as_str().unwrap_or("")
        );
    }
}

fn print_found(r: &Value) {
    let Some(v) = r["version"].as_object() else {
        say!("Aucun référentiel des médicaments n'est en vigueur : importez-le (guichet drugs import).");
        return;
    };
    let price = |x: &Value| {
        x.as_i64().map(|c| format!("{} DH", dh(guichet_core::money::Centimes(c)))).unwrap_or_else(|| "—".into())
    };
    say!("Référentiel en vigueur depuis le {}", v["effective_from"].as_str().unwrap_or(""));
    for d in r["drugs"].as_array().into_iter().flatten() {
        say!(
            "{}  {} — {} {} — PPV {} — PRIX_BR {} — {}",
            d["code"].as_str().unwrap_or(""),
            d["name"].as_str().unwrap_or(""),
            d["dci"].as_str().unwrap_or(""),
            d["presentation"].as_str().unwrap_or(""),
            price(&d["ppv"]),
            price(&d["prix_br"]),
            d["rate"].as_u64().map(|r| format!("{} %", r / 100)).unwrap_or_else(|| "taux —".into())
        );
    }
}
