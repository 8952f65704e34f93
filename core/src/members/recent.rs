//! The members a staff member opened last: his search page offers them again
//! (most of an agent's day comes back to the member he just had at the desk
//! or on the phone). Read from the journal of consultations he already
//! writes (law 09-08), newest first, by the index of his own rows.

use super::repo::get;
use super::Member;
use crate::audit::{self, AuditFilter};
use crate::error::ApiResult;
use chrono::NaiveDate;
use sqlx::AnyPool;

/// The journal's action of a consultation of a member's page.
pub const READ: &str = "member.read";

/// How many members the search page offers again.
pub const RECENT: usize = 8;

/// How far back: a month of his work. The journal's index by staff member
/// and time serves that month whatever the years behind it (a processor who
/// reads dossiers all day and members seldom would otherwise walk his whole
/// history to find eight members).
pub const RECENT_DAYS: i64 = 30;

/// The journal's filter [`recent`] reads: his consultations of the last
/// month, enough to find [`RECENT`] different members among them.
pub fn recent_filter(actor: &str, today: NaiveDate) -> AuditFilter {
    AuditFilter {
        actor: Some(actor.into()),
        action: Some(READ.into()),
        from: Some(today - chrono::Duration::days(RECENT_DAYS)),
        limit: Some(200),
        ..Default::default()
    }
}

/// The members `actor` opened last, the latest first, each once.
pub async fn recent(pool: &AnyPool, actor: &str, today: NaiveDate) -> ApiResult<Vec<Member>> {
    let mut ids: Vec<i64> = Vec::with_capacity(RECENT);
    for read in audit::list(pool, &recent_filter(actor, today)).await? {
        match read.entity_id.and_then(|id| id.parse().ok()) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            _ => continue,
        }
        if ids.len() == RECENT {
            break;
        }
    }
    let mut members = Vec::with_capacity(ids.len());
    for id in ids {
        members.extend(get(pool, id).await?);
    }
    Ok(members)
}
