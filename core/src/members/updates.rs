//! Member update requests: a new e-mail, GSM, address or bank account, a new
//! beneficiary (a birth, a marriage), the end of a beneficiary's coverage.
//! One agent records the request with its pieces; another admin or reception
//! agent validates or refuses it (four eyes). Nothing changes before
//! validation; validation applies the change to the member in the same
//! transaction, through the same writers as the member form, and audits it.

use super::input::MemberFields;
use super::repo::{beneficiary_in_tx, get_in_tx, insert_beneficiary, second_self, write_fields};
use super::{validate, BeneficiaryInput, Relation};
use crate::audit::{self, Actor, Change};
use crate::dossiers::repo::fr;
use crate::dossiers::scans::{self, Scan};
use crate::error::{ApiError, ApiResult};
use crate::members::text;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// What the member asks to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpdateChange {
    Email {
        email: String,
    },
    Gsm {
        gsm: String,
    },
    Address {
        address: String,
    },
    /// A new bank account: a bank certificate (attestation de RIB) is required.
    Rib {
        rib: String,
    },
    /// A birth, a marriage: the certificate is required.
    BeneficiaryAdd {
        beneficiary: BeneficiaryInput,
    },
    BeneficiaryEnd {
        #[ts(type = "number")]
        beneficiary_id: i64,
        end_date: NaiveDate,
    },
}

impl UpdateChange {
    pub fn code(&self) -> &'static str {
        match self {
            UpdateChange::Email { .. } => "email",
            UpdateChange::Gsm { .. } => "gsm",
            UpdateChange::Address { .. } => "address",
            UpdateChange::Rib { .. } => "rib",
            UpdateChange::BeneficiaryAdd { .. } => "beneficiary_add",
            UpdateChange::BeneficiaryEnd { .. } => "beneficiary_end",
        }
    }
    /// In the member's words.
    pub fn label(&self) -> &'static str {
        match self {
            UpdateChange::Email { .. } => "Changement d'adresse e-mail",
            UpdateChange::Gsm { .. } => "Changement de GSM",
            UpdateChange::Address { .. } => "Changement d'adresse",
            UpdateChange::Rib { .. } => "Changement de compte bancaire (RIB)",
            UpdateChange::BeneficiaryAdd { .. } => "Ajout d'un bénéficiaire",
            UpdateChange::BeneficiaryEnd { .. } => "Fin de couverture d'un bénéficiaire",
        }
    }
    /// The piece this change needs (one of `any_of`), whoever sends it.
    pub fn needs(&self) -> Option<Needs> {
        match self {
            UpdateChange::Rib { .. } => Some(Needs {
                any_of: &[UpdatePiece::BankCertificate],
                label: "l'attestation de RIB de la banque",
                message: "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.",
            }),
            UpdateChange::BeneficiaryAdd { .. } => Some(Needs {
                any_of: &[UpdatePiece::BirthCertificate, UpdatePiece::MarriageCertificate],
                label: "l'acte de naissance ou de mariage",
                message: "Un nouveau bénéficiaire exige l'acte de naissance ou de mariage : joignez-le.",
            }),
            _ => None,
        }
    }
    /// The summary as the member reads it, on his receipt or his portal:
    /// a RIB masked but for its last four digits.
    pub fn member_summary(&self) -> String {
        match self {
            UpdateChange::Rib { rib } => format!("Nouveau RIB : {}", crate::statements::pdf::masked_rib(Some(rib))),
            _ => self.summary(),
        }
    }
    /// One line the agent reads aloud: `Nouveau GSM : +212612345678`.
    pub fn summary(&self) -> String {
        match self {
            UpdateChange::Email { email } => format!("Nouvelle adresse e-mail : {email}"),
            UpdateChange::Gsm { gsm } => format!("Nouveau GSM : {gsm}"),
            UpdateChange::Address { address } => format!("Nouvelle adresse : {address}"),
            UpdateChange::Rib { rib } => format!("Nouveau RIB : {}", validate::format_rib(rib)),
            UpdateChange::BeneficiaryAdd { beneficiary: b } => format!(
                "Nouveau bénéficiaire : {} {} ({}){}",
                b.last_name.to_uppercase(),
                b.first_name,
                b.relation.label(),
                b.birth_date.map(|d| format!(", né(e) le {}", fr(d))).unwrap_or_default()
            ),
            UpdateChange::BeneficiaryEnd { end_date, .. } => format!("Fin de couverture le {}", fr(*end_date)),
        }
    }
}

