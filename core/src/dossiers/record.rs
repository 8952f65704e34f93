//! Recording a dossier at reception, from an urn or as an e-mailed scan; a
//! form number already recorded as a scan marks its original received.

use super::catalogues;
use super::deadlines;
use super::input::{Checked, DossierInput};
use super::late::{apply_late_effect, late_reason_label};
use super::model::Dossier;
use super::repo::{audit_json, get_in_tx, insert_scan};
use super::workflow::Status;
use crate::attachments::Scan;
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

/// How a dossier came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Its paper original, out of this urn's collection.
    Urn { collection_id: i64, urn_id: i64 },
    /// A scan sent by e-mail, received that day.
    Scan { on: NaiveDate },
}

/// What recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    /// The dossier existed as a scan; its original is now received.
    OriginalReceived,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Recorded {
    pub outcome: Outcome,
    pub dossier: Dossier,
    /// One French sentence for the reception desk's status line.
    pub message: String,
}

impl Recorded {
    /// As `roles` may read it ([`Dossier::seen_by`]).
    pub fn seen_by(self, roles: &[crate::auth::Role]) -> Recorded {
        Recorded { dossier: self.dossier.seen_by(roles), ..self }
    }
}

/// The member and beneficiary a dossier is for, checked on the first-act date.
async fn covered(
    tx: &mut Transaction<'static, Any>,
    c: &Checked,
    beneficiary_id: i64,
    act: NaiveDate,
) -> ApiResult<i64> {
    let m = sqlx::query("SELECT id, end_date FROM members WHERE matricule = $1")
        .bind(&c.matricule)
        .fetch_optional(&mut **tx)
        .await?;
    let m =
        m.ok_or_else(|| ApiError::validation("matricule", format!("Aucun adhérent de matricule {}.", c.matricule)))?;
    let member_id: i64 = m.try_get("id")?;
    if let Some(end) = time::row_date(&m, "end_date")? {
        if act > end {
            return Err(ApiError::validation(
                "matricule",
                format!("Adhérent radié le {} : les soins du {} ne sont pas couverts.", fr(end), fr(act)),
            ));
        }
    }
    let b = sqlx::query(
        "SELECT member_id, last_name, first_name, coverage_start, coverage_end FROM beneficiaries WHERE id = $1",
    )
    .bind(beneficiary_id)
    .fetch_optional(&mut **tx)
    .await?;
    let b = match b {
        Some(b) if b.try_get::<i64, _>("member_id")? == member_id => b,
        _ => {
            return Err(ApiError::validation(
                "beneficiary_id",
                "Choisissez le bénéficiaire dans la liste de l'adhérent.",
            ))
        }
    };
    let name = format!("{} {}", b.try_get::<String, _>("last_name")?, b.try_get::<String, _>("first_name")?);
    let start = time::row_date(&b, "coverage_start")?;
    let end = time::row_date(&b, "coverage_end")?;
    if start.is_some_and(|s| act < s) || end.is_some_and(|e| act > e) {
        let span = match (start, end) {
            (Some(s), Some(e)) => format!("couvert du {} au {}", fr(s), fr(e)),
            (Some(s), None) => format!("couvert à partir du {}", fr(s)),
            (None, Some(e)) => format!("couvert jusqu'au {}", fr(e)),
            (None, None) => String::new(),
        };
        return Err(ApiError::validation(
            "beneficiary_id",
            format!("{name} n'est pas couvert le {} (date du premier acte) : {span}.", fr(act)),
        ));
    }
    Ok(member_id)
}

