//! A year of a national mutual, written as a site writes it (bench `year`):
//! the roster through the import, the dossiers with the journal rows their
//! cycle writes, the members' spaces, the payment batch and the statement run.
#![allow(dead_code)]

use super::desks::{FIRST, LAST, PASSWORD};
pub use super::roster::matricule;
use chrono::{Duration as Days, NaiveDate, TimeZone, Utc};
use guichet_client::reqwest::{header, Client as Http, StatusCode};
use guichet_core::api::{Api, Caller};
use guichet_core::audit::{Actor, Entry, Segment};
use guichet_core::portal::accounts::{self, Activation};
use guichet_core::portal::codes::{self, Purpose};
use guichet_core::portal::outbox::Channel;
use guichet_core::storage::batch::{self, Value};
use guichet_core::storage::Db;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn cnie(k: usize) -> String {
    format!("BK{k:07}")
}

/// Account 007 780 …, its key computed (the import checks it).
fn rib(k: usize) -> String {
    let body = format!("007780{:016}", 3654300171u64 + k as u64);
    let rem = body.bytes().fold(0u64, |a, b| (a * 10 + u64::from(b - b'0')) % 97);
    format!("{body}{:02}", 97 - (rem * 100) % 97)
}

/// A roster of `n` members as an employer sends it (CSV: more rows than a
/// spreadsheet holds), imported by the import operation.
pub async fn import_roster(api: &Api, dir: &Path, n: usize) {
    let t = Instant::now();
    let path = dir.join("adherents.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "Matricule;CNIE;Nom;Prénom;Date de naissance;Société;Situation;GSM;RIB").unwrap();
    for k in 0..n {
        // A quarter carry the common names the desks search for; the rest as many as a registry's.
        let last = if k % 4 == 0 {
            LAST[k / 4 % LAST.len()].to_string()
        } else {
            const SYL: [&str; 16] =
                ["ben", "el", "ra", "mou", "za", "ka", "ha", "la", "sa", "ta", "na", "ou", "ja", "fa", "da", "ma"];
            let s = k / 3;
            let mut w = format!("{}{}{}i", SYL[s % 16], SYL[s / 16 % 16], SYL[s / 256 % 16]);
            w[..1].make_ascii_uppercase();
            w
        };
        writeln!(
            f,
            "{};{};{last};{};{:02}/{:02}/{};{};Actif;06{:08};{}",
            matricule(k),
            cnie(k),
            FIRST[k / 7 % FIRST.len()],
            1 + k % 28,
            1 + k % 12,
            1950 + k % 50,
            ["RAM", "OCP", "ONEE", "CDG", "Barid Al-Maghrib"][k % 5],
            k % 100_000_000,
            rib(k)
        )
        .unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let mut sys = Caller::System { os_user: "bench".into() };
    for u in 1..=5 {
        api.call(&mut sys, "urn_save", json!({"name": format!("Urne {u}"), "site": "Siège"})).await.unwrap();
    }
    let r = api.call_local(&mut sys, "member_import", json!({"file": path.to_str().unwrap()})).await.unwrap();
    assert_eq!(r["created"].as_u64(), Some(n as u64), "{r}");
    println!("  roster of {n} imported in {:.0} s (generated and imported)", t.elapsed().as_secs_f64());
}

/// One journal row of a dossier's cycle, as the operations wrote it.
struct Row {
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// A journal row as read back: id, action, entity type and id, before, after.
type Logged = (i64, String, String, Option<String>, Option<String>, Option<String>);

/// A dossier's cycle as the operations journal it: its rows, and how many of
/// them a dossier has written by each status.
pub struct Cycle {
    rows: Vec<Row>,
    /// Rows written by the time it is received, taken, complete, liquidated.
    received: usize,
    taken: usize,
    complete: usize,
    liquidated: usize,
    dossier: String,
    member: String,
    staff: i64,
}

impl Cycle {
    fn upto(&self, status: &str) -> usize {
        match status {
            "recu" => self.received,
            "en_cours" | "incomplet" | "rejete" => self.taken,
            "complet" => self.complete,
            "liquide" => self.liquidated,
            _ => self.rows.len(),
        }
    }

    /// The first `n` rows for the dossier `dossier` of member `member`.
    fn entries(&self, n: usize, dossier: i64, member: i64) -> impl Iterator<Item = Entry<'_>> {
        self.rows[..n].iter().map(move |r| {
            let id = match r.entity_id.as_deref() {
                Some(id) if id == self.dossier && r.entity_type == "dossier" => Some(dossier.to_string()),
                Some(id) if id == self.member && r.entity_type == "member" => Some(member.to_string()),
                other => other.map(str::to_string),
            };
            Entry {
                action: &r.action,
                entity_type: &r.entity_type,
                entity_id: id,
                before: r.before.clone(),
                after: r.after.clone(),
            }
        })
    }
}

/// Brings one dossier through its cycle by the operations — the member's page
/// read, recorded, taken, checked, its care line, complete, liquidated, paid,
/// its page read — and keeps the journal rows each step wrote.
pub async fn cycle(api: &Api, db: &Db) -> Cycle {
    let mut sys = Caller::System { os_user: "bench".into() };
    let staff = api
        .call(
            &mut sys,
            "staff_create",
            json!({"username": "cycle", "full_name": "Gestionnaire", "roles": ["reception", "claims"],
                "password": PASSWORD}),
        )
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut c = Caller::Anonymous;
    api.call(&mut c, "session_login", json!({"username": "cycle", "password": PASSWORD})).await.unwrap();
    let col = api.call(&mut c, "collection_open", json!({"urn_id": 5})).await.unwrap()["id"].clone();
    let last = || super::desks::journal_last(db);
    let start = last().await;
    let member = api.call(&mut c, "member_get", json!({"matricule": matricule(0)})).await.unwrap();
    let r = api
        .call(
            &mut c,
            "dossier_record",
            json!({"collection_id": col, "form_number": "C26-0000001", "matricule": matricule(0),
                "beneficiary_id": member["beneficiaries"][0]["id"], "kind": "maladie", "first_act_date": "2026-11-02",
                "total_claimed": "150,00", "pieces": 2}),
        )
        .await
        .unwrap();
    let received = last().await;
    let id = r["dossier"]["id"].as_i64().unwrap();
    let d = api
        .call(&mut c, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}))
        .await
        .unwrap();
    let taken = last().await;
    let d = api
        .call(
            &mut c,
            "dossier_checklist",
            json!({"id": id, "version": d["version"], "contents": {},
                "present": ["member_block_signed", "doctor_block"]}),
        )
        .await
        .unwrap();
    let line = json!([{"date": "2026-11-02", "beneficiary_id": member["beneficiaries"][0]["id"], "act": "C",
        "quantity": 1, "charged": "150"}]);
    api.call(&mut c, "care_lines_save", json!({"dossier_id": id, "version": d["version"], "lines": line}))
        .await
        .unwrap();
    let page = api.call(&mut c, "dossier_get", json!({"id": id})).await.unwrap();
    let d = api
        .call(&mut c, "dossier_move", json!({"id": id, "version": page["dossier"]["version"], "move": "mark_complete"}))
        .await
        .unwrap();
    let complete = last().await;
    api.call(&mut c, "dossier_liquidate", json!({"id": id, "version": d["version"]})).await.unwrap();
    let liquidated = last().await;
    api.call(&mut c, "payment_batch_create", json!({})).await.unwrap();
    api.call(&mut c, "dossier_get", json!({"id": id})).await.unwrap();
    let end = last().await;
    let rows: Vec<Logged> = sqlx::query_as(
        "SELECT id, action, entity_type, entity_id, before_json, after_json FROM audit_log
         WHERE id > $1 AND id <= $2 AND action <> 'journal.segment' ORDER BY id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(db.pool())
    .await
    .unwrap();
    let upto = |mark: i64| rows.iter().filter(|r| r.0 <= mark).count();
    let (received, taken, complete, liquidated) = (upto(received), upto(taken), upto(complete), upto(liquidated));
    let member_id = member["member"]["id"].as_i64().unwrap_or(1).to_string();
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(_, action, entity_type, entity_id, before, after)| Row { action, entity_type, entity_id, before, after })
        .collect();
    println!(
        "  one dossier's cycle by the operations writes {} journal rows (actions: {})",
        rows.len(),
        rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>().join(", ")
    );
    Cycle { rows, received, taken, complete, liquidated, dossier: id.to_string(), member: member_id, staff }
}