/// A piece a change cannot be validated without.
pub struct Needs {
    pub any_of: &'static [UpdatePiece],
    /// In the member's words, as a missing piece.
    pub label: &'static str,
    /// The refusal when it is not joined.
    pub message: &'static str,
}

/// How the request came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Desk,
    Email,
    Employer,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Desk => "desk",
            Channel::Email => "email",
            Channel::Employer => "employer",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Desk, Channel::Email, Channel::Employer].into_iter().find(|c| c.code() == s)
    }
    /// `Reçue au guichet`.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Desk => "au guichet",
            Channel::Email => "par e-mail",
            Channel::Employer => "par l'employeur",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePiece {
    BankCertificate,
    BirthCertificate,
    MarriageCertificate,
    /// Copy of the member's (and beneficiary's) national identity card.
    Cnie,
    /// Copy of the member's staff badge.
    Badge,
    Other,
}

impl UpdatePiece {
    pub fn code(self) -> &'static str {
        match self {
            UpdatePiece::BankCertificate => "bank_certificate",
            UpdatePiece::BirthCertificate => "birth_certificate",
            UpdatePiece::MarriageCertificate => "marriage_certificate",
            UpdatePiece::Cnie => "cnie",
            UpdatePiece::Badge => "badge",
            UpdatePiece::Other => "other",
        }
    }
    pub const ALL: [UpdatePiece; 6] =
        [UpdatePiece::BankCertificate, UpdatePiece::BirthCertificate, UpdatePiece::MarriageCertificate, UpdatePiece::Cnie, UpdatePiece::Badge, UpdatePiece::Other];
    pub fn parse(s: &str) -> Option<UpdatePiece> {
        UpdatePiece::ALL.into_iter().find(|c| c.code() == s)
    }
    /// In the member's words, as a missing piece is named.
    pub fn label(self) -> &'static str {
        match self {
            UpdatePiece::BankCertificate => "l'attestation de RIB de la banque",
            UpdatePiece::BirthCertificate => "l'acte de naissance",
            UpdatePiece::MarriageCertificate => "l'acte de mariage",
            UpdatePiece::Cnie => "la copie de la CNIE de l'adhérent et du bénéficiaire",
            UpdatePiece::Badge => "la copie du badge",
            UpdatePiece::Other => "une autre pièce",
        }
    }
    /// FAQ question 9: a request the member sends (at the desk or by e-mail)
    /// comes with the copies of his CNIE and badge; an employer sending it for
    /// him vouches for who he is.
    pub fn required_for(channel: Channel) -> &'static [UpdatePiece] {
        match channel {
            Channel::Employer => &[],
            Channel::Desk | Channel::Email => &[UpdatePiece::Cnie, UpdatePiece::Badge],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    EnAttente,
    Valide,
    Refuse,
}

