//! What a logged-in member may ask, each for his own family only: the
//! member is the session's, never an id of the request, and a record of
//! another family answers as one that does not exist. Every read of a file
//! is journaled with the member as its author.

use super::outbox::Outbox;
use super::requests::{acknowledge_dossier, DossierReceived};
use super::sessions::MemberSession;
use super::view::{self, PortalView};
use crate::attachments::{self, Scan};
use crate::audit::{self, Actor, Change};
use crate::dossiers::checklist::Contents;
use crate::dossiers::input::DossierInput;
use crate::dossiers::record::{self, Arrival};
use crate::dossiers::view::{member_view, MemberDossierView};
use crate::dossiers::workflow::Status;
use crate::dossiers::{repo as dossiers, Kind};
use crate::error::{ApiError, ApiResult};
use crate::members;
use crate::pdf::letterhead::letterhead;
use crate::statements::pdf;
use crate::storage::Db;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use ts_rs::TS;

/// Everything the portal shows him (`Mes informations`, `Mes bénéficiaires`,
/// `Mes dossiers`, `Mes décomptes`, `Mes accords préalables`, `Mes demandes`).
pub async fn my_view(db: &Db, s: &MemberSession, now: DateTime<Utc>) -> ApiResult<PortalView> {
    view::view(db, s.member_id, now.date_naive()).await
}

/// Journals a file the member opened, with him as its author.
pub(super) async fn read_journaled(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    action: &'static str,
    entity_type: &'static str,
    id: i64,
    what: serde_json::Value,
) -> ApiResult<()> {
    let change = Change::on(action, entity_type, id).after(what);
    audit::record_alone(db, now, &Actor::member(&s.matricule), change).await
}

const NO_STATEMENT: &str = "Aucun décompte de ce numéro dans votre espace.";

/// The statement (décompte) `number` of one of his paid dossiers, as a PDF.
pub async fn my_statement(db: &Db, s: &MemberSession, now: DateTime<Utc>, number: &str) -> ApiResult<Vec<u8>> {
    let pool = db.pool();
    let dossiers = crate::years::every_year(pool, "dossiers").await?;
    let found: Option<(i64, i64)> =
        sqlx::query_as(&format!("SELECT id, member_id FROM {dossiers} WHERE statement_number = $1"))
            .bind(number.trim())
            .fetch_optional(pool)
            .await?;
    let Some((dossier, owner)) = found.filter(|(_, owner)| *owner == s.member_id) else {
        return Err(ApiError::not_found(NO_STATEMENT));
    };
    let p = pdf::paid_dossier(pool, dossier).await?;
    let m = members::get(pool, owner).await?.ok_or_else(|| ApiError::not_found(NO_STATEMENT))?;
    let bytes = pdf::dossier_statement(&letterhead(pool).await?, &m, &p);
    read_journaled(
        db,
        s,
        now,
        "portal.statement_read",
        "dossier",
        dossier,
        serde_json::json!({ "statement": number.trim() }),
    )
    .await?;
    Ok(bytes)
}

const NO_PAYMENT: &str = "Aucun virement de cette référence dans votre espace.";

/// The statement of one transfer (every dossier it paid), as a PDF.
pub async fn my_payment(db: &Db, s: &MemberSession, now: DateTime<Utc>, reference: &str) -> ApiResult<Vec<u8>> {
    let pool = db.pool();
    let Some((m, paid)) = pdf::payment_data(pool, reference).await?.filter(|(m, _)| m.id == s.member_id) else {
        return Err(ApiError::not_found(NO_PAYMENT));
    };
    let bytes = pdf::payment_pdf(&letterhead(pool).await?, &m, &paid, reference.trim());
    let what = serde_json::json!({ "payment": reference.trim() });
    read_journaled(db, s, now, "portal.statement_read", "member", m.id, what).await?;
    Ok(bytes)
}