/// Records one dossier. From an urn, a form number already recorded as a
/// scan marks that dossier's original received instead of creating another.
pub async fn record(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    input: &DossierInput,
    arrival: Arrival,
    scans: &[Scan],
) -> ApiResult<Recorded> {
    let today = now.date_naive();
    let c = input.check(today)?;
    // Its year open before the transaction (crate::years): its id is of it.
    let year = chrono::Datelike::year(&now);
    crate::years::ensure_open(db, year).await?;
    let mut tx = db.begin().await?;
    // A paper original reached the mutual the day its urn was emptied (the
    // collection's pick-up date), whichever day an agent keys it in: its
    // lateness is judged on that day (seeds 001, 002; issue 18, item 3).
    let mut out_of_urn = today;
    if let Arrival::Urn { collection_id, .. } = arrival {
        let row: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT closed_at, pickup_date FROM collections WHERE id = $1")
                .bind(collection_id)
                .fetch_optional(&mut *tx)
                .await?;
        match row {
            None => return Err(ApiError::not_found(format!("Aucune levée n° {collection_id}."))),
            Some((Some(_), _)) => {
                return Err(ApiError::conflict(format!(
                    "La levée n° {collection_id} est clôturée : ouvrez-en une nouvelle pour enregistrer ce dossier."
                )))
            }
            Some((None, pickup)) => out_of_urn = time::parse_date(&pickup)?,
        }
    }
    // On PostgreSQL every form number is in `dossier_numbers`, those of the
    // years set apart too (crate::years): one lookup tells a new form, the
    // case of nearly every recording.
    let number_taken = match db.backend() {
        crate::storage::Backend::Postgres => Some(
            sqlx::query_scalar::<_, i64>("SELECT dossier_id FROM dossier_numbers WHERE form_number = $1")
                .bind(&c.form_number)
                .fetch_optional(&mut *tx)
                .await?,
        ),
        crate::storage::Backend::Sqlite => None,
    };
    let existing = match number_taken {
        Some(None) => None,
        _ => {
            sqlx::query(
                "SELECT id, matricule_ok, scanned_on, original_received_on FROM (SELECT d.id, CASE \
                WHEN m.matricule = $2 THEN 1 ELSE 0 END AS matricule_ok, d.scanned_on, d.original_received_on \
                FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.form_number = $1) x",
            )
            .bind(&c.form_number)
            .bind(&c.matricule)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    // Taken, and not among the years in use: by a dossier of a year set apart.
    if let (None, Some(year)) = (&existing, number_taken.flatten().and_then(crate::years::year_of_id)) {
        return Err(ApiError::validation(
            "form_number",
            format!(
                "La feuille de soins {} est déjà enregistrée (dossier de {year}, année mise à part).",
                c.form_number
            ),
        ));
    }
    if let Some(e) = existing {
        let id: i64 = e.try_get("id")?;
        let before = get_in_tx(&mut tx, id).await?;
        let awaiting_original = before.scanned_on.is_some() && before.original_received_on.is_none();
        let Arrival::Urn { collection_id, urn_id } = arrival else {
            return Err(ApiError::validation(
                "form_number",
                format!(
                    "La feuille de soins {} est déjà enregistrée (dossier reçu le {}).",
                    c.form_number,
                    fr(before.received_on)
                ),
            ));
        };
        if !awaiting_original {
            return Err(ApiError::validation(
                "form_number",
                format!(
                    "La feuille de soins {} est déjà enregistrée (dossier reçu le {}) : un même numéro ne peut \
                    être déposé deux fois.",
                    c.form_number,
                    fr(before.received_on)
                ),
            ));
        }
        if e.try_get::<i64, _>("matricule_ok")? != 1 {
            return Err(ApiError::validation(
                "matricule",
                format!(
                    "La feuille {} a été scannée pour le matricule {}, pas {} : vérifiez la saisie.",
                    c.form_number, before.matricule, c.matricule
                ),
            ));
        }
        let rules = catalogues::deadline_rules(&mut *tx).await?;
        let rule = deadlines::rule_on(&rules, before.first_act_date);
        let late = deadlines::original_is_late(&deadlines::compute(&rule, before.first_act_date), true, out_of_urn);
        let sets = [
            ("original_received_on", time::date(out_of_urn).into()),
            ("collection_id", collection_id.into()),
            ("urn_id", urn_id.into()),
            ("late", (late as i64).into()),
            ("updated_at", time::ts(now).into()),
        ];
        versioned::update(&mut tx, "dossiers", ("id", id.into()), before.version, &sets).await?;
        let mut journal = vec![];
        if late {
            let label = late_reason_label(&mut tx).await?;
            apply_late_effect(&mut tx, now, &rule.late_effect, &before, &label, &mut journal).await?;
        }
        let after = get_in_tx(&mut tx, id).await?;
        journal.push(
            Change::on("dossier.original_received", "dossier", id)
                .before(audit_json(&before))
                .after(audit_json(&after)),
        );
        audit::record_many(&mut tx, now, actor, journal).await?;
        tx.commit().await?;
        let message = if late {
            format!("{} : original reçu HORS DÉLAI (date limite {}).", after.form_number, fr(after.original_deadline))
        } else {
            format!("{} : original du dossier scanné reçu.", after.form_number)
        };
        return Ok(Recorded { outcome: Outcome::OriginalReceived, dossier: after, message });
    }

    let member_id = covered(&mut tx, &c, input.beneficiary_id, input.first_act_date).await?;
    if !input.confirm_duplicate {
        let similar: Option<String> = sqlx::query_scalar(
            "SELECT form_number FROM dossiers WHERE member_id = $1 AND beneficiary_id = $2 AND first_act_date = $3 \
                AND total_claimed = $4 LIMIT 1",
        )
        .bind(member_id)
        .bind(input.beneficiary_id)
        .bind(time::date(input.first_act_date))
        .bind(c.total)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(other) = similar {
            let mut e = ApiError::conflict(format!(
                "Doublon possible : le dossier {other} a le même bénéficiaire, la même date de premier acte et le \
                    même total. Confirmez pour enregistrer quand même."
            ));
            e.field = Some("confirm_duplicate".into());
            return Err(e);
        }
    }
    let rules = catalogues::deadline_rules(&mut *tx).await?;
    let rule = deadlines::rule_on(&rules, input.first_act_date);
    let d = deadlines::compute(&rule, input.first_act_date);
    let (scanned_on, original_on, collection_id, urn_id) = match arrival {
        Arrival::Urn { collection_id, urn_id } => (None, Some(out_of_urn), Some(collection_id), Some(urn_id)),
        Arrival::Scan { on } => {
            if on > today {
                return Err(ApiError::validation(
                    "scanned_on",
                    "Date de réception du scan : elle ne peut pas être dans le futur.",
                ));
            }
            (Some(on), None, None, None)
        }
    };
    let received = scanned_on.unwrap_or(out_of_urn);
    let late = deadlines::original_is_late(&d, false, received);
    // On PostgreSQL its id says its year (crate::years), the year it is recorded in.
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO dossiers (id, form_number, member_id, beneficiary_id, kind, first_act_date, total_claimed, \
            pieces, status, urn_id, collection_id,
           scanned_on, original_received_on, validity_end, original_deadline, late, contents_json, created_at, \
               updated_at)
         VALUES ({}, $1, $2, $3, $4, $5, $6, $7, $17, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
        crate::years::new_dossier_id(db.backend(), year)
    ))
    .bind(&c.form_number)
    .bind(member_id)
    .bind(input.beneficiary_id)
    .bind(input.kind.code())
    .bind(time::date(input.first_act_date))
    .bind(c.total)
    .bind(input.pieces)
    .bind(urn_id)
    .bind(collection_id)
    .bind(scanned_on.map(time::date))
    .bind(original_on.map(time::date))
    .bind(time::date(d.validity_end))
    .bind(time::date(d.original_deadline))
    .bind(late as i64)
    .bind(serde_json::to_string(&input.contents.for_kind(input.kind)).map_err(ApiError::internal)?)
    .bind(time::ts(now))
    .bind(Status::Recu.code())
    .fetch_one(&mut *tx)
    .await?;
    for s in scans {
        insert_scan(&mut tx, actor, now, id, s, false).await?;
    }
    let mut journal = vec![];
    if late {
        let created = get_in_tx(&mut tx, id).await?;
        let label = late_reason_label(&mut tx).await?;
        apply_late_effect(&mut tx, now, &rule.late_effect, &created, &label, &mut journal).await?;
    }
    let after = get_in_tx(&mut tx, id).await?;
    journal.push(Change::on("dossier.create", "dossier", id).after(audit_json(&after)));
    audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    let message = match (late, after.status) {
        (true, Status::Rejete) => format!(
            "{} enregistré, REJETÉ : dépôt hors délai (validité jusqu'au {}).",
            after.form_number,
            fr(after.validity_end)
        ),
        (true, _) => format!(
            "{} enregistré, signalé HORS DÉLAI (validité jusqu'au {}).",
            after.form_number,
            fr(after.validity_end)
        ),
        _ => format!("{} enregistré pour {}.", after.form_number, after.beneficiary_name),
    };
    Ok(Recorded { outcome: Outcome::Created, dossier: after, message })
}
