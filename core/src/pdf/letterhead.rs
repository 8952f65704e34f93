//! The mutual's letterhead on every document it prints: its logo, name and
//! address at the top, the law 09-08 notice it sets at the end.

use super::{Image, Writer};
use crate::error::ApiResult;
use crate::settings;
use sqlx::AnyPool;

/// The mutual's name and address, printed at the top, and the law 09-08
/// notice it sets, printed at the end of its statements.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub name: String,
    pub address: String,
    pub notice: String,
    /// The mutual's logo, when the administrator set one.
    pub logo: Option<Image>,
    /// Days a member has to contest a refusal (setting `appeal_days`; no
    /// seed states it: 30 until the mutual sets its own).
    pub appeal_days: i64,
}

/// What the mutual is called until its administrator sets its name.
pub const DEFAULT_NAME: &str = "Mutuelle";

/// The logo's PNG as the administrator set it (checked then), if any.
pub async fn logo_png(pool: &AnyPool) -> ApiResult<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("SELECT png FROM mutual_logo WHERE id = 1").fetch_optional(pool).await?)
}

pub async fn letterhead(pool: &AnyPool) -> ApiResult<Letterhead> {
    let rows = settings::get_many(pool, &["mutual_name", "mutual_address", "privacy_notice", "appeal_days"]).await?;
    let get = |k: &str| rows.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let png = logo_png(pool).await?;
    Ok(Letterhead {
        name: get("mutual_name").unwrap_or_else(|| DEFAULT_NAME.into()),
        address: get("mutual_address").unwrap_or_default(),
        notice: get("privacy_notice").unwrap_or_default(),
        // Checked when it was set; a logo that no longer decodes is left off.
        logo: png.and_then(|p| Image::from_png(&p).ok()),
        appeal_days: appeal_days_from(get("appeal_days")),
    })
}

/// The days to contest a refusal, without the rest of the letterhead (a
/// decision needs only them, not the logo).
pub async fn appeal_days(pool: &AnyPool) -> ApiResult<i64> {
    Ok(appeal_days_from(settings::get(pool, "appeal_days").await?))
}

fn appeal_days_from(v: Option<String>) -> i64 {
    v.and_then(|d| d.trim().parse().ok()).unwrap_or(30)
}

/// The top of the mutual's documents: its logo, name and address.
pub fn top(w: &mut Writer, head: &Letterhead) {
    if let Some(logo) = &head.logo {
        w.logo(logo);
    }
    w.title(&head.name);
    w.paragraph(&head.address);
}

/// The law 09-08 notice the mutual sets, at the end of every document a
/// member receives (statements, receipts, approval letters).
pub fn notice(w: &mut Writer, head: &Letterhead) {
    if !head.notice.trim().is_empty() {
        w.gap(8.0);
        w.paragraph(&head.notice);
    }
}
