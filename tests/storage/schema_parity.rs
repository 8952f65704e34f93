//! The two migration folders make the same schema: the same tables with the
//! same columns, the same named indexes, and triggers that match one for
//! one where the backends differ only in how a trigger is written (SQLite
//! has no TRUNCATE and no trigger on two events).

use crate::support::{self, Kind};
use std::collections::BTreeSet;

/// SQLite trigger names and the PostgreSQL trigger each stands for.
const TRIGGERS: [(&str, &str); 2] = [
    // PostgreSQL's one BEFORE UPDATE OR DELETE trigger is two in SQLite;
    // TRUNCATE does not exist in SQLite.
    ("audit_log_no_delete", "audit_log_no_update"),
    ("audit_head_no_delete", "audit_head_forward"),
];

/// What PostgreSQL alone has, since it keeps the dossiers and care lines by
/// year (migration 0033): a form number's uniqueness across the years (a
/// partitioned table's unique keys must hold its partition key), and the
/// references to a dossier or a care line checked by triggers (no foreign
/// key may point into a partition a year detaches), and so the form number's
/// index is not unique. SQLite keeps a UNIQUE column and foreign keys.
const POSTGRES_ONLY_TABLES: [&str; 1] = ["dossier_numbers"];
const POSTGRES_ONLY_INDEXES: [&str; 1] = ["dossiers_form_number"];
const POSTGRES_ONLY_TRIGGERS: [&str; 13] = [
    "dossier_numbers",
    "dossiers_never_deleted",
    "care_lines_kept_while_named",
    "dossier_files_dossier",
    "clawbacks_dossier",
    "clawback_deductions_dossier",
    "approval_consumptions_dossier",
    "approval_consumptions_care_line",
    "dossier_medical_dossier",
    "fund_coverage_uses_dossier",
    "fund_coverage_uses_care_line",
    "third_party_payments_dossier",
    "fund_returns_dossier",
];

async fn names(db: &guichet_core::storage::Db, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql).fetch_all(db.pool()).await.unwrap().into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_folders_make_the_same_schema() {
    let Some(sqlite) = support::open(Kind::Sqlite).await else { return };
    let Some(pg) = support::open(Kind::Postgres).await else { return };
    let (s, p) = (&sqlite.db, &pg.db);
    let tables_s = names(s, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").await;
    // A partition of a PostgreSQL table (the journal's years) is that table.
    let tables_p = names(
        p,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
    )
    .await;
    let tables_p: BTreeSet<String> =
        tables_p.into_iter().filter(|t| !POSTGRES_ONLY_TABLES.contains(&t.as_str())).collect();
    assert_eq!(tables_s, tables_p, "tables");
    for t in &tables_s {
        let cols_s = names(s, &format!("SELECT name FROM pragma_table_info('{t}')")).await;
        let cols_p = names(
            p,
            &format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \
            'public' AND table_name = '{t}'"
            ),
        )
        .await;
        assert_eq!(cols_s, cols_p, "columns of {t}");
    }
    // Named indexes (PostgreSQL also names the indexes behind its primary keys
    // and UNIQUE columns, which SQLite keeps unnamed).
    let idx_s = names(s, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").await;
    let idx_p: BTreeSet<String> = names(
        p,
        "SELECT i.relname::text FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT t.relispartition",
    )
    .await
    .into_iter()
    .filter(|i| !i.ends_with("_pkey") && !i.ends_with("_key") && !POSTGRES_ONLY_INDEXES.contains(&i.as_str()))
    .collect();
    assert_eq!(idx_s, idx_p, "indexes");
    let trig_s = names(s, "SELECT name FROM sqlite_schema WHERE type = 'trigger'").await;
    let trig_p = names(
        p,
        "SELECT DISTINCT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n \
            ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal",
    )
    .await;
    let mapped: BTreeSet<String> = trig_s
        .iter()
        .map(|t| TRIGGERS.iter().find(|(a, _)| a == t).map(|(_, b)| b.to_string()).unwrap_or_else(|| t.clone()))
        .collect();
    let mut expected = trig_p.clone();
    expected.remove("audit_log_no_truncate");
    expected.retain(|t| !POSTGRES_ONLY_TRIGGERS.contains(&t.as_str()));
    expected.remove("audit_head_no_truncate");
    assert_eq!(mapped, expected, "triggers (SQLite {trig_s:?}, PostgreSQL {trig_p:?})");
}
