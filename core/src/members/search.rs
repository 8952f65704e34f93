//! The one search box: an exact matricule or CNIE, or words of a name in any
//! order, each word matching the start of a name word, without case or accents
//! ("chraibi fat" finds "Fatima Chraïbi"). First page of 50, in name order.
//!
//! Round trips are what a search costs on a shared PostgreSQL server, so each
//! step is one statement and most searches stop after the first:
//! 1. a typed or scanned identifier (it holds a digit): exact matricule or CNIE;
//! 2. words typed in the name's order ("el amrani kar"), or a whole first name
//!    then the start of the last name ("karim ben"): ranges of the primary key
//!    of `member_tokens`, in name order, with an identifier made of letters;
//! 3. otherwise the words are counted (no further than [`SMALL`] + 1 each) and
//!    the rarest drives: when it has at most [`SMALL`] members they are all
//!    read, the other words checked in the folded name each row carries;
//! 4. when every word is common: a first name cut short then the start of the
//!    last name ("kar ben") as ranges behind the distinct words starting with
//!    the second word; then each word drives in turn for at most
//!    [`SCAN_BUDGET`] rows until one fills the page.
//!
//! No search sorts thousands of rows.

use super::repo::{member_from_row, MEMBER_SELECT};
use super::Member;
use crate::error::ApiResult;
use crate::kernel::text;
use crate::storage::plans::PlannedWithValues;
use crate::storage::{batch, Db};
use serde::Serialize;
use sqlx::Row;
use ts_rs::TS;

pub const PAGE: usize = 50;
/// A word with at most this many members drives by reading them all.
const SMALL: i64 = 2000;
/// Rows of a common driver word looked at before trying the next word.
const SCAN_BUDGET: i64 = 2000;
/// Distinct words looked behind for "a first name cut short, then the start of the last name".
const SEEKS: i64 = 20;

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResult {
    pub members: Vec<Member>,
    /// More members match than the page holds: type more letters.
    pub more: bool,
}

fn upper(w: &str) -> String {
    format!("{w}{}", char::MAX)
}

/// A member matched by a name: id and folded full name (the order of the page).
type Hit = (i64, String);

pub async fn search(db: &Db, query: &str) -> ApiResult<SearchResult> {
    let q = query.trim();
    if q.chars().count() > 200 {
        return Err(crate::error::ApiError::validation(
            "query",
            "Recherche trop longue : 200 caractères au plus (un matricule, une CNIE ou des mots du nom).",
        ));
    }
    let mut found: Vec<Member> = Vec::new();
    if q.is_empty() {
        return Ok(SearchResult { members: found, more: false });
    }
    let ident: String = q.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let ident_shaped = ident.len() <= 20 && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/');
    let has_digit = q.chars().any(|c| c.is_ascii_digit());
    if ident_shaped && has_digit {
        // Typed or scanned: the members themselves in one statement.
        let rows = sqlx::query(&format!("{MEMBER_SELECT} WHERE m.matricule = $1 OR m.cnie = $1"))
            .bind(&ident)
            .fetch_all(db.pool())
            .await?;
        for r in &rows {
            found.push(member_from_row(r)?);
        }
        // Names hold no digits: a found identifier is all there is to find.
        if !found.is_empty() && !q.contains(char::is_whitespace) {
            return Ok(SearchResult { members: found, more: false });
        }
    }
    let words: Vec<String> = text::fold(q).split(' ').filter(|w| !w.is_empty()).take(6).map(String::from).collect();
    let letters: usize = words.iter().map(|w| w.chars().count()).sum();
    if letters < 2 || !words.iter().any(|w| w.chars().any(|c| c.is_alphabetic())) {
        return Ok(SearchResult { members: found, more: false });
    }
    let mut page = Page::new(found.iter().map(|m| m.id).collect());
    // An identifier made of letters only is looked up with the name ranges.
    let letters_ident = (ident_shaped && !has_digit).then_some(ident.as_str());
    let (ident_ids, ordered) = in_name_order(db, &words, letters_ident).await?;
    page.add(ident_ids);
    page.add_sorted(ordered);
    if !page.full() {
        page.add(others(db, &words).await?);
    }
    let more = page.full();
    let new: Vec<i64> = page.ids().into_iter().filter(|id| !found.iter().any(|m| m.id == *id)).collect();
    found.extend(fetch(db, &new).await?);
    Ok(SearchResult { members: found, more })
}