/// His statement of every payment between two days (« relevé de
/// prestations »), as a PDF.
pub async fn my_period(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<u8>> {
    if to < from {
        return Err(ApiError::validation("to", "La fin de la période précède son début."));
    }
    let pool = db.pool();
    let Some(bytes) = pdf::period_statement(pool, &letterhead(pool).await?, s.member_id, from, to).await? else {
        return Err(ApiError::not_found("Aucun paiement sur cette période."));
    };
    let what = serde_json::json!({ "from": from, "to": to });
    read_journaled(db, s, now, "portal.statement_read", "member", s.member_id, what).await?;
    Ok(bytes)
}

/// A partner provider as the member's page lists it (« Centres conventionnés »).
#[derive(Debug, Clone, serde::Serialize, TS)]
pub struct Partner {
    /// What a coverage request from his space names.
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// What it does (« Institut médico-pédagogique », « Laboratoire »…).
    pub kind: String,
    pub city: String,
    pub address: String,
}

/// The mutual's partner providers still active, those whose name, kind or
/// city contains `search` (accents and case aside), by city then name.
pub async fn partners(db: &Db, search: &str) -> ApiResult<Vec<Partner>> {
    let wanted = crate::kernel::text::fold(search.trim());
    let mut out: Vec<Partner> = crate::approvals::providers::list(db.pool(), true)
        .await?
        .into_iter()
        .filter(|p| !p.agreement.trim().is_empty())
        .filter(|p| {
            wanted.is_empty()
                || [&p.name, &p.kind, &p.city].iter().any(|f| crate::kernel::text::fold(f).contains(&wanted))
        })
        .map(|p| Partner { id: p.id, name: p.name, kind: p.kind, city: p.city, address: p.address })
        .collect();
    out.sort_by(|a, b| (&a.city, &a.name).cmp(&(&b.city, &b.name)));
    Ok(out)
}

const NO_LETTER: &str = "Aucune lettre de ce numéro dans votre espace.";

/// The letter of the decision on one of his requests (approval, coverage,
/// refusal, request for pieces), as a PDF: never a medical detail.
pub async fn my_letter(db: &Db, s: &MemberSession, now: DateTime<Utc>, number: &str) -> ApiResult<Vec<u8>> {
    let found: Option<(i64, i64)> = sqlx::query_as("SELECT id, member_id FROM approval_requests WHERE number = $1")
        .bind(number.trim())
        .fetch_optional(db.pool())
        .await?;
    let Some((id, _)) = found.filter(|(_, owner)| *owner == s.member_id) else {
        return Err(ApiError::not_found(NO_LETTER));
    };
    let req = crate::approvals::repo::get(db, id).await?.redact(&[]);
    if req.decided_at.is_none() {
        return Err(ApiError::not_found(NO_LETTER));
    }
    let provider = match req.provider_id {
        Some(p) => crate::approvals::providers::get(db.pool(), p).await?,
        None => None,
    };
    let pdf = crate::approvals::letter::letter_pdf(&letterhead(db.pool()).await?, &req, provider.as_ref())?;
    read_journaled(
        db,
        s,
        now,
        "portal.letter_read",
        "approval_request",
        id,
        serde_json::json!({ "request": number.trim() }),
    )
    .await?;
    Ok(pdf)
}

/// A file the member's page sends: its name and its content in base64.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub name: String,
    pub base64: String,
    /// A medical piece (a report, results, a prescription he would keep to
    /// the doctor): sealed as soon as it arrives, opened by the medical
    /// advisor only, as a sealed envelope handed in at the desk.
    #[serde(default)]
    pub confidential: bool,
}

/// Decodes and checks the files of a request (PDF, JPG, PNG; how many, how big).
fn decode(files: &[&Upload]) -> ApiResult<Vec<Scan>> {
    if files.is_empty() {
        return Err(ApiError::validation("files", "Joignez au moins un fichier scanné (PDF, JPG ou PNG)."));
    }
    decode_each(files)
}

