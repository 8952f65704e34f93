//! The one search box: an exact matricule or CNIE, or words of a name in any
//! order, each word matching the start of a name word, without case or accents
//! ("chraibi fat" finds "Fatima Chraïbi"). First page of 50, in name order.
//!
//! Words typed in the name's order (or a first name then the start of the last
//! name) are found first by ranges of the sort key. Otherwise the most selective word drives (counts
//! capped at [`COUNT_CAP`]; among words too common to count, the longest): when
//! it has at most [`SMALL`] members they are all read and sorted; when every
//! word is common, each is tried as the driver with a bounded scan of
//! [`SCAN_BUDGET`] index rows in name order until one fills the page. Other
//! words are checked by point lookups on `(member_id, token)`. No search sorts
//! thousands of rows.

use super::repo::{member_from_row, MEMBER_SELECT};
use super::{text, Member};
use crate::error::ApiResult;
use crate::storage::{batch, Db};
use serde::Serialize;
use ts_rs::TS;

pub const PAGE: usize = 50;
/// A word with at most this many members drives by reading them all.
const SMALL: i64 = 2000;
/// Words are counted up to this many members to choose the driver.
const COUNT_CAP: i64 = 20_000;
/// Rows of a common driver word looked at before trying the next word.
const SCAN_BUDGET: i64 = 2000;

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
    if q.chars().count() > 200 {
        return Err(crate::error::ApiError::validation("query", "Recherche trop longue : 200 caractères au plus (un matricule, une CNIE ou des mots du nom)."));
    }
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
        // A scanned or typed identifier that was found: names hold no digits,
        // so there is nothing more to look for.
        if !found.is_empty() && !q.contains(char::is_whitespace) && q.chars().any(|c| c.is_ascii_digit()) {
            return Ok(SearchResult { members: found, more: false });
        }
    }
    let words: Vec<String> = text::fold(q).split(' ').filter(|w| !w.is_empty()).take(6).map(String::from).collect();
    let letters: usize = words.iter().map(|w| w.chars().count()).sum();
    let mut more = false;
    if letters >= 2 && words.iter().any(|w| w.chars().any(|c| c.is_alphabetic())) {
        // Words that follow the name's order ("el amrani kar" for EL AMRANI
        // Karim), or a first name then the start of the last name ("youssef bou"
        // for BOUZIDI Youssef): each is one range of the primary key.
        let prefix_hits = in_name_order(db, &words).await?;
        let prefix_ids: Vec<i64> = prefix_hits.iter().map(|(id, _)| *id).collect();
        if prefix_ids.len() > PAGE.saturating_sub(found.len()) {
            let room = PAGE.saturating_sub(found.len());
            let ids: Vec<i64> = prefix_ids.into_iter().filter(|id| !found.iter().any(|f| f.id == *id)).take(room).collect();
            found.extend(fetch(db, &ids).await?);
            return Ok(SearchResult { members: found, more: true });
        }
        // How many members each word reaches, counting no further than COUNT_CAP.
        let mut counts = Vec::with_capacity(words.len());
        for w in &words {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM member_tokens WHERE token >= $1 AND token < $2 LIMIT {}) AS x",
                COUNT_CAP + 1
            ))
            .bind(w.clone())
            .bind(upper(w))
            .fetch_one(pool)
            .await?;
            counts.push(n);
        }
        // Candidate drivers: the fewest members first; among words too common to
        // count, the longest first ("el fassi": "fassi", not "el").
        let mut order: Vec<usize> = (0..words.len()).collect();
        order.sort_by_key(|&i| (counts[i], std::cmp::Reverse(words[i].chars().count())));
        let first = order[0];
        let mut hits: Vec<(i64, String)> = Vec::new();
        if counts[first] <= SMALL {
            // Few: all of them, sorted by name.
            hits = driven(db, &words, first, None).await?;
        } else {
            // All common: the driver whose members most often hold the other
            // words fills a page within a bounded scan ("hicham taz": Tazi's
            // members, not Hicham's). Only if none does, a full scan.
            for &d in &order {
                hits = driven(db, &words, d, Some(SCAN_BUDGET)).await?;
                if hits.len() > PAGE {
                    break;
                }
            }
            if hits.len() <= PAGE {
                hits = driven(db, &words, first, None).await?;
            }
        }
        let room = PAGE.saturating_sub(found.len());
        let mut ids: Vec<i64> = Vec::with_capacity(room + 1);
        // Name-order matches first, then the others.
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