/// The ids of a page being filled, in order, without repeats; one more than
/// the page holds tells "more".
struct Page {
    ids: Vec<i64>,
}

impl Page {
    fn new(ids: Vec<i64>) -> Page {
        Page { ids }
    }
    fn add(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            if self.full() {
                return;
            }
            if !self.ids.contains(&id) {
                self.ids.push(id);
            }
        }
    }
    /// Hits from several ranges, merged in name order.
    fn add_sorted(&mut self, mut hits: Vec<Hit>) {
        hits.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        self.add(hits.into_iter().map(|h| h.0));
    }
    fn full(&self) -> bool {
        self.ids.len() > PAGE
    }
    fn ids(&self) -> Vec<i64> {
        self.ids.iter().copied().take(PAGE).collect()
    }
}

/// One statement: the members whose folded full name starts with the words as
/// typed (the first word's token, the query as the start of the sort key); for
/// two words also a first name then the start of the last name ("youssef bou":
/// Youssef's members whose name starts with "bou"); and the members whose
/// matricule is an identifier made of letters. Each range at most a page and one.
async fn in_name_order(db: &Db, words: &[String], letters_ident: Option<&str>) -> ApiResult<(Vec<i64>, Vec<Hit>)> {
    let range = |n: usize| range_arm(n, "CAST(1 AS BIGINT) AS arm, ");
    let mut arms = vec![range(1)];
    let mut binds = vec![words[0].clone(), words.join(" "), upper(&words.join(" "))];
    if words.len() == 2 {
        arms.push(range(4));
        binds.extend([words[0].clone(), words[1].clone(), upper(&words[1])]);
    }
    if let Some(ident) = letters_ident {
        let n = binds.len() + 1;
        arms.push(format!(
            "SELECT CAST(0 AS BIGINT) AS arm, id AS member_id, '' AS sort_key FROM members WHERE \
            matricule = ${n} OR cnie = ${n}"
        ));
        binds.push(ident.to_string());
    }
    let sql = arms.join(" UNION ALL ");
    let rows = binds
        .into_iter()
        .fold(sqlx::query_as::<_, (i64, i64, String)>(&sql), |q, b| q.bind(b))
        .planned_with_values()
        .fetch_all(db.pool())
        .await?;
    let ident_ids = rows.iter().filter(|r| r.0 == 0).map(|r| r.1).collect();
    let hits = rows.into_iter().filter(|r| r.0 == 1).map(|r| (r.1, r.2)).collect();
    Ok((ident_ids, hits))
}

/// One arm of a UNION ALL: the members of a token (parameter `$n`) whose
/// sort key starts with a prefix (`$n+1` up to `$n+2`), in name order, at
/// most a page and one; `extra` columns come first.
fn range_arm(n: usize, extra: &str) -> String {
    format!(
        "SELECT * FROM (SELECT {extra}member_id, sort_key FROM member_tokens WHERE token = ${n} AND sort_key >= \
            ${} AND sort_key < ${} \
         ORDER BY sort_key, member_id LIMIT {}) AS r{n}",
        n + 1,
        n + 2,
        PAGE + 1
    )
}

/// Members matching every word when the name-order ranges did not fill the
/// page: through the rarest word, or, when every word is common, through the
/// bounded ways of step 4. In the order they should be shown.
async fn others(db: &Db, words: &[String]) -> ApiResult<Vec<i64>> {
    let counts = count_words(db, words).await?;
    // Candidate drivers: the fewest members first; among words too common to
    // count, the longest first ("el fassi": "fassi", not "el").
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by_key(|&i| (counts[i], std::cmp::Reverse(words[i].chars().count())));
    let first = order[0];
    if counts[first] <= SMALL {
        // Few: all of them, sorted by name.
        return Ok(ids(driven(db, words, first, None).await?));
    }
    let mut ordered = Vec::new();
    if words.len() == 2 {
        // "kar ben": the distinct words starting with "ben", each followed by "kar".
        ordered = behind_distinct_words(db, &words[1], &words[0]).await?;
        ordered.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        if ordered.len() > PAGE {
            return Ok(ids(ordered));
        }
    }
    // All common: the driver whose members most often hold the other words
    // fills a page within a bounded scan ("hicham taz": Tazi's members, not
    // Hicham's). Only if none does, a full scan.
    let mut hits = Vec::new();
    for &d in &order {
        hits = driven(db, words, d, Some(SCAN_BUDGET)).await?;
        if hits.len() > PAGE {
            break;
        }
    }
    if hits.len() <= PAGE {
        hits = driven(db, words, first, None).await?;
    }
    Ok(ids(ordered.into_iter().chain(hits).collect()))
}