/// The same, none at all being allowed (what is required is the caller's rule).
pub(super) fn decode_each(files: &[&Upload]) -> ApiResult<Vec<Scan>> {
    if files.len() > attachments::MAX_FILES {
        return Err(ApiError::validation(
            "files",
            format!("Au plus {} fichiers par envoi : envoyez-les en plusieurs fois.", attachments::MAX_FILES),
        ));
    }
    let mut total = 0u64;
    let mut out = vec![];
    for f in files {
        let bytes = crate::api::files::from_base64(&f.base64).ok_or_else(|| {
            ApiError::validation("files", format!("Le fichier « {} » est arrivé abîmé : renvoyez-le.", f.name))
        })?;
        total += bytes.len() as u64;
        if total > attachments::MAX_TOTAL_BYTES {
            return Err(ApiError::validation(
                "files",
                format!(
                    "Au plus {} Mo par envoi : envoyez-les en plusieurs fois.",
                    attachments::MAX_TOTAL_BYTES / 1_048_576
                ),
            ));
        }
        let mut scan = attachments::uploaded("files", &f.name, bytes)?;
        scan.confidential = f.confidential;
        out.push(scan);
    }
    Ok(out)
}

/// A new dossier's scans, as the member sends them (FAQ: « envoyer la copie
/// scannée de votre dossier »); the paper original follows by an urn.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DossierSent {
    pub form_number: String,
    /// The beneficiary's number in his space (1 = himself).
    #[ts(type = "number")]
    pub beneficiary: i64,
    pub kind: Kind,
    pub first_act_date: NaiveDate,
    /// As typed: `2100`, `2 100,00`.
    pub total_claimed: String,
    pub files: Vec<Upload>,
}

/// Records the member's scans as a dossier received as a scan today, as the
/// desk records an e-mailed one: the same checks, the same deadlines, the
/// original expected by an urn. Journaled with the member as its author; its
/// acknowledgement of receipt is sent to what is on file.
pub async fn send_dossier(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    outbox: Option<&dyn Outbox>,
    r: &DossierSent,
) -> ApiResult<DossierReceived> {
    let family = members::beneficiaries(db.pool(), s.member_id).await?;
    let beneficiary = usize::try_from(r.beneficiary - 1)
        .ok()
        .and_then(|i| family.get(i))
        .ok_or_else(|| ApiError::validation("beneficiary", "Choisissez un de vos bénéficiaires."))?;
    let scans = decode(&r.files.iter().collect::<Vec<_>>())?;
    let input = DossierInput {
        form_number: r.form_number.clone(),
        matricule: s.matricule.clone(),
        beneficiary_id: beneficiary.id,
        kind: r.kind,
        first_act_date: r.first_act_date,
        total_claimed: r.total_claimed.clone(),
        pieces: scans.len() as i64,
        contents: Contents::default(),
        confirm_duplicate: false,
        collection_id: None,
        scanned_on: None,
        files: vec![],
    };
    let actor = Actor::member(&s.matricule);
    let recorded = record::record(db, &actor, now, &input, Arrival::Scan { on: now.date_naive() }, &scans).await?;
    acknowledge_dossier(db, s, outbox, &recorded.dossier).await
}

/// The complement of one of his incomplete dossiers.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplementSent {
    pub form_number: String,
    pub files: Vec<Upload>,
}

/// A dossier of another family answers as one that does not exist.
pub(super) const NO_DOSSIER: &str = "Aucun dossier de ce numéro dans votre espace.";

/// Joins the member's complement to his incomplete dossier: the desk finds
/// the pieces on it and records the complement received, which puts the
/// dossier back in processing.
pub async fn send_complement(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    r: &ComplementSent,
) -> ApiResult<MemberDossierView> {
    let form = crate::dossiers::input::form_number(&r.form_number)
        .map_err(|_| ApiError::validation("form_number", NO_DOSSIER))?;
    let d = dossiers::by_form_number(db.pool(), &form)
        .await?
        .filter(|d| d.member_id == s.member_id)
        .ok_or_else(|| ApiError::validation("form_number", NO_DOSSIER))?;
    if d.status != Status::Incomplet {
        return Err(ApiError::conflict(format!(
            "Le dossier {} est « {} » : il n'attend pas de complément.",
            d.form_number,
            d.status.label()
        )));
    }
    let scans = decode(&r.files.iter().collect::<Vec<_>>())?;
    dossiers::add_scans(db, &Actor::member(&s.matricule), now, d.id, &scans, false).await?;
    member_view(db.pool(), &d).await
}
