//! What a logged-in member may ask, each for his own family only: the
//! member is the session's, never an id of the request, and a record of
//! another family answers as one that does not exist. Every read of a file
//! is journaled with the member as its author.

use super::sessions::MemberSession;
use super::view::{self, PortalView};
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::members;
use crate::pdf::letterhead::letterhead;
use crate::statements::pdf;
use crate::storage::Db;
use chrono::{DateTime, Utc};

/// Everything the portal shows him (`Mes informations`, `Mes bénéficiaires`,
/// `Mes dossiers`, `Mes décomptes`, `Mes accords préalables`, `Mes demandes`).
pub async fn my_view(db: &Db, s: &MemberSession, now: DateTime<Utc>) -> ApiResult<PortalView> {
    view::view(db, s.member_id, now.date_naive()).await
}

const NO_STATEMENT: &str = "Aucun décompte de ce numéro dans votre espace.";

/// The statement (décompte) `number` of one of his paid dossiers, as a PDF.
pub async fn my_statement(db: &Db, s: &MemberSession, now: DateTime<Utc>, number: &str) -> ApiResult<Vec<u8>> {
    let pool = db.pool();
    let found: Option<(i64, i64)> = sqlx::query_as("SELECT id, member_id FROM dossiers WHERE statement_number = $1")
        .bind(number.trim())
        .fetch_optional(pool)
        .await?;
    let Some((dossier, owner)) = found.filter(|(_, owner)| *owner == s.member_id) else {
        return Err(ApiError::not_found(NO_STATEMENT));
    };
    let p = pdf::paid_dossier(pool, dossier).await?;
    let m = members::get(pool, owner).await?.ok_or_else(|| ApiError::not_found(NO_STATEMENT))?;
    let bytes = pdf::dossier_statement(&letterhead(pool).await?, &m, &p);
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        now,
        &Actor::member(&s.matricule),
        Change {
            action: "portal.statement_read",
            entity_type: "dossier",
            entity_id: Some(dossier.to_string()),
            before: None,
            after: Some(serde_json::json!({ "statement": number.trim() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}
