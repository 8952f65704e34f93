//! Members and beneficiaries in the database. Every change writes its audit
//! row (entity `member`, also for beneficiary changes, so a member's history is
//! one query) in the same transaction.

use super::input::MemberFields;
use super::{Member, MemberStatus};
use crate::audit::{self, Actor, AuditEntry, AuditFilter, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::batch::Value;
use crate::storage::{time, versioned, Backend, Db};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

pub(crate) const MEMBER_SELECT: &str =
    "SELECT m.id, m.matricule, m.cnie, m.last_name, m.first_name, m.birth_date, e.name AS employer, \
     m.status, m.address, m.gsm, m.email, m.rib, m.affiliation_date, m.end_date, m.version \
     FROM members m LEFT JOIN employers e ON e.id = m.employer_id";

fn date(r: &AnyRow, col: &str) -> ApiResult<Option<NaiveDate>> {
    time::row_date(r, col)
}

pub(crate) fn member_from_row(r: &AnyRow) -> ApiResult<Member> {
    let status: String = r.try_get("status")?;
    Ok(Member {
        id: r.try_get("id")?,
        matricule: r.try_get("matricule")?,
        cnie: r.try_get("cnie")?,
        last_name: r.try_get("last_name")?,
        first_name: r.try_get("first_name")?,
        birth_date: date(r, "birth_date")?,
        employer: r.try_get("employer")?,
        status: MemberStatus::parse(&status).unwrap_or(MemberStatus::Autre),
        address: r.try_get("address")?,
        gsm: r.try_get("gsm")?,
        email: r.try_get("email")?,
        rib: r.try_get("rib")?,
        affiliation_date: date(r, "affiliation_date")?,
        end_date: date(r, "end_date")?,
        version: r.try_get("version")?,
    })
}

async fn one<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, cond: &str, v: &str) -> ApiResult<Option<Member>> {
    sqlx::query(&format!("{MEMBER_SELECT} WHERE {cond} = $1"))
        .bind(v)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(member_from_row)
        .transpose()
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Option<Member>> {
    sqlx::query(&format!("{MEMBER_SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(member_from_row)
        .transpose()
}

pub async fn by_matricule(pool: &AnyPool, matricule: &str) -> ApiResult<Option<Member>> {
    one(pool, "m.matricule", &matricule.trim().to_uppercase()).await
}

pub async fn by_cnie(pool: &AnyPool, cnie: &str) -> ApiResult<Option<Member>> {
    let c: String = cnie.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    one(pool, "m.cnie", &c).await
}

pub(crate) async fn get_in_tx(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<Member> {
    sqlx::query(&format!("{MEMBER_SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(member_from_row)
        .transpose()?
        .ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {id}.")))
}

/// The employer of that name, created if new (names compared without case or accents).
pub async fn employer_id(tx: &mut Transaction<'static, Any>, name: &str, now: DateTime<Utc>) -> ApiResult<i64> {
    let key = text::key(name);
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM employers WHERE name_key = $1")
        .bind(&key)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(id);
    }
    Ok(sqlx::query_scalar("INSERT INTO employers (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(&key)
        .bind(time::ts(now))
        .fetch_one(&mut **tx)
        .await?)
}

pub async fn employers(pool: &AnyPool) -> ApiResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM employers ORDER BY name_key").fetch_all(pool).await?)
}

/// The folded "last first" a member list is sorted by.
pub(crate) fn search_name(last: &str, first: &str) -> String {
    text::fold(&format!("{last} {first}"))
}

/// Writes the search words of the members matching `filter` (a condition on
/// `members m` with `$1`, and `$2` when given): one row per distinct word of the folded
/// `search_name`, each with the whole name as its sort key, split by the
/// database itself (nothing to bind per word). One rule for a single member
/// and for an import. The folded name holds letters, digits and single
/// spaces only, so on SQLite it is turned into a JSON array by replacing its
/// spaces; a word said twice ("Ben Ben") is one row (the primary key ignores
/// the second: no other conflict is possible for new members).
pub(crate) async fn write_tokens(
    tx: &mut Transaction<'static, Any>,
    filter: &str,
    p1: i64,
    p2: Option<&str>,
) -> ApiResult<()> {
    let sql = if Backend::of(tx) == Backend::Sqlite {
        format!(
            "INSERT OR IGNORE INTO member_tokens (token, sort_key, member_id)
             SELECT w.value, m.search_name, m.id
             FROM members m, json_each('[\"' || replace(m.search_name, ' ', '\",\"') || '\"]') w
             WHERE {filter} AND w.value <> '' ORDER BY 1, 2, 3"
        )
    } else {
        format!(
            "INSERT INTO member_tokens (token, sort_key, member_id)
             SELECT DISTINCT w, m.search_name, m.id FROM members m, unnest(string_to_array(m.search_name, ' ')) AS \
                 w WHERE {filter} AND w <> ''"
        )
    };
    let mut q = sqlx::query(&sql).bind(p1);
    if let Some(p2) = p2 {
        q = q.bind(p2.to_string());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Replaces one member's search words after his names changed: the old
/// name's words are found by primary key.
pub(crate) async fn rewrite_tokens(
    tx: &mut Transaction<'static, Any>,
    member_id: i64,
    old_name: &str,
) -> ApiResult<()> {
    for word in old_name.split(' ').filter(|w| !w.is_empty()) {
        sqlx::query("DELETE FROM member_tokens WHERE token = $1 AND sort_key = $2 AND member_id = $3")
            .bind(word)
            .bind(old_name)
            .bind(member_id)
            .execute(&mut **tx)
            .await?;
    }
    write_tokens(tx, "m.id = $1", member_id, None).await
}

/// Refuses a matricule or CNIE that belongs to another member, naming him.
async fn check_unique(tx: &mut Transaction<'static, Any>, f: &MemberFields, except: Option<i64>) -> ApiResult<()> {
    if let Some(other) = one(&mut **tx, "m.matricule", &f.matricule).await?.filter(|m| Some(m.id) != except) {
        return Err(ApiError::validation(
            "matricule",
            format!("Le matricule {} est déjà celui de {} {}.", f.matricule, other.last_name, other.first_name),
        ));
    }
    if let Some(c) = &f.cnie {
        if let Some(other) = one(&mut **tx, "m.cnie", c).await?.filter(|m| Some(m.id) != except) {
            return Err(ApiError::validation(
                "cnie",
                format!("La CNIE {c} est déjà celle de l'adhérent matricule {}.", other.matricule),
            ));
        }
    }
    Ok(())
}

/// A member's fields as his row stores them (with `search_name` from the
/// names), then `updated_at`: the one list his creation and his changes write.
fn columns(f: &MemberFields, employer: Option<i64>, ts: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("matricule", f.matricule.clone().into()),
        ("cnie", f.cnie.clone().into()),
        ("last_name", f.last_name.clone().into()),
        ("first_name", f.first_name.clone().into()),
        ("search_name", search_name(&f.last_name, &f.first_name).into()),
        ("birth_date", f.birth_date.map(time::date).into()),
        ("employer_id", employer.into()),
        ("status", f.status.code().into()),
        ("address", f.address.clone().into()),
        ("gsm", f.gsm.clone().into()),
        ("email", f.email.clone().into()),
        ("rib", f.rib.clone().into()),
        ("affiliation_date", f.affiliation_date.map(time::date).into()),
        ("end_date", f.end_date.map(time::date).into()),
        ("updated_at", ts.into()),
    ]
}

/// Creates a member and his "lui-même" beneficiary.
pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, f: MemberFields) -> ApiResult<Member> {
    let mut tx = db.begin().await?;
    check_unique(&mut tx, &f, None).await?;
    let employer = match &f.employer {
        Some(e) => Some(employer_id(&mut tx, e, now).await?),
        None => None,
    };
    let ts = time::ts(now);
    let mut values = columns(&f, employer, &ts);
    values.push(("created_at", ts.as_str().into()));
    let names: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let places: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO members ({}) VALUES ({}) RETURNING id", names.join(", "), places.join(", "));
    let insert = values.iter().fold(sqlx::query(&sql), |q, (_, v)| v.bind_to(q));
    let id: i64 = insert.fetch_one(&mut *tx).await?.try_get("id")?;
    write_tokens(&mut tx, "m.id = $1", id, None).await?;
    sqlx::query(
        "INSERT INTO beneficiaries (member_id, relation, last_name, first_name, birth_date, coverage_start, \
            created_at, updated_at)
         VALUES ($1, 'lui_meme', $2, $3, $4, $5, $6, $6)",
    )
    .bind(id)
    .bind(&f.last_name)
    .bind(&f.first_name)
    .bind(f.birth_date.map(time::date))
    .bind(f.affiliation_date.map(time::date))
    .bind(time::ts(now))
    .execute(&mut *tx)
    .await?;
    let created = get_in_tx(&mut tx, id).await?;
    Change::on("member.create", "member", id).after(created.audit_json()).record(&mut tx, now, actor).await?;
    tx.commit().await?;
    Ok(created)
}

/// Replaces a member's fields (the version read must still be current).
pub async fn update(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    f: MemberFields,
) -> ApiResult<Member> {
    let mut tx = db.begin().await?;
    let before = get_in_tx(&mut tx, id).await?;
    if before.version != version {
        return Err(ApiError::stale());
    }
    if f.rib != before.rib {
        return Err(rib_only_by_request());
    }
    check_unique(&mut tx, &f, Some(id)).await?;
    write_fields(&mut tx, &before, &f, now).await?;
    let after = get_in_tx(&mut tx, id).await?;
    if after.audit_json() != before.audit_json() {
        Change::on("member.update", "member", id)
            .before(before.audit_json())
            .after(after.audit_json())
            .record(&mut tx, now, actor)
            .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Where the money goes is not a field to retype: a registered member's RIB
/// changes only through an update request with the bank's certificate,
/// validated by another agent (issue 17, item 7).
pub(crate) fn rib_only_by_request() -> ApiError {
    ApiError::validation(
        "rib",
        "Le RIB d'un adhérent inscrit ne se modifie pas ici : enregistrez une demande de modification avec \
            l'attestation de RIB, qu'un autre agent validera.",
    )
}

/// Writes `f` over `before` under its version; keeps the "lui-même" beneficiary's
/// names and birth date in step with the member's.
pub(crate) async fn write_fields(
    tx: &mut Transaction<'static, Any>,
    before: &Member,
    f: &MemberFields,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let employer = match &f.employer {
        Some(e) => Some(employer_id(tx, e, now).await?),
        None => None,
    };
    let ts = time::ts(now);
    versioned::update(tx, "members", ("id", before.id.into()), before.version, &columns(f, employer, &ts)).await?;
    if before.last_name != f.last_name || before.first_name != f.first_name {
        rewrite_tokens(tx, before.id, &search_name(&before.last_name, &before.first_name)).await?;
    }
    if before.last_name != f.last_name || before.first_name != f.first_name || before.birth_date != f.birth_date {
        sqlx::query(
            "UPDATE beneficiaries SET last_name = $1, first_name = $2, birth_date = $3, updated_at = $4, version = \
                version + 1
             WHERE member_id = $5 AND relation = 'lui_meme'",
        )
        .bind(&f.last_name)
        .bind(&f.first_name)
        .bind(f.birth_date.map(time::date))
        .bind(time::ts(now))
        .bind(before.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Every recorded change of a member and of his beneficiaries, newest first
/// (consultations are in the journal but not in this history).
pub async fn history(pool: &AnyPool, member_id: i64) -> ApiResult<Vec<AuditEntry>> {
    audit::list(pool, &AuditFilter::changes_of("member", member_id, 500)).await
}
