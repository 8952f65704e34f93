//! The one search box: an exact matricule or CNIE, or words of a name in any
//! order, each word matching the start of a name word, without case or accents
//! ("chraibi fat" finds "Fatima Chraïbi"). First page of 50, in name order.
//!
//! Words typed in the name's order are found first by a range of the sort key
//! under the first word. Otherwise a name search is driven by its most selective word (a count capped at
//! [`SMALL`]; among words too common to count, the longest): when that word has few members, they are all read and sorted;
//! when every word is common, the first word's members are read in name order
//! straight from the index and the page stops at 50. Other words are checked
//! by point lookups on `(member_id, token)`. Either way no search sorts
//! thousands of rows.

use super::repo::{member_from_row, MEMBER_SELECT};
use super::{text, Member};
use crate::error::ApiResult;
use crate::storage::{batch, Db};
use serde::Serialize;
use ts_rs::TS;

pub const PAGE: usize = 50;
const SMALL: i64 = 2000;

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResult {
    pub members: Vec<Member>,
    /// More members match than the page holds: type more letters.
    pub more: bool,
}

fn upper(w: &str) -> String {
    format!("{w}{}", char::MAX)
}

pub async fn search(db: &Db, query: &str) -> ApiResult<SearchResult> {
    let pool = db.pool();
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
        // Words typed in the name's order ("el amrani kar" for EL AMRANI Karim):
        // the first word's token, and the folded query as the start of the
        // sort key: one range of the primary key, already in name order.
        let mut prefix_ids: Vec<i64> = Vec::new();
        if words.len() >= 2 {
            let folded = words.join(" ");
            let rows = sqlx::query_as::<_, (i64,)>(&format!(
                "SELECT member_id FROM member_tokens WHERE token = $1 AND sort_key >= $2 AND sort_key < $3 ORDER BY sort_key, member_id LIMIT {}",
                PAGE + 1
            ))
            .bind(words[0].clone())
            .bind(folded.clone())
            .bind(upper(&folded))
            .fetch_all(pool)
            .await?;
            prefix_ids = rows.into_iter().map(|(id,)| id).collect();
        }
        if prefix_ids.len() > PAGE.saturating_sub(found.len()) {
            let room = PAGE.saturating_sub(found.len());
            let ids: Vec<i64> = prefix_ids.into_iter().filter(|id| !found.iter().any(|f| f.id == *id)).take(room).collect();
            found.extend(fetch(db, &ids).await?);
            return Ok(SearchResult { members: found, more: true });
        }
        // How many members each word reaches, counting no further than SMALL.
        let mut counts = Vec::with_capacity(words.len());
        for w in &words {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM member_tokens WHERE token >= $1 AND token < $2 LIMIT {}) AS x",
                SMALL + 1
            ))
            .bind(w.clone())
            .bind(upper(w))
            .fetch_one(pool)
            .await?;
            counts.push(n);
        }
        // The fewest members; among words too common to count, the longest
        // ("el fassi": "fassi" drives, not "el").
        let driver = (0..words.len()).min_by_key(|&i| (counts[i], std::cmp::Reverse(words[i].chars().count()))).unwrap_or(0);
        let few = counts[driver] <= SMALL;
        let mut sql = String::from("SELECT t0.member_id, t0.sort_key FROM member_tokens t0 WHERE t0.token >= $1 AND t0.token < $2");
        let mut binds = vec![words[driver].clone(), upper(&words[driver])];
        for (i, w) in words.iter().enumerate().filter(|(i, _)| *i != driver) {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM member_tokens t{i} WHERE t{i}.member_id = t0.member_id AND t{i}.token >= ${} AND t{i}.token < ${})",
                binds.len() + 1,
                binds.len() + 2
            ));
            binds.push(w.clone());
            binds.push(upper(w));
        }
        // Few: all of them, sorted by name. Many: in index order, first page only.
        sql.push_str(if few { " ORDER BY t0.sort_key, t0.member_id" } else { " ORDER BY t0.token, t0.sort_key, t0.member_id" });
        sql.push_str(&format!(" LIMIT {}", if few { SMALL + 1 } else { 4 * PAGE as i64 }));
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let mut hits = query.fetch_all(pool).await?;
        if !few {
            hits.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        let room = PAGE.saturating_sub(found.len());
        let mut ids: Vec<i64> = Vec::with_capacity(room + 1);
        // Name-order matches first, then the others.
        let prefix_hits: Vec<(i64, String)> = prefix_ids.iter().map(|id| (*id, String::new())).collect();
        for (id, _) in prefix_hits.into_iter().chain(hits) {
            if ids.len() > room {
                break;
            }
            if !ids.contains(&id) && !found.iter().any(|f| f.id == id) {
                ids.push(id);
            }
        }
        more = ids.len() > room;
        ids.truncate(room);
        found.extend(fetch(db, &ids).await?);
    }
    found.truncate(PAGE);
    Ok(SearchResult { members: found, more })
}

/// The members of these ids, in this order.
async fn fetch(db: &Db, ids: &[i64]) -> ApiResult<Vec<Member>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("{MEMBER_SELECT} WHERE m.id IN ({})", batch::placeholders(db.backend(), 1, ids.len()));
    let rows = ids.iter().fold(sqlx::query(&sql), |q, id| q.bind(*id)).fetch_all(db.pool()).await?;
    let mut members: Vec<Member> = rows.iter().map(member_from_row).collect::<ApiResult<_>>()?;
    members.sort_by_key(|m| ids.iter().position(|i| i == &m.id));
    Ok(members)
}
