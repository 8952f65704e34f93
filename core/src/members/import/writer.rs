//! The writer: compares each chunk with the database and writes it (members,
//! search words, beneficiaries, journal rows), all in the import's one
//! transaction.

use super::rows::*;
use crate::audit::{Actor, Change, Entry, Segment};
use crate::error::{ApiError, ApiResult};
use crate::members::input::MemberFields;
use crate::members::repo::{self, member_from_row, MEMBER_SELECT};
use crate::members::{BeneficiaryInput, Member, MemberStatus};
use crate::storage::batch::{self, DeferredIndexes};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// What the journal keeps of a member the import created: the keys of
/// [`crate::members::AUDIT_FIELDS`], the employer by its registered name.
#[derive(serde::Serialize)]
pub(super) struct CreatedJson<'a> {
    pub(super) matricule: &'a str,
    pub(super) cnie: Option<&'a str>,
    pub(super) last_name: &'a str,
    pub(super) first_name: &'a str,
    pub(super) birth_date: Option<NaiveDate>,
    pub(super) employer: Option<&'a str>,
    pub(super) status: MemberStatus,
    pub(super) address: Option<&'a str>,
    pub(super) gsm: Option<&'a str>,
    pub(super) email: Option<&'a str>,
    pub(super) rib: Option<&'a str>,
    pub(super) affiliation_date: Option<NaiveDate>,
    pub(super) end_date: Option<NaiveDate>,
}

impl<'a> CreatedJson<'a> {
    pub(super) fn of(f: &'a MemberFields, employer: Option<&'a str>) -> CreatedJson<'a> {
        CreatedJson {
            matricule: &f.matricule,
            cnie: f.cnie.as_deref(),
            last_name: &f.last_name,
            first_name: &f.first_name,
            birth_date: f.birth_date,
            employer,
            status: f.status,
            address: f.address.as_deref(),
            gsm: f.gsm.as_deref(),
            email: f.email.as_deref(),
            rib: f.rib.as_deref(),
            affiliation_date: f.affiliation_date,
            end_date: f.end_date,
        }
    }
}

/// The import's transaction, begun at its first write.
pub(super) async fn begun<'t>(
    slot: &'t mut Option<Transaction<'static, Any>>,
    db: &Db,
) -> ApiResult<&'t mut Transaction<'static, Any>> {
    if slot.is_none() {
        *slot = Some(db.begin().await?);
    }
    Ok(slot.as_mut().expect("begun above"))
}

/// The import's transaction and what it has written so far.
pub(super) struct Writer {
    pub(super) now: DateTime<Utc>,
    pub(super) ts: String,
    pub(super) tx: Option<Transaction<'static, Any>>,
    /// Employers by the name as written: id and name as registered.
    pub(super) employer_ids: HashMap<String, (i64, String)>,
    /// Members created by this import: names and birth date (the beneficiaries sheet's "lui-même").
    pub(super) created: HashMap<String, (String, String, Option<NaiveDate>)>,
    /// The highest member id before the first creation: the import's members are above it.
    pub(super) first_new_id_above: Option<i64>,
    /// Journal rows written at the end (updates, beneficiaries, the import itself).
    pub(super) changes: Vec<Change<'static>>,
    /// The import's journal rows, written chunk by chunk, sealed at the end.
    pub(super) segment: Segment,
    /// Data rows the sheet declares: how many new members to expect.
    pub(super) expected_rows: u32,
    /// Indexes set aside at the first creation, rebuilt before the commit.
    pub(super) deferred: Option<DeferredIndexes>,
}

impl Writer {
    pub(super) fn new(now: DateTime<Utc>, actor: &Actor, expected_rows: u32) -> Writer {
        Writer {
            now,
            ts: time::ts(now),
            tx: None,
            employer_ids: HashMap::new(),
            created: HashMap::new(),
            first_new_id_above: None,
            changes: Vec::new(),
            segment: Segment::open(now, actor),
            expected_rows,
            deferred: None,
        }
    }