impl UpdateStatus {
    pub fn code(self) -> &'static str {
        match self {
            UpdateStatus::EnAttente => "en_attente",
            UpdateStatus::Valide => "valide",
            UpdateStatus::Refuse => "refuse",
        }
    }
    pub fn parse(s: &str) -> Option<UpdateStatus> {
        [UpdateStatus::EnAttente, UpdateStatus::Valide, UpdateStatus::Refuse].into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            UpdateStatus::EnAttente => "En attente de validation",
            UpdateStatus::Valide => "Validée",
            UpdateStatus::Refuse => "Refusée",
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateFileInput {
    pub path: String,
    pub piece: UpdatePiece,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequestInput {
    #[ts(type = "number")]
    pub member_id: i64,
    pub change: UpdateChange,
    pub channel: Channel,
    #[serde(default)]
    #[ts(as = "Option<Vec<UpdateFileInput>>", optional)]
    pub files: Vec<UpdateFileInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateFile {
    #[ts(type = "number")]
    pub id: i64,
    pub piece: UpdatePiece,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UpdateRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub member_id: i64,
    pub matricule: String,
    pub member_name: String,
    pub change: UpdateChange,
    pub kind_label: String,
    pub summary: String,
    pub channel: Channel,
    pub status: UpdateStatus,
    pub status_label: String,
    /// Why it was refused.
    pub reason: Option<String>,
    pub files: Vec<UpdateFile>,
    pub created_at: String,
    pub created_by: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

/// Checks a change for `member_id` against the database; returns it normalised
/// (GSM in one format, RIB without spaces, names trimmed). `pieces` are the
/// pieces attached. Used when recording and again when validating.
async fn check(tx: &mut Transaction<'static, Any>, member_id: i64, c: &UpdateChange, pieces: &[UpdatePiece], today: NaiveDate) -> ApiResult<UpdateChange> {
    let needs = |c: &UpdateChange| -> ApiResult<()> {
        match c.needs() {
            Some(n) if !pieces.iter().any(|p| n.any_of.contains(p)) => Err(ApiError::validation("files", n.message)),
            _ => Ok(()),
        }
    };
    Ok(match c {
        UpdateChange::Email { email } => UpdateChange::Email { email: validate::email("change.email", email)? },
        UpdateChange::Gsm { gsm } => UpdateChange::Gsm { gsm: validate::gsm("change.gsm", gsm)? },
        UpdateChange::Address { address } => {
            let a = text::clean("change.address", "L'adresse", address, 250)?;
            if a.is_empty() {
                return Err(ApiError::validation("change.address", "L'adresse est obligatoire."));
            }
            UpdateChange::Address { address: a }
        }
        UpdateChange::Rib { rib } => {
            let rib = validate::rib("change.rib", rib)?;
            needs(c)?;
            UpdateChange::Rib { rib }
        }
        UpdateChange::BeneficiaryAdd { beneficiary } => {
            let b = beneficiary.check(today).map_err(|errors| {
                let e = errors.into_iter().next().unwrap_or_else(|| ApiError::validation("change.beneficiary", "Bénéficiaire invalide."));
                ApiError { field: e.field.map(|f| format!("change.beneficiary.{f}")), ..e }
            })?;
            if b.relation == Relation::LuiMeme {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM beneficiaries WHERE member_id = $1 AND relation = 'lui_meme'").bind(member_id).fetch_one(&mut **tx).await?;
                if n > 0 {
                    let e = second_self();
                    return Err(ApiError { field: Some("change.beneficiary.relation".into()), ..e });
                }
            }
            needs(c)?;
            UpdateChange::BeneficiaryAdd { beneficiary: b }
        }
        UpdateChange::BeneficiaryEnd { beneficiary_id, end_date } => {
            let b = beneficiary_in_tx(tx, *beneficiary_id).await.map_err(|_| ApiError::validation("change.beneficiary_id", format!("Aucun bénéficiaire n° {beneficiary_id}.")))?;
            if b.member_id != member_id {
                return Err(ApiError::validation("change.beneficiary_id", "Ce bénéficiaire n'est pas celui de cet adhérent."));
            }
            if b.relation == Relation::LuiMeme {
                return Err(ApiError::validation("change.beneficiary_id", "L'adhérent lui-même ne perd pas sa couverture par une demande : c'est une radiation (date de fin de l'adhérent)."));
            }
            if b.coverage_start.is_some_and(|s| *end_date < s) {
                return Err(ApiError::validation("change.end_date", "La fin de couverture précède son début."));
            }
            UpdateChange::BeneficiaryEnd { beneficiary_id: *beneficiary_id, end_date: *end_date }
        }
    })
}

/// Records a request with its pieces; nothing of the member changes.
pub async fn record(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &UpdateRequestInput) -> ApiResult<UpdateRequest> {
    let scans = read_pieces(&r.files)?;
    let pieces: Vec<UpdatePiece> = r.files.iter().map(|f| f.piece).collect();
    let mut tx = db.begin().await?;
    let member = get_in_tx(&mut tx, r.member_id).await.map_err(|_| ApiError::validation("member_id", format!("Aucun adhérent n° {}.", r.member_id)))?;
    let change = check(&mut tx, member.id, &r.change, &pieces, now.date_naive()).await?;
    if let Some(p) = UpdatePiece::required_for(r.channel).iter().find(|p| !pieces.contains(p)) {
        return Err(ApiError::validation("files", format!("Pièce obligatoire manquante : {}.", p.label())));
    }
    let id = insert_request(&mut tx, actor, now, member.id, &change, r.channel).await?;
    store_pieces(&mut tx, actor, now, id, &scans).await?;
    audit::record(&mut tx, now, actor, Change {
        action: "member_update.record",
        entity_type: "member",
        entity_id: Some(member.id.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "request": id, "change": change, "channel": r.channel,
            "files": pieces_json(&scans),
        })),
    })
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// A pending request, as recorded: its id.
async fn insert_request(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, member_id: i64, change: &UpdateChange, channel: Channel) -> ApiResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO member_update_requests (member_id, kind, change_json, channel, status, created_at, created_by) VALUES ($1, $2, $3, $4, 'en_attente', $5, $6) RETURNING id",
    )
    .bind(member_id)
    .bind(change.code())
    .bind(serde_json::to_string(change).map_err(ApiError::internal)?)
    .bind(channel.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut **tx)
    .await?)
}