fn ids(hits: Vec<Hit>) -> Vec<i64> {
    hits.into_iter().map(|h| h.0).collect()
}

/// How many members each word's range reaches, counting no further than
/// [`SMALL`] + 1: one statement for all the words.
async fn count_words(db: &Db, words: &[String]) -> ApiResult<Vec<i64>> {
    let cols: Vec<String> = (0..words.len())
        .map(|i| {
            format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM member_tokens WHERE token >= ${} AND token < ${} LIMIT {}) AS \
                    c{i})",
                2 * i + 1,
                2 * i + 2,
                SMALL + 1
            )
        })
        .collect();
    let sql = format!("SELECT {}", cols.join(", "));
    let row = words
        .iter()
        .fold(sqlx::query(&sql), |q, w| q.bind(w.clone()).bind(upper(w)))
        .planned_with_values()
        .fetch_one(db.pool())
        .await?;
    (0..words.len()).map(|i| Ok(row.try_get::<i64, _>(i)?)).collect()
}

/// A first name cut short then the start of the last name ("kar ben"): the
/// first [`SEEKS`] distinct words starting with `start` (one statement walking
/// the index), then, in one more, each one's members whose name continues with
/// `then`, at most a page and one each.
async fn behind_distinct_words(db: &Db, start: &str, then: &str) -> ApiResult<Vec<Hit>> {
    let distinct: Vec<String> = sqlx::query_scalar(&format!(
        "WITH RECURSIVE d(t, n) AS ( \
           SELECT (SELECT token FROM member_tokens WHERE token >= $1 AND token < $2 ORDER BY token LIMIT 1), 1 \
           UNION ALL \
           SELECT (SELECT token FROM member_tokens WHERE token > d.t AND token < $2 ORDER BY token LIMIT 1), n + 1 \
               FROM d \
           WHERE d.t IS NOT NULL AND n < {SEEKS}) \
         SELECT t FROM d WHERE t IS NOT NULL"
    ))
    .bind(start.to_string())
    .bind(upper(start))
    .planned_with_values()
    .fetch_all(db.pool())
    .await?;
    if distinct.is_empty() {
        return Ok(vec![]);
    }
    let arms: Vec<String> = (0..distinct.len()).map(|i| range_arm(3 * i + 1, "")).collect();
    let sql = arms.join(" UNION ALL ");
    let mut q = sqlx::query_as::<_, Hit>(&sql);
    for t in distinct {
        let key = format!("{t} {then}");
        q = q.bind(t).bind(key.clone()).bind(upper(&key));
    }
    Ok(q.planned_with_values().fetch_all(db.pool()).await?)
}

/// Members matching every word, read through the driver word `d`: all of them
/// in name order when the driver is small; else the first page in the index's
/// order, looking at no more than `budget` of the driver's rows when given.
async fn driven(db: &Db, words: &[String], d: usize, budget: Option<i64>) -> ApiResult<Vec<Hit>> {
    let source = match budget {
        Some(n) => format!(
            "(SELECT token, sort_key, member_id FROM member_tokens WHERE token >= $1 AND token < $2 ORDER BY token, \
                sort_key, member_id LIMIT {n}) t0"
        ),
        None => "member_tokens t0".to_string(),
    };
    let mut sql = format!("SELECT t0.member_id, t0.sort_key FROM {source} WHERE t0.token >= $1 AND t0.token < $2");
    let mut binds = vec![words[d].clone(), upper(&words[d])];
    // The other words are looked for in the sort key at hand, the member's
    // folded name: a word of it starts with each (folded words hold letters
    // and digits only, never a LIKE wildcard).
    for w in words.iter().enumerate().filter(|(i, _)| *i != d).map(|(_, w)| w) {
        sql.push_str(&format!(" AND (' ' || t0.sort_key) LIKE ${}", binds.len() + 1));
        binds.push(format!("% {w}%"));
    }
    sql.push_str(" ORDER BY t0.token, t0.sort_key, t0.member_id");
    sql.push_str(&format!(" LIMIT {}", if budget.is_none() { SMALL + 1 } else { 4 * PAGE as i64 }));
    let query = binds.into_iter().fold(sqlx::query_as::<_, Hit>(&sql), |q, b| q.bind(b)).planned_with_values();
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