    pub(super) async fn take_tx(&mut self, db: &Db) -> ApiResult<Transaction<'static, Any>> {
        begun(&mut self.tx, db).await?;
        Ok(self.tx.take().expect("begun above"))
    }

    /// One chunk's new and changed members. New members get their search
    /// words, their "lui-même" beneficiary and their creation journal row,
    /// all derived in SQL from the rows just written.
    pub(super) async fn write_members(
        &mut self,
        db: &Db,
        mut creates: Vec<NewMember>,
        updates: Vec<(Member, MemberFields)>,
    ) -> ApiResult<()> {
        let now = self.now;
        let ts = self.ts.clone();
        let backend = db.backend();
        let employer_ids = &mut self.employer_ids;
        let tx = begun(&mut self.tx, db).await?;
        // Employers by the name as written (a file repeats a few names
        // thousands of times: each is folded and looked up once).
        for f in creates.iter().map(|c| &c.fields) {
            if let Some(e) = &f.employer {
                if !employer_ids.contains_key(e) {
                    let id = repo::employer_id(tx, e, now).await?;
                    let name: String = sqlx::query_scalar("SELECT name FROM employers WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut **tx)
                        .await?;
                    employer_ids.insert(e.clone(), (id, name));
                }
            }
        }
        let mut max_id_before = None;
        if !creates.is_empty() && self.deferred.is_none() {
            // Each new member adds a "lui-même" and a journal row.
            self.deferred = Some(
                DeferredIndexes::set_aside(tx, &["audit_log", "beneficiaries"], u64::from(self.expected_rows)).await?,
            );
        }
        if !creates.is_empty() {
            let before: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM members").fetch_one(&mut **tx).await?;
            max_id_before = Some(before);
            // In matricule order: the unique index grows at its end.
            // (References are sorted: a file in name order moves no member.)
            creates.sort_by(|a, b| a.fields.matricule.cmp(&b.fields.matricule));
            let creates = std::sync::Arc::new(std::mem::take(&mut creates));
            let employer_ids = &*employer_ids;
            batch::insert_rows(
                tx,
                "members",
                &[
                    "matricule",
                    "cnie",
                    "last_name",
                    "first_name",
                    "search_name",
                    "birth_date",
                    "employer_id",
                    "status",
                    "address",
                    "gsm",
                    "email",
                    "rib",
                    "affiliation_date",
                    "end_date",
                    "created_at",
                    "updated_at",
                ],
                &creates[..],
                |v, c| {
                    let f = &c.fields;
                    v.push(f.matricule.as_str())
                        .push(f.cnie.as_deref())
                        .push(f.last_name.as_str())
                        .push(f.first_name.as_str())
                        .push(c.search_name.as_str())
                        .push(f.birth_date.map(time::date))
                        .push(f.employer.as_ref().and_then(|e| employer_ids.get(e).map(|(id, _)| *id)))
                        .push(f.status.code())
                        .push(f.address.as_deref())
                        .push(f.gsm.as_deref())
                        .push(f.email.as_deref())
                        .push(f.rib.as_deref())
                        .push(f.affiliation_date.map(time::date))
                        .push(f.end_date.map(time::date))
                        .push(ts.as_str())
                        .push(ts.as_str());
                },
            )
            .await?;
            // On SQLite the new members' ids are known: the highest id before
            // them plus one, two… in the order written (the import holds the
            // only write transaction; checked below). Their journal rows are
            // made and hashed on another thread while SQLite derives their
            // search words and "lui-même" rows, when this thread only waits
            // (during the members' insert it builds the values: on two cores
            // the hashing then slowed it, measured in benches/README.md).
            let hashing = (backend == crate::storage::Backend::Sqlite).then(|| {
                let next = self.segment.next();
                let names: HashMap<String, String> =
                    employer_ids.iter().map(|(k, (_, name))| (k.clone(), name.clone())).collect();
                let chunk = std::sync::Arc::clone(&creates);
                tokio::task::spawn_blocking(move || -> ApiResult<crate::audit::Hashed> {
                    let mut entries = Vec::with_capacity(chunk.len());
                    for (c, id) in chunk.iter().zip(before + 1..) {
                        let employer = c.fields.employer.as_ref().and_then(|e| names.get(e)).map(String::as_str);
                        // Sized for a member's row: written without growing.
                        let mut after = Vec::with_capacity(512);
                        serde_json::to_writer(&mut after, &CreatedJson::of(&c.fields, employer))
                            .map_err(ApiError::internal)?;
                        let after = String::from_utf8(after).map_err(ApiError::internal)?;
                        entries.push(Entry {
                            action: "member.import_create",
                            entity_type: "member",
                            entity_id: Some(id.to_string()),
                            before: None,
                            after: Some(after),
                        });
                    }
                    Ok(next.hash(entries))
                })
            });
            // This chunk's members: above the highest id before it, stamped
            // with this import's time (a row another desk added meanwhile is neither).
            repo::write_tokens(tx, "m.id > $1 AND m.created_at = $2", before, Some(&ts)).await?;
            sqlx::query(
                "INSERT INTO beneficiaries (member_id, relation, last_name, first_name, birth_date, \
                    coverage_start, created_at, updated_at)
                 SELECT id, 'lui_meme', last_name, first_name, birth_date, affiliation_date, $1, $1 FROM members \
                     WHERE id > $2 AND created_at = $1 ORDER BY id",
            )
            .bind(&ts)
            .bind(before)
            .execute(&mut **tx)
            .await?;
            if let Some(hashing) = hashing {
                // SQLite gives a new row the highest id plus one: the ids were
                // the ones foreseen if the highest is now `before` plus their
                // number (nobody else writes during the import's transaction).
                let high: i64 = sqlx::query_scalar("SELECT MAX(id) FROM members").fetch_one(&mut **tx).await?;
                let hashed = hashing.await.map_err(ApiError::internal)??;
                if high != before + creates.len() as i64 || creates.len() != hashed.len() {
                    return Err(ApiError::internal("identifiants des adhérents importés inattendus"));
                }
                self.segment.write(tx, hashed).await?;
            } else {
                // Their creation rows, chained in the import's segment: the ids
                // come back as one text (id, unit separator, matricule; record
                // separator between), one row through the driver instead of
                // thousands, and the rows are made here from what was written.
                let (aggregate, unit) = match backend {
                    crate::storage::Backend::Sqlite => ("group_concat(piece, char(30))", "char(31)"),
                    crate::storage::Backend::Postgres => ("string_agg(piece, chr(30))", "chr(31)"),
                };
                let ids: Option<String> = sqlx::query_scalar(&format!(
                "SELECT {aggregate} FROM (SELECT CAST(id AS TEXT) || {unit} || matricule AS piece FROM members WHERE \
                    id > $1 AND created_at = $2) AS chunk"
            ))
                .bind(before)
                .bind(&ts)
                .fetch_one(&mut **tx)
                .await?;
                let ids = ids.unwrap_or_default();
                let mut by_matricule: HashMap<&str, i64> = HashMap::with_capacity(creates.len());
                for piece in ids.split('\u{1e}').filter(|p| !p.is_empty()) {
                    let (id, matricule) = piece
                        .split_once('\u{1f}')
                        .ok_or_else(|| ApiError::internal("identifiant d'adhérent illisible"))?;
                    by_matricule.insert(matricule, id.parse().map_err(ApiError::internal)?);
                }
                let mut entries: Vec<(i64, Entry<'_>)> = Vec::with_capacity(creates.len());
                for c in creates.iter() {
                    let id = *by_matricule
                        .get(c.fields.matricule.as_str())
                        .ok_or_else(|| ApiError::internal("adhérent importé introuvable"))?;
                    let employer =
                        c.fields.employer.as_ref().and_then(|e| employer_ids.get(e)).map(|(_, name)| name.as_str());
                    let after =
                        serde_json::to_string(&CreatedJson::of(&c.fields, employer)).map_err(ApiError::internal)?;
                    entries.push((
                        id,
                        Entry {
                            action: "member.import_create",
                            entity_type: "member",
                            entity_id: Some(id.to_string()),
                            before: None,
                            after: Some(after),
                        },
                    ));
                }
                // In the members' order, as written.
                entries.sort_unstable_by_key(|(id, _)| *id);
                self.segment.append(tx, entries.into_iter().map(|(_, e)| e).collect()).await?;
            }
        }
        for (before, target) in &updates {
            repo::write_fields(tx, before, target, now).await?;
            let after =
                sqlx::query(&format!("{MEMBER_SELECT} WHERE m.id = $1")).bind(before.id).fetch_one(&mut **tx).await?;
            let after = member_from_row(&after)?;
            self.changes.push(
                Change::on("member.import_update", "member", before.id)
                    .before(before.audit_json())
                    .after(after.audit_json()),
            );
        }
        if let Some(before) = max_id_before {
            self.first_new_id_above.get_or_insert(before);
        }
        Ok(())
    }

    /// The RIB changes of registered members, as pending update requests in
    /// the import's transaction; how many were recorded (one already waiting
    /// is not recorded twice).
    pub(super) async fn record_ribs(
        &mut self,
        db: &Db,
        actor: &Actor,
        file: &str,
        ribs: Vec<(i64, String)>,
    ) -> ApiResult<u32> {
        let now = self.now;
        let tx = begun(&mut self.tx, db).await?;
        let mut n = 0;
        for (member_id, rib) in ribs {
            if crate::members::updates::record_from_roster(tx, actor, now, member_id, &rib, file).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The beneficiaries sheet's new rows, with their journal rows.
    pub(super) async fn write_beneficiaries(
        &mut self,
        db: &Db,
        new_beneficiaries: Vec<NewBeneficiary>,
    ) -> ApiResult<()> {
        if new_beneficiaries.is_empty() {
            return Ok(());
        }
        let ts = self.ts.clone();
        let above = self.first_new_id_above;
        let tx = begun(&mut self.tx, db).await?;
        // Ids of the members this import created (those of registered members are known).
        let mut ids: HashMap<String, i64> = HashMap::new();
        if let Some(above) = above {
            let new_ids = sqlx::query_as::<_, (i64, String)>(
                "SELECT id, matricule FROM members WHERE id > $1 AND created_at = $2",
            )
            .bind(above)
            .bind(&ts)
            .fetch_all(&mut **tx)
            .await?;
            ids.extend(new_ids.into_iter().map(|(id, m)| (m, id)));
        }
        let mut rows: Vec<(i64, &BeneficiaryInput)> = Vec::with_capacity(new_beneficiaries.len());
        for b in &new_beneficiaries {
            let id = b
                .member_id
                .or_else(|| ids.get(&b.matricule).copied())
                .ok_or_else(|| ApiError::internal("adhérent du bénéficiaire introuvable"))?;
            let i = &b.input;
            rows.push((id, i));
            let mut after = crate::members::Beneficiary {
                id: 0,
                member_id: id,
                relation: i.relation,
                last_name: i.last_name.clone(),
                first_name: i.first_name.clone(),
                birth_date: i.birth_date,
                coverage_start: i.coverage_start,
                coverage_end: i.coverage_end,
                version: 1,
            }
            .audit_json();
            // Not inserted yet: no id of its own to record.
            if let Some(o) = after.as_object_mut() {
                o.remove("id");
            }
            self.changes.push(Change::on("beneficiary.import_add", "member", id).after(after));
        }
        batch::insert_rows(
            tx,
            "beneficiaries",
            &[
                "member_id",
                "relation",
                "last_name",
                "first_name",
                "birth_date",
                "coverage_start",
                "coverage_end",
                "created_at",
                "updated_at",
            ],
            &rows,
            |v, (id, i)| {
                v.push(*id)
                    .push(i.relation.code())
                    .push(i.last_name.as_str())
                    .push(i.first_name.as_str())
                    .push(i.birth_date.map(time::date))
                    .push(i.coverage_start.map(time::date))
                    .push(i.coverage_end.map(time::date))
                    .push(ts.as_str())
                    .push(ts.as_str());
            },
        )
        .await
        .map_err(|e| match e.code {
            crate::ErrorCode::Conflict => ApiError::conflict(
                "Un bénéficiaire « lui-même » existe déjà pour un adhérent du fichier : rien n'a été importé.",
            ),
            _ => e,
        })
    }
}