/// At most 10 pieces to a request (with those it already holds).
fn check_piece_count(count: usize) -> ApiResult<()> {
    if count > 10 {
        return Err(ApiError::validation("files", "Au plus 10 pièces par demande."));
    }
    Ok(())
}

/// The pieces sent, each read whole and checked before a transaction begins.
fn read_pieces(files: &[UpdateFileInput]) -> ApiResult<Vec<(UpdatePiece, Scan)>> {
    check_piece_count(files.len())?;
    scans::check_request("files", files.iter().map(|f| std::path::Path::new(f.path.trim())))?;
    files.iter().enumerate().map(|(i, f)| Ok((f.piece, scans::read(&format!("files[{i}].path"), std::path::Path::new(f.path.trim()))?))).collect()
}

async fn store_pieces(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, request_id: i64, scans: &[(UpdatePiece, Scan)]) -> ApiResult<()> {
    for (piece, s) in scans {
        let at = scans::Place { table: "member_update_files", owner: ("request_id", request_id), piece: Some(piece.code()), confidential: None };
        scans::store(tx, actor, now, &at, s).await?;
    }
    Ok(())
}

fn pieces_json(scans: &[(UpdatePiece, Scan)]) -> Vec<serde_json::Value> {
    scans.iter().map(|(p, s)| serde_json::json!({"piece": p, "name": s.file_name, "sha256": s.sha256})).collect()
}

/// Adds pieces to a pending request (a RIB change that an employer's roster
/// brought comes without the bank's certificate). Whoever adds a piece
/// vouches for it: he may not validate the request either.
pub async fn attach(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64, files: &[UpdateFileInput]) -> ApiResult<UpdateRequest> {
    if files.is_empty() {
        return Err(ApiError::validation("files", "Choisissez au moins une pièce à joindre."));
    }
    let scans = read_pieces(files)?;
    let mut tx = db.begin().await?;
    let req = load(&mut tx, id).await?;
    if req.status != UpdateStatus::EnAttente {
        return Err(ApiError::conflict(format!("Cette demande est déjà {} : on n'y joint plus de pièce.", req.status.label().to_lowercase())));
    }
    if req.version != version {
        return Err(ApiError::stale());
    }
    check_piece_count(req.files.len() + scans.len())?;
    store_pieces(&mut tx, actor, now, id, &scans).await?;
    let n = sqlx::query("UPDATE member_update_requests SET version = version + 1 WHERE id = $1 AND version = $2").bind(id).bind(version).execute(&mut *tx).await?.rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    audit::record(&mut tx, now, actor, Change {
        action: "member_update.attach",
        entity_type: "member",
        entity_id: Some(req.member_id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "request": id, "files": pieces_json(&scans) })),
    })
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Records, inside a roster import's transaction, the RIB change a file
/// brought for a registered member, unless the same one already waits.
/// Answers whether a request was recorded.
pub(crate) async fn record_from_roster(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, member_id: i64, rib: &str, file: &str) -> ApiResult<bool> {
    let change = UpdateChange::Rib { rib: rib.to_string() };
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_update_requests WHERE member_id = $1 AND status = 'en_attente' AND change_json = $2")
        .bind(member_id)
        .bind(serde_json::to_string(&change).map_err(ApiError::internal)?)
        .fetch_one(&mut **tx)
        .await?;
    if waiting > 0 {
        return Ok(false);
    }
    let id = insert_request(tx, actor, now, member_id, &change, Channel::Employer).await?;
    audit::record(tx, now, actor, Change {
        action: "member_update.record",
        entity_type: "member",
        entity_id: Some(member_id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "request": id, "change": change, "channel": Channel::Employer, "files": [], "roster": file })),
    })
    .await?;
    Ok(true)
}