/// The status of dossier `i` of the year, first acts on `act`: what is older
/// than six weeks is settled, what is recent in every status.
fn status_of(i: usize, act: NaiveDate) -> &'static str {
    let k = i % 100;
    if act < NaiveDate::from_ymd_opt(2026, 10, 20).unwrap() {
        match k {
            0..92 => "paye",
            92..97 => "rejete",
            _ => "incomplet",
        }
    } else {
        match k {
            0..30 => "recu",
            30..50 => "en_cours",
            50..60 => "incomplet",
            60..85 => "complet",
            85..90 => "rejete",
            _ => "paye",
        }
    }
}

const DOSSIER_COLUMNS: [&str; 22] = [
    "id",
    "form_number",
    "member_id",
    "beneficiary_id",
    "kind",
    "first_act_date",
    "total_claimed",
    "pieces",
    "status",
    "urn_id",
    "original_received_on",
    "validity_end",
    "original_deadline",
    "total_reimbursed",
    "mutual_pays",
    "paid_amount",
    "clawback_deducted",
    "payment_reference",
    "paid_on",
    "statement_number",
    "created_at",
    "updated_at",
];

const CARE_COLUMNS: [&str; 17] = [
    "id",
    "dossier_id",
    "position",
    "act_date",
    "beneficiary_id",
    "act",
    "quantity",
    "charged",
    "accepted",
    "family",
    "base",
    "rate",
    "amo",
    "complementary",
    "reimbursed",
    "remainder",
    "explanation_json",
];

