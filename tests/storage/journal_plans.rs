//! Issue 37, point 2: every query that reads the journal stays flat as the
//! years pile up. On a journal of a million rows (a year of a small site's
//! consultations and changes, one member read 27,000 times), each query the
//! desk runs — the member's page, the dossier's page, the journal screen's
//! filters, the medical reads — is planned through an index, and on
//! PostgreSQL, run for real, reads at most a few thousand journal rows (or
//! twice what its filter matches, when the user asked for a whole period):
//! never the journal behind the page. So are the pages `guichet audit verify`
//! reads the journal by.

use crate::support::{Kind, TestDb};
use chrono::NaiveDate;
use guichet_core::audit::{query_of, AuditFilter};
use sqlx::{Executor, Row};

crate::on_both_backends!(every_journal_query_reads_its_rows_not_the_journal);

const ROWS: i64 = 1_000_000;
/// The member whose page was read often (every 37th row).
const HOT_MEMBER: i64 = 7;

/// The journal a year of work leaves, in bulk (a planner test: the rows need
/// the shape of a site's journal, not its chain). A row in every 37 is a read
/// of the same member's page; six in ten are reads of 50,000 members' pages,
/// one in ten a change of a member (twenty of them the hot member's), three in
/// ten reads and changes of 200,000 dossiers and medical reads; fifty agents;
/// a row every 30 seconds from 1 January 2026.
async fn fill(t: &TestDb) {
    let shape = "CASE WHEN i % 37 = 0 THEN 'member.read' WHEN i % 10 < 6 THEN 'member.read' \
        WHEN i % 10 = 6 THEN 'member.update' WHEN i % 10 = 7 THEN 'dossier.read' \
        WHEN i % 10 = 8 THEN 'dossier.status' ELSE 'medical.read' END, \
        CASE WHEN i % 37 = 0 OR i % 10 < 7 THEN 'member' ELSE 'dossier' END, \
        CASE WHEN i % 37 = 0 THEN '7' WHEN i % 10 = 6 AND i % 50000 = 6 THEN '7' \
        WHEN i % 10 < 7 THEN CAST((i * 7919) % 50000 AS TEXT) ELSE CAST(i % 200000 AS TEXT) END";
    let cols = "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, segment, segment_seq)";
    let sql = match t.kind {
        Kind::Postgres => format!(
            "{cols} SELECT to_char(TIMESTAMP '2026-01-01' + i * INTERVAL '30 seconds', \
                'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'agent' || (i % 50), {shape}, 'test', i \
             FROM generate_series(1::bigint, {ROWS}) AS i"
        ),
        Kind::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS}) \
             {cols} SELECT strftime('%Y-%m-%dT%H:%M:%f', '2026-01-01', '+' || (i * 30) || ' seconds') || '000Z', \
                'agent' || (i % 50), {shape}, 'test', i FROM s"
        ),
    };
    sqlx::query(&sql).execute(t.db.pool()).await.unwrap();
    if t.kind == Kind::Postgres {
        // What autovacuum does on a site after such a year.
        sqlx::query("ANALYZE audit_log").execute(t.db.pool()).await.unwrap();
    }
}

/// The queries the desk runs, each named for the screen that runs it.
fn queries() -> Vec<(&'static str, AuditFilter)> {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 6, d);
    vec![
        ("page of the member read 27,000 times", AuditFilter::changes_of("member", HOT_MEMBER, 500)),
        ("page of a member", AuditFilter::changes_of("member", 26_704, 500)),
        ("page of a dossier", AuditFilter::changes_of("dossier", 12_348, 200)),
        ("medical reads", guichet_core::medical::reads_filter(None, None)),
        ("medical reads of a month", guichet_core::medical::reads_filter(day(1), day(30))),
        (
            "search page: the agent's recent members",
            guichet_core::members::recent::recent_filter("agent17", NaiveDate::from_ymd_opt(2026, 12, 13).unwrap()),
        ),
        ("journal screen", AuditFilter::default()),
        ("journal screen: an agent", AuditFilter { actor: Some("agent17".into()), ..Default::default() }),
        ("journal screen: an action", AuditFilter { action: Some("member.update".into()), ..Default::default() }),
        (
            "journal screen: a record, reads included",
            AuditFilter { entity_type: Some("dossier".into()), entity_id: Some("12348".into()), ..Default::default() },
        ),
        ("journal screen: a day", AuditFilter { from: day(15), to: day(15), ..Default::default() }),
        (
            "journal screen: an agent on a day",
            AuditFilter { actor: Some("agent17".into()), from: day(15), to: day(15), ..Default::default() },
        ),
    ]
}

