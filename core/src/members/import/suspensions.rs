//! The periods of suspended rights a roster reports (unpaid contributions,
//! leave without pay, end of employment), written with the import by the
//! same rule as the desk's (`members::rights::write_suspension`): the same
//! period again changes nothing, a new end or reason changes it, a period
//! overlapping another is refused on its row.

use super::header::{Field, Layout};
use super::rows::{capitalize_first, column, Suspended};
use super::writer::{begun, Writer};
use super::RejectedRow;
use crate::audit::{Actor, Change};
use crate::error::ApiResult;
use crate::members::rights::{self, SuspensionInput, Written};
use crate::storage::Db;

/// A row's suspension: its row number, the member's matricule, the period.
pub(super) type Reported = (u32, String, Suspended);

fn input(member_id: i64, s: &Suspended) -> SuspensionInput {
    SuspensionInput { member_id, start_date: s.from, end_date: s.to, reason: s.reason }
}

impl Writer {
    /// Writes the reported suspensions in the import's transaction; returns
    /// how many were new or changed, and the rows refused.
    pub(super) async fn write_suspensions(
        &mut self,
        db: &Db,
        actor: &Actor,
        sheet: &str,
        layout: &Layout,
        reported: Vec<Reported>,
    ) -> ApiResult<(u32, Vec<RejectedRow>)> {
        let now = self.now;
        let tx = begun(&mut self.tx, db).await?;
        let (mut written, mut rejected) = (0, vec![]);
        for (row, matricule, s) in reported {
            let id: i64 = sqlx::query_scalar("SELECT id FROM members WHERE matricule = $1")
                .bind(&matricule)
                .fetch_one(&mut **tx)
                .await?;
            let done = match rights::write_suspension(tx, now, actor, id, &input(id, &s)).await {
                Ok(done) => done,
                Err(e) if e.field.is_some() => {
                    rejected.push(RejectedRow {
                        sheet: sheet.to_string(),
                        row,
                        column: column(layout, Field::SuspendedFrom),
                        message: capitalize_first(&e.message),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            if done == Written::Same {
                continue;
            }
            written += 1;
            self.changes.push(
                Change::on("member.suspension", "member", id)
                    .after(serde_json::json!({ "start_date": s.from, "end_date": s.to, "reason": s.reason,
                    "source": "import" })),
            );
        }
        Ok((written, rejected))
    }
}

/// For a dry run: how many reported suspensions are new or changed.
pub(super) async fn count_changes(db: &Db, reported: &[Reported]) -> ApiResult<u32> {
    let mut n = 0;
    for (_, matricule, s) in reported {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE matricule = $1")
            .bind(matricule)
            .fetch_optional(db.pool())
            .await?;
        let same = match id {
            Some(id) => crate::members::coverage::suspensions(db.pool(), id)
                .await?
                .iter()
                .any(|o| o.start == s.from && o.end == s.to && o.reason == s.reason),
            None => false,
        };
        n += u32::from(!same);
    }
    Ok(n)
}