/// One dossier's row and its care line (its id `line`).
fn dossier_rows(
    (id, line): (i64, i64),
    i: usize,
    member: i64,
    act: NaiveDate,
    status: &str,
    now: &str,
) -> (Vec<Value>, Vec<Value>) {
    let charged = (10_000 + (i % 500) * 100) as i64;
    let settled = matches!(status, "liquide" | "paye");
    let paid = status == "paye";
    let paid_on = act + Days::days(30);
    let validity = act.checked_add_months(chrono::Months::new(3)).unwrap();
    let reimbursed = charged * 8 / 10;
    let d = vec![
        Value::from(id),
        Value::from(format!("A26-{id:08}")),
        Value::from(member),
        Value::from(member),
        Value::from("maladie"),
        Value::from(act.to_string()),
        Value::from(charged),
        Value::from(2i64),
        Value::from(status),
        Value::from(1 + (i % 5) as i64),
        Value::from((act + Days::days(3)).to_string()),
        Value::from(validity.to_string()),
        Value::from(validity.checked_add_months(chrono::Months::new(1)).unwrap().to_string()),
        Value::from(settled.then_some(reimbursed)),
        Value::from(settled.then_some(reimbursed)),
        Value::from(paid.then_some(reimbursed)),
        Value::from(paid.then_some(0i64)),
        Value::from(paid.then(|| format!("VIR-{}-00001/{id:07}", paid_on.format("%Y%m%d")))),
        Value::from(paid.then(|| paid_on.to_string())),
        Value::from(paid.then(|| format!("DEC-2026-{id:08}"))),
        Value::from(now.to_string()),
        Value::from(now.to_string()),
    ];
    let l = vec![
        Value::from(line),
        Value::from(id),
        Value::from(0i64),
        Value::from(act.to_string()),
        Value::from(member),
        Value::from("C"),
        Value::from(1i64),
        Value::from(charged),
        Value::from(1i64),
        Value::from("consultation"),
        Value::from(charged),
        Value::from(8_000i64),
        Value::from(charged * 7 / 10),
        Value::from(charged / 10),
        Value::from(reimbursed),
        Value::from(charged - reimbursed),
        Value::from("[]"),
    ];
    (d, l)
}