async fn every_journal_query_reads_its_rows_not_the_journal(t: TestDb) {
    fill(&t).await;
    for (name, filter) in queries() {
        let (sql, args) = query_of(&filter, "audit_log");
        match t.kind {
            Kind::Postgres => {
                // Planned with its values, and as the plan PostgreSQL may keep
                // for every value once the statement has run five times.
                let custom = explain(&t, &format!("EXPLAIN (ANALYZE, FORMAT TEXT) {sql}"), &args, 0).await;
                let generic = generic_plan(&t, &sql, &args).await;
                let matching = matching(&t, &sql, &args).await;
                for (how, plan) in [("planned with its values", custom), ("generic plan", generic)] {
                    assert_eq!(rows_read_by(&plan, "Seq Scan"), 0, "{name}, {how}: scans the journal\n{plan}");
                    let read = rows_read(&plan);
                    let bound = 5_000.max(2 * matching);
                    assert!(read <= bound, "{name}, {how}: reads {read} journal rows for {matching}\n{plan}");
                    eprintln!("{name}, {how}: {read} journal rows read, {matching} matching");
                }
            }
            Kind::Sqlite => {
                let plan = explain(&t, &format!("EXPLAIN QUERY PLAN {sql}"), &args, 3).await;
                // A page with no filter walks the newest rows by id, up to its limit.
                let scan_allowed = filter.actor.is_none()
                    && filter.action.is_none()
                    && filter.entity_type.is_none()
                    && filter.from.is_none();
                assert!(
                    scan_allowed || !plan.lines().any(|l| l.starts_with("SCAN audit_log")),
                    "{name}: scans the journal\n{plan}"
                );
                assert!(plan.contains("audit_log"), "{name}: {plan}");
            }
        }
    }
    // `guichet audit verify`: a page of the segments' rows from the middle of
    // the year, and a page of the main chain, each a range of its index.
    // On PostgreSQL it reads each year's partition by its own index.
    let tables = guichet_core::audit::years::tables(t.db.pool()).await.unwrap();
    let verification = [
        ("verification: a page of segment rows", guichet_core::audit::segments_page_sql(&tables), Some("test")),
        ("verification: a page of the main chain", guichet_core::audit::chain_page_sql(&tables), None),
    ];
    for (name, sql, segment) in verification {
        match t.kind {
            Kind::Postgres => {
                let custom = page_plan(&t, &format!("EXPLAIN (ANALYZE, FORMAT TEXT) {sql}"), segment, 0).await;
                let args: Vec<String> = segment.map(String::from).into_iter().chain([(ROWS / 2).to_string()]).collect();
                let generic = generic_plan(&t, &sql, &args).await;
                for (how, plan) in [("planned with its values", custom), ("generic plan", generic)] {
                    assert_eq!(rows_read_by(&plan, "Seq Scan"), 0, "{name}, {how}: scans the journal\n{plan}");
                    let read = rows_read(&plan);
                    assert!(read <= 10_000, "{name}, {how}: reads {read} journal rows for a page of 5,000\n{plan}");
                    eprintln!("{name}, {how}: {read} journal rows read");
                }
            }
            Kind::Sqlite => {
                let plan = page_plan(&t, &format!("EXPLAIN QUERY PLAN {sql}"), segment, 3).await;
                assert!(
                    plan.lines().any(|l| l.starts_with("SEARCH audit_log")) && !plan.contains("TEMP B-TREE"),
                    "{name}: not a range of its index\n{plan}"
                );
            }
        }
    }
    // The hot member's page itself: his twenty changes, none of his reads.
    let rows =
        guichet_core::audit::list(t.db.pool(), &AuditFilter::changes_of("member", HOT_MEMBER, 500)).await.unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.action == "member.update"));
}