/// Members whose folded full name starts with the words as typed (the first
/// word's token, the query as the start of the sort key), and for two words also
/// a first name then the start of the last name ("youssef bou": Youssef's
/// members whose name starts with "bou", one index range; when "youssef" is
/// cut short, the second word's tokens followed by the first, by seeks).
/// At most [`PAGE`] + 1, in name order.
async fn in_name_order(db: &Db, words: &[String]) -> ApiResult<Vec<(i64, String)>> {
    let pool = db.pool();
    let mut hits: Vec<(i64, String)> = Vec::new();
    let done = |hits: &mut Vec<(i64, String)>| {
        hits.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        hits.dedup_by_key(|h| h.0);
        hits.len() > PAGE
    };
    if words.len() >= 2 {
        // The words in the name's order ("bennani kar"): one range; a full page ends the search.
        hits.extend(fetch_range(pool, &words[0], &words.join(" ")).await?);
        if done(&mut hits) || words.len() > 2 {
            hits.truncate(PAGE + 1);
            return Ok(hits);
        }
        // A whole first name then the start of the last name ("karim ben"):
        // the first name's members whose name starts with the second word.
        let first_name = fetch_range(pool, &words[0], &words[1]).await?;
        let whole_first_name = !first_name.is_empty();
        hits.extend(first_name);
        if done(&mut hits) || whole_first_name {
            hits.truncate(PAGE + 1);
            return Ok(hits);
        }
        // A first name cut short ("kar ben"): the distinct words starting
        // with the second one, by index seeks, each followed by the first.
        let mut after: Option<String> = None;
        for _ in 0..20 {
            let next: Option<String> = match &after {
                None => sqlx::query_scalar("SELECT token FROM member_tokens WHERE token >= $1 AND token < $2 ORDER BY token LIMIT 1")
                    .bind(words[1].clone())
                    .bind(upper(&words[1]))
                    .fetch_optional(pool)
                    .await?,
                Some(t) => sqlx::query_scalar("SELECT token FROM member_tokens WHERE token > $1 AND token < $2 ORDER BY token LIMIT 1")
                    .bind(t.clone())
                    .bind(upper(&words[1]))
                    .fetch_optional(pool)
                    .await?,
            };
            let Some(t) = next else { break };
            hits.extend(fetch_range(pool, &t, &format!("{t} {}", words[0])).await?);
            if done(&mut hits) {
                break;
            }
            after = Some(t);
        }
    }
    done(&mut hits);
    hits.truncate(PAGE + 1);
    Ok(hits)
}

/// The members of a token whose sort key starts with `key`, in name order (at most a page and one).
async fn fetch_range(pool: &sqlx::AnyPool, token: &str, key: &str) -> ApiResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as::<_, (i64, String)>(&format!(
        "SELECT member_id, sort_key FROM member_tokens WHERE token = $1 AND sort_key >= $2 AND sort_key < $3 ORDER BY sort_key, member_id LIMIT {}",
        PAGE + 1
    ))
    .bind(token.to_string())
    .bind(key.to_string())
    .bind(upper(key))
    .fetch_all(pool)
    .await?)
}

/// Members matching every word, read through the driver word `d`: all of them
/// in name order when the driver is small; else the first page in the index's
/// order, looking at no more than `budget` of the driver's rows when given.
async fn driven(db: &Db, words: &[String], d: usize, budget: Option<i64>) -> ApiResult<Vec<(i64, String)>> {
    let source = match budget {
        Some(n) => format!(
            "(SELECT token, sort_key, member_id FROM member_tokens WHERE token >= $1 AND token < $2 ORDER BY token, sort_key, member_id LIMIT {n}) t0"
        ),
        None => "member_tokens t0".to_string(),
    };
    let mut sql = format!("SELECT t0.member_id, t0.sort_key FROM {source} WHERE t0.token >= $1 AND t0.token < $2");
    let mut binds = vec![words[d].clone(), upper(&words[d])];
    for (i, w) in words.iter().enumerate().filter(|(i, _)| *i != d) {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM member_tokens t{n} WHERE t{n}.member_id = t0.member_id AND t{n}.token >= ${} AND t{n}.token < ${})",
            binds.len() + 1,
            binds.len() + 2,
            n = i + 1
        ));
        binds.push(w.clone());
        binds.push(upper(w));
    }
    sql.push_str(" ORDER BY t0.token, t0.sort_key, t0.member_id");
    sql.push_str(&format!(" LIMIT {}", if budget.is_none() { SMALL + 1 } else { 4 * PAGE as i64 }));
    let query = binds.into_iter().fold(sqlx::query_as::<_, (i64, String)>(&sql), |q, b| q.bind(b));
    let mut rows = query.fetch_all(db.pool()).await?;
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(rows)
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