/// Writes `rows` dossiers of one day with their care lines and the journal
/// rows their statuses imply (one segment), in one transaction.
async fn write_day(db: &Db, cycle: &Cycle, day: NaiveDate, dossiers: &[(i64, usize, i64, &str)], reads: usize) {
    let at = Utc.from_utc_datetime(&day.and_hms_opt(17, 0, 0).unwrap());
    let now = guichet_core::storage::time::ts(at);
    let mut line_id = next_care_line_id(db, dossiers.first().map_or(0, |d| d.0)).await;
    let mut tx = db.begin().await.unwrap();
    let (mut d, mut l) = (vec![], vec![]);
    for &(id, i, member, status) in dossiers {
        let (row, line) = dossier_rows((id, line_id), i, member, day, status, &now);
        line_id += 1;
        d.push(row);
        l.push(line);
    }
    for chunk in d.chunks(10_000) {
        batch::insert(&mut tx, "dossiers", &DOSSIER_COLUMNS, chunk).await.unwrap();
    }
    for chunk in l.chunks(10_000) {
        batch::insert(&mut tx, "care_lines", &CARE_COLUMNS, chunk).await.unwrap();
    }
    let actor = Actor::staff(cycle.staff, "cycle");
    let mut segment = Segment::open(at, &actor);
    let mut entries: Vec<Entry<'_>> = vec![];
    for &(id, _, member, status) in dossiers {
        entries.extend(cycle.entries(cycle.upto(status), id, member));
        if entries.len() >= 50_000 {
            segment.append(&mut tx, std::mem::take(&mut entries)).await.unwrap();
        }
    }
    // The member whose page is read all year (the first of the roster).
    let read = cycle.rows.iter().find(|r| r.action == "member.read").expect("the cycle read the member's page");
    entries.extend((0..reads).map(|_| Entry {
        action: &read.action,
        entity_type: &read.entity_type,
        entity_id: Some(cycle.member.clone()),
        before: None,
        after: read.after.clone(),
    }));
    segment.append(&mut tx, entries).await.unwrap();
    segment.close(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn next_dossier_id(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM dossiers").fetch_one(db.pool()).await.unwrap()
}

/// The next care line's id for dossier `dossier`'s lines: in its year, as
/// the application gives it (`care_line_id`, migration 0033).
async fn next_care_line_id(db: &Db, dossier: i64) -> i64 {
    const YEAR: i64 = 1_000_000_000;
    let (from, to) = match dossier >= 2000 * YEAR {
        true => (dossier / YEAR * YEAR, (dossier / YEAR + 1) * YEAR),
        false => (0, 2000 * YEAR),
    };
    sqlx::query_scalar("SELECT COALESCE(MAX(id), $1) + 1 FROM care_lines WHERE id >= $1 AND id < $2")
        .bind(from)
        .bind(to)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// The sequences past the rows written in bulk: each year's ranks of the
/// dossiers and care lines, and the tables' own for rows before the years.
async fn sequences(db: &Db) {
    for table in ["dossiers", "care_lines"] {
        sqlx::query(&format!(
            "SELECT setval(format('%s_%s_seq', '{table}', m / 1000000000)::regclass, m % 1000000000) \
             FROM (SELECT MAX(id) AS m FROM {table} WHERE id >= 2000000000000) x WHERE m IS NOT NULL"
        ))
        .execute(db.pool())
        .await
        .unwrap();
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), m) \
             FROM (SELECT MAX(id) AS m FROM {table} WHERE id < 2000000000000) x WHERE m IS NOT NULL"
        ))
        .execute(db.pool())
        .await
        .unwrap();
    }
}

/// The year's dossiers, day by day from 1 January to 30 November 2026, spread
/// over the members, with `reads` readings of the first member's page.
pub async fn fill_year(db: &Db, cycle: &Cycle, members: usize, dossiers: usize, reads: usize) {
    let t = Instant::now();
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let days = 334usize;
    let mut id = next_dossier_id(db).await;
    for day in 0..days {
        let from = dossiers * day / days;
        let to = dossiers * (day + 1) / days;
        let date = first + Days::days(day as i64);
        let rows: Vec<(i64, usize, i64, &str)> = (from..to)
            .map(|i| {
                let row = (id, i, (i * 7919 % members + 1) as i64, status_of(i, date));
                id += 1;
                row
            })
            .collect();
        let r = reads * (day + 1) / days - reads * day / days;
        write_day(db, cycle, date, &rows, r).await;
        if day % 30 == 29 {
            println!("    {} dossiers written ({:.0} s)", to, t.elapsed().as_secs_f64());
        }
    }
    sequences(db).await;
    println!("  {dossiers} dossiers of the year and their journal written in {:.0} s", t.elapsed().as_secs_f64());
}

/// `n` dossiers liquidated since the last payment batch, with their journal.
pub async fn liquidated(db: &Db, cycle: &Cycle, members: usize, n: usize) {
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let first = next_dossier_id(db).await;
    for start in (0..n).step_by(100_000) {
        let rows: Vec<(i64, usize, i64, &str)> = (start..(start + 100_000).min(n))
            .map(|i| (first + i as i64, i, (i * 104_729 % members + 1) as i64, "liquide"))
            .collect();
        write_day(db, cycle, day, &rows, 0).await;
    }
    sequences(db).await;
}