const SELECT: &str = "SELECT r.*, m.matricule, m.last_name, m.first_name FROM member_update_requests r JOIN members m ON m.id = r.member_id";

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<UpdateRequest> {
    let change: UpdateChange = serde_json::from_str(&r.try_get::<String, _>("change_json")?).map_err(ApiError::internal)?;
    let status = UpdateStatus::parse(&r.try_get::<String, _>("status")?).ok_or_else(|| ApiError::internal("statut de demande inconnu"))?;
    Ok(UpdateRequest {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        matricule: r.try_get("matricule")?,
        member_name: format!("{} {}", r.try_get::<String, _>("last_name")?.to_uppercase(), r.try_get::<String, _>("first_name")?),
        kind_label: change.label().into(),
        summary: change.summary(),
        change,
        channel: Channel::parse(&r.try_get::<String, _>("channel")?).ok_or_else(|| ApiError::internal("canal inconnu"))?,
        status,
        status_label: status.label().into(),
        reason: r.try_get("reason")?,
        files: vec![],
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        version: r.try_get("version")?,
    })
}

async fn files_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, request_id: i64) -> ApiResult<Vec<UpdateFile>> {
    let rows = sqlx::query("SELECT id, piece, file_name, media_type, size, sha256 FROM member_update_files WHERE request_id = $1 ORDER BY id").bind(request_id).fetch_all(ex).await?;
    rows.iter()
        .map(|f| {
            Ok(UpdateFile {
                id: f.try_get("id")?,
                piece: UpdatePiece::parse(&f.try_get::<String, _>("piece")?).ok_or_else(|| ApiError::internal("pièce inconnue"))?,
                file_name: f.try_get("file_name")?,
                media_type: f.try_get("media_type")?,
                size: f.try_get("size")?,
                sha256: f.try_get("sha256")?,
            })
        })
        .collect()
}

