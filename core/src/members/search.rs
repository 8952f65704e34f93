//! The one search box: an exact matricule or CNIE, or words of a name in any
//! order, each word matching the start of a name word, without case or accents
//! ("chraibi fat" finds "Fatima Chraïbi"). First page of 50.

use super::repo::{member_from_row, MEMBER_SELECT};
use super::{text, Member};
use crate::error::ApiResult;
use serde::Serialize;
use sqlx::AnyPool;
use ts_rs::TS;

pub const PAGE: usize = 50;

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResult {
    pub members: Vec<Member>,
    /// More members match than the page holds: type more letters.
    pub more: bool,
}

pub async fn search(pool: &AnyPool, query: &str) -> ApiResult<SearchResult> {
    let q = query.trim();
    let mut found: Vec<Member> = Vec::new();
    if q.is_empty() {
        return Ok(SearchResult { members: found, more: false });
    }
    // An identifier typed or scanned: exact matricule, exact CNIE.
    let ident: String = q.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if ident.len() <= 20 && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
        let rows = sqlx::query(&format!("{MEMBER_SELECT} WHERE m.matricule = $1 OR m.cnie = $1")).bind(&ident).fetch_all(pool).await?;
        for r in &rows {
            found.push(member_from_row(r)?);
        }
    }
    let words: Vec<String> = text::fold(q).split(' ').filter(|w| !w.is_empty()).take(6).map(String::from).collect();
    let letters: usize = words.iter().map(|w| w.chars().count()).sum();
    let mut more = false;
    if letters >= 2 && words.iter().any(|w| w.chars().any(|c| c.is_alphabetic())) {
        // One prefix range per word; a member must match every word.
        let mut sql = format!("{MEMBER_SELECT} WHERE m.id IN (SELECT t0.member_id FROM member_tokens t0");
        for i in 1..words.len() {
            sql.push_str(&format!(
                " JOIN member_tokens t{i} ON t{i}.member_id = t0.member_id AND t{i}.token >= ${} AND t{i}.token < ${}",
                2 * i + 1,
                2 * i + 2
            ));
        }
        sql.push_str(&format!(" WHERE t0.token >= $1 AND t0.token < $2) ORDER BY m.search_name, m.matricule LIMIT {}", PAGE + 1));
        let mut query = sqlx::query(&sql);
        for w in &words {
            query = query.bind(w.clone()).bind(format!("{w}{}", char::MAX));
        }
        let rows = query.fetch_all(pool).await?;
        more = rows.len() > PAGE;
        for r in rows.iter().take(PAGE) {
            let m = member_from_row(r)?;
            if !found.iter().any(|f| f.id == m.id) {
                found.push(m);
            }
        }
    }
    found.truncate(PAGE);
    Ok(SearchResult { members: found, more })
}