/// The payment batch of the liquidated dossiers, as a claims processor runs it.
pub async fn payment_batch(api: &Api, n: usize) {
    let mut c = Caller::Anonymous;
    api.call(&mut c, "session_login", json!({"username": "cycle", "password": PASSWORD})).await.unwrap();
    let t = Instant::now();
    let r = api.call(&mut c, "payment_batch_create", json!({})).await.unwrap();
    println!(
        "payment batch: {} dossiers ({n} liquidated), {} transfers, in {:.1} s (target < 2 min for 200,000)",
        r["dossier_count"],
        r["transfer_count"],
        t.elapsed().as_secs_f64()
    );
}

/// A statement run over the days of November that hold about `n` members paid.
pub async fn statement_run(api: &Api, db: &Db, dir: &Path, n: usize) {
    let by_day: Vec<(String, i64)> = sqlx::query_as(
        "SELECT paid_on, COUNT(DISTINCT member_id) FROM dossiers WHERE paid_on >= '2026-11-01' GROUP BY paid_on
         ORDER BY paid_on",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let (mut to, mut total) = (String::from("2026-11-01"), 0);
    for (day, count) in by_day {
        to = day;
        total += count;
        if total as usize >= n {
            break;
        }
    }
    let mut c = Caller::Anonymous;
    api.call(&mut c, "session_login", json!({"username": "cycle", "password": PASSWORD})).await.unwrap();
    let folder = dir.join("releves");
    let t = Instant::now();
    let r = api
        .call_local(
            &mut c,
            "statement_batch",
            json!({"from": "2026-11-01", "to": to, "folder": folder.to_str().unwrap()}),
        )
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let written = r["written"].as_i64().unwrap_or(0);
    println!(
        "statement run 01/11 to {to}: {written} statements in {secs:.0} s = {:.0} a second (target ≥ 500)",
        written as f64 / secs
    );
}

/// The members browsing their spaces: their session cookies.
pub struct Portal {
    cookies: Vec<String>,
}

impl Portal {
    /// `n` members of the roster (spread over it) with their spaces activated and a session each.
    pub async fn open(db: &Db, api: &Api, n: usize, members: usize) -> Portal {
        let now = api.now();
        let actor = Actor::process("banc-d-essai");
        let mut cookies = vec![];
        for k in 0..n {
            let i = 1 + k * (members - 1) / n.max(1);
            let m = guichet_core::members::by_matricule(db.pool(), &matricule(i)).await.unwrap().unwrap();
            let issued = codes::issue(db, &actor, now, &m, Purpose::Activation, Channel::Letter, None).await.unwrap();
            let a = Activation { matricule: matricule(i), cnie: cnie(i), code: issued.code, password: PASSWORD.into() };
            accounts::activate(db, now, &a).await.unwrap();
            let opened = accounts::login(db, now, &matricule(i), PASSWORD, "127.0.0.1", None).await.unwrap();
            cookies.push(format!("guichet_portail={}", opened.token));
        }
        Portal { cookies }
    }

    async fn view(http: &Http, base: &str, cookie: &str) -> Duration {
        let t = Instant::now();
        let r =
            http.get(format!("{base}/portail/api/portal_view")).header(header::COOKIE, cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "portal_view");
        r.bytes().await.unwrap();
        t.elapsed()
    }

    /// The journal rows one view of a member's space writes.
    pub async fn rows_per_view(&self, http: &Http, base: &str, db: &Db) -> i64 {
        let before = super::desks::journal_last(db).await;
        Self::view(http, base, &self.cookies[0]).await;
        super::desks::journal_since(db, before).await
    }

    /// `n` views of his space by each member in turn, one at a time.
    pub async fn views_alone(&self, http: &Http, base: &str, n: usize) -> Vec<Duration> {
        let mut times = vec![];
        for k in 0..n {
            times.push(Self::view(http, base, &self.cookies[k % self.cookies.len()]).await);
        }
        times
    }

    /// Every member views his space, waiting between two views as a person
    /// does, for `length`: the views made and how long each took.
    pub fn browse(
        &self,
        http: Http,
        base: String,
        length: Duration,
        think_ms: u64,
    ) -> impl std::future::Future<Output = (i64, Vec<Duration>)> {
        let end = Instant::now() + length;
        let tasks: Vec<_> = self
            .cookies
            .iter()
            .map(|cookie| {
                let (http, base, cookie) = (http.clone(), base.clone(), cookie.clone());
                tokio::spawn(async move {
                    let mut times = vec![];
                    while Instant::now() < end {
                        let pause = Instant::now() + Duration::from_millis(fastrand::u64(0..=2 * think_ms));
                        tokio::time::sleep_until(pause.min(end).into()).await;
                        if Instant::now() >= end {
                            break;
                        }
                        times.push(Self::view(&http, &base, &cookie).await);
                    }
                    times
                })
            })
            .collect();
        async move {
            let mut all = vec![];
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            (all.len() as i64, all)
        }
    }
}

/// The journal's indexes that serve only reads (a record's history, the
/// journal screen's filters). The chain's own stay: the journal's triggers
/// read its places (`audit_log_seq`) for each row written, and the primary
/// key and the segments' index grow at their right edge, in the order the
/// rows are written, where an insert never waits for a leaf to be read.
const READ_INDEXES: [&str; 5] =
    ["audit_log_entity", "audit_log_changes", "audit_log_actor", "audit_log_action", "audit_log_at"];

/// How full the rebuilt indexes' leaves are, in percent. Grown row by row,
/// the same indexes were measured 51–54 % full (`pgstatindex` at 43 million
/// rows: each insert lands inside an action's, an actor's or a record's
/// range, and a leaf split there leaves two halves); built in one sorted pass
/// they would be 90 % full, smaller and quicker to read than a site's.
const GROWN_FILL: u32 = 50;

/// The journal's read indexes, set aside while a year is written in bulk
/// (`BENCH_JOURNAL_INDEXES=after`). Past about 5 million dossiers they no
/// longer fit in memory, and every journal row written then waits for the
/// leaves it lands on to be read from disk: the national fill ran at about
/// 1,000 dossiers a second, close to three hours (`benches/README.md`).
pub struct ReadIndexes {
    /// Each index's name and definition, as the schema holds them.
    definitions: Vec<(String, String)>,
}

impl ReadIndexes {
    pub async fn set_aside(db: &Db) -> ReadIndexes {
        let mut definitions = vec![];
        for name in READ_INDEXES {
            let def: String = sqlx::query_scalar(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
            )
            .bind(name)
            .fetch_one(db.pool())
            .await
            .unwrap();
            sqlx::query(&format!("DROP INDEX {name}")).execute(db.pool()).await.unwrap();
            definitions.push((name.to_string(), def));
        }
        ReadIndexes { definitions }
    }

    /// Builds them again with the schema's definitions: on the journal itself
    /// (so a year opened later gets them as the migrations made them), and on
    /// each year's partition at the density of grown indexes ([`GROWN_FILL`]),
    /// attached to it. Prints how long it took.
    pub async fn rebuild(self, db: &Db) {
        let t = Instant::now();
        let mut conn = db.pool().acquire().await.unwrap();
        sqlx::query("SET maintenance_work_mem = '2GB'").execute(&mut *conn).await.unwrap();
        let years: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'audit_log'::regclass ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for (name, def) in self.definitions {
            // PostgreSQL gives a partitioned index's definition on the table alone.
            let on = " ON ONLY public.audit_log ";
            assert!(def.contains(on), "{def}");
            sqlx::query(&def).execute(&mut *conn).await.unwrap();
            let (head, filter) = match def.split_once(" WHERE ") {
                Some((head, filter)) => (head, format!(" WHERE {filter}")),
                None => (def.as_str(), String::new()),
            };
            for year in &years {
                let part = format!("{year}_{}", name.trim_start_matches("audit_log_"));
                let built = head.replacen(&format!("INDEX {name}{on}"), &format!("INDEX {part} ON public.{year} "), 1);
                assert_ne!(built, head, "{def}");
                sqlx::query(&format!("{built} WITH (fillfactor = {GROWN_FILL}){filter}"))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                sqlx::query(&format!("ALTER INDEX {part} RESET (fillfactor)")).execute(&mut *conn).await.unwrap();
                sqlx::query(&format!("ALTER INDEX {name} ATTACH PARTITION {part}")).execute(&mut *conn).await.unwrap();
            }
            println!("    {name} built again ({:.0} s)", t.elapsed().as_secs_f64());
        }
        sqlx::query("RESET maintenance_work_mem").execute(&mut *conn).await.unwrap();
        println!("  the journal's read indexes built again in {:.0} s", t.elapsed().as_secs_f64());
    }
}