/// The plan's lines, one text column (`QUERY PLAN`, or SQLite's `detail`).
async fn explain(t: &TestDb, sql: &str, args: &[String], column: usize) -> String {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(t.db.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().map(|r| r.try_get::<String, _>(column).unwrap()).collect::<Vec<_>>().join("\n")
}

/// The generic plan of `sql` (PostgreSQL), run with `args`: the plan a
/// connection keeps for a statement once its own plans cost no less.
async fn generic_plan(t: &TestDb, sql: &str, args: &[String]) -> String {
    let mut conn = t.db.pool().acquire().await.unwrap();
    let literals: Vec<String> = args.iter().map(|a| format!("'{}'", a.replace('\'', "''"))).collect();
    let execute = match literals.is_empty() {
        true => "EXECUTE generic".to_string(),
        false => format!("EXECUTE generic({})", literals.join(", ")),
    };
    conn.execute("SET plan_cache_mode = force_generic_plan").await.unwrap();
    conn.execute(&*format!("PREPARE generic AS {sql}")).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = sqlx::query(&format!("EXPLAIN (ANALYZE, FORMAT TEXT) {execute}")).fetch_all(&mut *conn).await.unwrap();
    conn.execute("DEALLOCATE generic").await.unwrap();
    conn.execute("RESET plan_cache_mode").await.unwrap();
    rows.iter().map(|r| r.try_get::<String, _>(0).unwrap()).collect::<Vec<_>>().join("\n")
}

/// The plan of a verification page: after row `ROWS / 2` of `segment`, or
/// from place `ROWS / 2` of the main chain.
async fn page_plan(t: &TestDb, sql: &str, segment: Option<&str>, column: usize) -> String {
    let q = match segment {
        Some(key) => sqlx::query(sql).bind(key.to_string()).bind(ROWS / 2),
        None => sqlx::query(sql).bind(ROWS / 2),
    };
    let rows = q.fetch_all(t.db.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().map(|r| r.try_get::<String, _>(column).unwrap()).collect::<Vec<_>>().join("\n")
}

/// How many rows the query's filter matches, without its limit.
async fn matching(t: &TestDb, sql: &str, args: &[String]) -> u64 {
    let cut = sql.find(" ORDER BY").unwrap();
    let count = format!("SELECT COUNT(*) FROM ({}) AS m", &sql[..cut]);
    let mut q = sqlx::query_scalar::<_, i64>(&count);
    for a in args {
        q = q.bind(a);
    }
    q.fetch_one(t.db.pool()).await.unwrap() as u64
}

/// The journal rows a PostgreSQL plan read: what each scan of `audit_log`
/// (of each year's partition) returned, plus what its filters and rechecks
/// threw away.
fn rows_read(plan: &str) -> u64 {
    rows_read_by(plan, "Scan")
}

/// The journal rows read by the plan's scans of one kind (`"Seq Scan"`: a
/// year's partition read whole; the planner may read so a year still empty,
/// the next one's or the partition of rows outside the years, which costs
/// nothing while it is empty and is planned again once it is not).
fn rows_read_by(plan: &str, scan: &str) -> u64 {
    let number_after = |line: &str, key: &str| -> u64 {
        line.split(key)
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let mut read = 0;
    let mut in_scan = false;
    for line in plan.lines() {
        if line.contains("Scan") {
            in_scan = line.contains(scan) && line.contains(" on audit_log");
            if in_scan && !line.contains("Bitmap Index Scan") {
                let actual = line.split("(actual").nth(1).unwrap_or("");
                read += number_after(actual, "rows=") * number_after(actual, "loops=").max(1);
            }
        } else if in_scan && (line.contains("Rows Removed by Filter") || line.contains("Rows Removed by Index Recheck"))
        {
            read += number_after(line, ": ");
        }
    }
    read
}
