//! Whose portal this is: the mutual's name and logo at the top of every page
//! of the members' space, before login too (a member must recognise his
//! mutual before he types a password). Public: nothing here is a member's.

use crate::error::ApiResult;
use crate::pdf::letterhead::{logo_png, DEFAULT_NAME};
use crate::settings;
use serde::Serialize;
use sqlx::AnyPool;
use ts_rs::TS;

/// The header of the portal's pages.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Brand {
    /// The mutual's name, as on its letters.
    pub name: String,
    /// Whether a logo is set (the operation `portal_logo`).
    pub logo: bool,
}

pub async fn brand(pool: &AnyPool) -> ApiResult<Brand> {
    let name = settings::get(pool, "mutual_name").await?.filter(|n| !n.trim().is_empty());
    Ok(Brand { name: name.unwrap_or_else(|| DEFAULT_NAME.into()), logo: logo_png(pool).await?.is_some() })
}

/// The logo's PNG, the one printed on the mutual's letters.
pub async fn logo(pool: &AnyPool) -> ApiResult<Option<Vec<u8>>> {
    logo_png(pool).await
}