/// One request with its pieces.
pub async fn get(db: &Db, id: i64) -> ApiResult<UpdateRequest> {
    let mut tx = db.begin().await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

async fn load(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<UpdateRequest> {
    let r = sqlx::query(&format!("{SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&mut **tx).await?.ok_or_else(|| ApiError::not_found(format!("Aucune demande de modification n° {id}.")))?;
    let mut out = from_row(&r)?;
    out.files = files_of(&mut **tx, id).await?;
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateFilter {
    /// One member's requests (all statuses, newest first); otherwise the pending ones, oldest first.
    #[ts(optional, type = "number")]
    pub member_id: Option<i64>,
}

pub async fn list(pool: &AnyPool, f: &UpdateFilter) -> ApiResult<Vec<UpdateRequest>> {
    let rows = match f.member_id {
        Some(m) => sqlx::query(&format!("{SELECT} WHERE r.member_id = $1 ORDER BY r.id DESC LIMIT 500")).bind(m).fetch_all(pool).await?,
        None => sqlx::query(&format!("{SELECT} WHERE r.status = 'en_attente' ORDER BY r.created_at, r.id LIMIT 500")).fetch_all(pool).await?,
    };
    let mut out = vec![];
    for r in &rows {
        let mut u = from_row(r)?;
        u.files = files_of(pool, u.id).await?;
        out.push(u);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpdateDecision {
    Validate,
    Refuse { reason: String },
}

/// Validates (applying the change) or refuses a pending request; the agent
/// who recorded it cannot decide it.
pub async fn decide(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64, d: &UpdateDecision) -> ApiResult<UpdateRequest> {
    let mut tx = db.begin().await?;
    let req = load(&mut tx, id).await?;
    if req.status != UpdateStatus::EnAttente {
        return Err(ApiError::conflict(format!(
            "Cette demande est déjà {} (par {}) : elle ne se décide qu'une fois.",
            req.status.label().to_lowercase(),
            req.decided_by.clone().unwrap_or_default()
        )));
    }
    if req.created_by == actor.name {
        return Err(ApiError::forbidden("Vous avez enregistré cette demande : un autre agent doit la valider ou la refuser (contrôle à quatre yeux)."));
    }
    let attached: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_update_files WHERE request_id = $1 AND created_by = $2").bind(id).bind(&actor.name).fetch_one(&mut *tx).await?;
    if attached > 0 && matches!(d, UpdateDecision::Validate) {
        return Err(ApiError::forbidden("Vous avez joint une pièce à cette demande : un autre agent doit la valider (contrôle à quatre yeux)."));
    }
    if req.version != version {
        return Err(ApiError::stale());
    }
    let (status, reason) = match d {
        UpdateDecision::Refuse { reason } => {
            let r = text::clean("reason", "Le motif du refus", reason, 500)?;
            if r.is_empty() {
                return Err(ApiError::validation("reason", "Indiquez le motif du refus : l'adhérent le lira."));
            }
            (UpdateStatus::Refuse, Some(r))
        }
        UpdateDecision::Validate => {
            let pieces: Vec<UpdatePiece> = req.files.iter().map(|f| f.piece).collect();
            // The rules are checked again: the member may have changed since the request was recorded.
            let change = check(&mut tx, req.member_id, &req.change, &pieces, now.date_naive()).await?;
            apply(&mut tx, actor, now, req.member_id, &change).await?;
            (UpdateStatus::Valide, None)
        }
    };
    let n = sqlx::query("UPDATE member_update_requests SET status = $1, reason = $2, decided_at = $3, decided_by = $4, version = version + 1 WHERE id = $5 AND version = $6")
        .bind(status.code())
        .bind(reason.clone())
        .bind(time::ts(now))
        .bind(&actor.name)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    audit::record(&mut tx, now, actor, Change {
        action: if status == UpdateStatus::Valide { "member_update.validate" } else { "member_update.refuse" },
        entity_type: "member",
        entity_id: Some(req.member_id.to_string()),
        before: Some(serde_json::json!({ "request": id, "status": req.status })),
        after: Some(serde_json::json!({ "request": id, "status": status, "reason": reason, "recorded_by": req.created_by })),
    })
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Applies a validated change with the member form's own writers, audited as they are.
async fn apply(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, member_id: i64, c: &UpdateChange) -> ApiResult<()> {
    match c {
        UpdateChange::Email { .. } | UpdateChange::Gsm { .. } | UpdateChange::Address { .. } | UpdateChange::Rib { .. } => {
            let before = get_in_tx(tx, member_id).await?;
            let mut f = MemberFields::from(&before);
            match c {
                UpdateChange::Email { email } => f.email = Some(email.clone()),
                UpdateChange::Gsm { gsm } => f.gsm = Some(gsm.clone()),
                UpdateChange::Address { address } => f.address = Some(address.clone()),
                UpdateChange::Rib { rib } => f.rib = Some(rib.clone()),
                _ => {}
            }
            write_fields(tx, &before, &f, now).await?;
            let after = get_in_tx(tx, member_id).await?;
            audit::record(tx, now, actor, Change {
                action: "member.update",
                entity_type: "member",
                entity_id: Some(member_id.to_string()),
                before: Some(before.audit_json()),
                after: Some(after.audit_json()),
            })
            .await?;
        }
        UpdateChange::BeneficiaryAdd { beneficiary } => {
            let id = insert_beneficiary(tx, member_id, beneficiary, now).await?;
            let created = beneficiary_in_tx(tx, id).await?;
            audit::record(tx, now, actor, Change {
                action: "beneficiary.add",
                entity_type: "member",
                entity_id: Some(member_id.to_string()),
                before: None,
                after: Some(created.audit_json()),
            })
            .await?;
        }
        UpdateChange::BeneficiaryEnd { beneficiary_id, end_date } => {
            let before = beneficiary_in_tx(tx, *beneficiary_id).await?;
            sqlx::query("UPDATE beneficiaries SET coverage_end = $1, updated_at = $2, version = version + 1 WHERE id = $3")
                .bind(time::date(*end_date))
                .bind(time::ts(now))
                .bind(beneficiary_id)
                .execute(&mut **tx)
                .await?;
            let after = beneficiary_in_tx(tx, *beneficiary_id).await?;
            audit::record(tx, now, actor, Change {
                action: "beneficiary.update",
                entity_type: "member",
                entity_id: Some(member_id.to_string()),
                before: Some(before.audit_json()),
                after: Some(after.audit_json()),
            })
            .await?;
        }
    }
    Ok(())
}

/// A request's piece.
pub async fn file_content(pool: &AnyPool, file_id: i64) -> ApiResult<(UpdateFile, Vec<u8>)> {
    let r = sqlx::query("SELECT id, request_id, piece, file_name, media_type, size, sha256, content FROM member_update_files WHERE id = $1")
        .bind(file_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce n° {file_id}.")))?;
    let info = UpdateFile {
        id: r.try_get("id")?,
        piece: UpdatePiece::parse(&r.try_get::<String, _>("piece")?).ok_or_else(|| ApiError::internal("pièce inconnue"))?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
    };
    Ok((info, r.try_get("content")?))
}
