//! Before a PostgreSQL backup is restored, its contents are checked against
//! what Guichet's migrations create (issue 17, item 11): a dump can carry a
//! function or a trigger that would run in the restored database (a guard
//! of the journal rewritten, a trigger that copies or deletes rows), or
//! objects Guichet never makes (a view, a rule, a policy, an extension).
//!
//! The reference is made on the target server itself: the migrations are run
//! in a scratch schema of the (empty) target database, read from the catalog
//! with every name qualified, and the schema is dropped. The dump is read
//! with `pg_restore --list` (what it holds) and `pg_restore --schema-only`
//! (its definitions); nothing of it is executed before it passes.

use crate::error::{ApiError, ApiResult};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// What the migrations make, with `public.` as the schema.
#[derive(Debug, Default)]
pub(crate) struct Reference {
    /// `(kind, name)`: `TABLE members`, `INDEX members_search`,
    /// `TRIGGER audit_log audit_log_no_update`, `FUNCTION audit_head_forward()`…
    pub names: BTreeSet<(String, String)>,
    /// Each trigger as `pg_get_triggerdef` writes it, by `table name`.
    pub triggers: BTreeMap<String, String>,
    /// Each function's body, by name.
    pub functions: BTreeMap<String, String>,
}

/// What the PostgreSQL migrations create, read on the server at `url`: they
/// run in a scratch schema of that (empty) database, the catalog is read with
/// every name qualified, then the schema is dropped.
pub(crate) async fn reference(url: &str) -> ApiResult<Reference> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .map_err(|e| ApiError::validation("url", format!("Base cible injoignable : {e}")))?;
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let schema = format!("guichet_reference_{}_{nanos}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.map_err(|e| {
        ApiError::validation(
            "url",
            format!(
                "Contrôle de la sauvegarde impossible : la base cible refuse un schéma de \
            travail ({e}) ; restaurez avec le rôle propriétaire."
            ),
        )
    })?;
    let (mut conn, read) = read_reference(conn, schema.clone()).await;
    let dropped = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    let r = read?;
    dropped?;
    Ok(r)
}

/// Runs the migrations in the scratch schema and reads its catalog; gives
/// the connection back for the schema to be dropped whatever happened.
async fn read_reference(mut conn: sqlx::AnyConnection, schema: String) -> (sqlx::AnyConnection, ApiResult<Reference>) {
    let r = read_reference_on(&mut conn, &schema).await;
    (conn, r)
}

async fn read_reference_on(conn: &mut sqlx::AnyConnection, schema: &str) -> ApiResult<Reference> {
    sqlx::query(&format!("SET search_path TO {schema}")).execute(&mut *conn).await?;
    super::POSTGRES_MIGRATIONS.run_direct(&mut *conn).await.map_err(ApiError::internal)?;
    // A year, and one set apart: what a site's dump holds of each (their
    // years differ, see `yearless`).
    sqlx::query("SELECT open_year(2000), open_year(2001)").execute(&mut *conn).await?;
    sqlx::query("SELECT journal_set_apart(2000), dossiers_set_apart(2000)").execute(&mut *conn).await?;
    // An empty search path: the catalog writes every name qualified, as pg_dump does.
    sqlx::query("SET search_path TO pg_catalog").execute(&mut *conn).await?;
    let mut r = Reference::default();
    let names: Vec<(String, String)> = sqlx::query_as(
        "SELECT CASE WHEN c.relkind IN ('i', 'I') THEN 'INDEX' WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, \
             c.relname::text \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', \
             'p', 'i', 'I', 'S') \
         UNION ALL SELECT CASE con.contype WHEN 'f' THEN 'FK CONSTRAINT' ELSE 'CONSTRAINT' END, cl.relname::text \
             || ' ' || con.conname::text \
         FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = \
             cl.relnamespace WHERE n.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    r.names.extend(names.into_iter().map(|(kind, name)| (kind, yearless(&name))));
    let triggers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON \
            c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    for (name, table, def) in triggers {
        let key = yearless(&format!("{table} {name}"));
        r.names.insert(("TRIGGER".into(), key.clone()));
        r.triggers.insert(key, yearless(&def.replace(&format!("{schema}."), "public.")));
    }
    // A dump's table of contents names a function with its arguments' types.
    let functions: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.proname::text, oidvectortypes(p.proargtypes), p.prosrc FROM pg_proc p JOIN pg_namespace n ON \
            n.oid = p.pronamespace WHERE n.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    for (name, arguments, body) in functions {
        r.names.insert(("FUNCTION".into(), format!("{name}({arguments})")));
        r.functions.insert(format!("{name}()"), body);
    }
    Ok(r)
}

/// A name with the years of the tables kept by year written `YYYY`
/// (`audit_log_2026`, `dossiers_2026_seq`, `care_lines_2026_dossier_id_idx`
/// → `…_YYYY…`): a site's dump holds the years it has, the reference those
/// of its making, and all are alike.
fn yearless(name: &str) -> String {
    const STEMS: [&str; 3] = ["audit_log_", "dossiers_", "care_lines_"];
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some((i, stem)) = STEMS.iter().filter_map(|s| rest.find(s).map(|i| (i, s))).min() {
        let after = &rest[i + stem.len()..];
        out.push_str(&rest[..i + stem.len()]);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 4 {
            out.push_str("YYYY");
            rest = &after[4..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The kinds of entry a Guichet backup holds. Anything else is refused.
/// (A partition's table and indexes are each also attached to their parent.)
const KINDS: [&str; 14] = [
    "TABLE DATA",
    "TABLE ATTACH",
    "INDEX ATTACH",
    "FK CONSTRAINT",
    "SEQUENCE SET",
    "SEQUENCE OWNED BY",
    "TABLE",
    "INDEX",
    "CONSTRAINT",
    "SEQUENCE",
    "DEFAULT",
    "TRIGGER",
    "FUNCTION",
    "SCHEMA",
];

/// The kinds whose names must be among the migrations' (data, defaults and
/// sequence settings follow their table).
const NAMED: [&str; 7] = ["TABLE", "INDEX", "CONSTRAINT", "FK CONSTRAINT", "SEQUENCE", "TRIGGER", "FUNCTION"];

fn refuse(message: String) -> ApiError {
    ApiError::validation("file", format!("{message} : rien n'a été restauré."))
}

fn kind_fr(kind: &str) -> &'static str {
    match kind {
        "TABLE" => "la table",
        "INDEX" => "l'index",
        "TRIGGER" => "le déclencheur",
        "FUNCTION" => "la fonction",
        "SEQUENCE" => "la séquence",
        "CONSTRAINT" | "FK CONSTRAINT" => "la contrainte",
        _ => "l'objet",
    }
}

fn pg_restore(args: &[&str], src: &Path) -> ApiResult<String> {
    let out = super::backup::run_client(Command::new("pg_restore").args(args).arg(src), "file")?;
    if !out.status.success() {
        return Err(ApiError::validation(
            "file",
            format!("Sauvegarde illisible par pg_restore : {}", String::from_utf8_lossy(&out.stderr).trim()),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The entries of a dump's table of contents: `(kind, schema, name)`.
/// A line reads `ID; CATALOG OID KIND SCHEMA NAME OWNER`.
fn entries(list: &str) -> ApiResult<Vec<(String, String, String)>> {
    let mut out = vec![];
    for line in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with(';')) {
        let rest = line.splitn(4, ' ').nth(3).unwrap_or("");
        let Some(kind) = KINDS.iter().find(|k| rest.starts_with(&format!("{k} "))) else {
            let kind: String =
                rest.split(' ').take_while(|w| w.chars().all(|c| c.is_ascii_uppercase())).collect::<Vec<_>>().join(" ");
            return Err(refuse(format!(
                "La sauvegarde contient un objet de type {kind} ({line}), que Guichet ne crée pas"
            )));
        };
        let rest = &rest[kind.len() + 1..];
        let (schema, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        // The owner is the last word; the name is what lies between.
        let name = rest.rsplit_once(' ').map(|(n, _)| n).unwrap_or(rest);
        out.push((kind.to_string(), schema.to_string(), name.to_string()));
    }
    Ok(out)
}

/// `CREATE TRIGGER name … ON public.table …;` statements of a schema-only
/// script, by `table name`, their years written `YYYY`.
fn dumped_triggers(script: &str) -> BTreeMap<String, String> {
    script
        .lines()
        .filter(|l| l.starts_with("CREATE TRIGGER ") || l.starts_with("CREATE CONSTRAINT TRIGGER "))
        .map(|l| {
            let name = l
                .trim_start_matches("CREATE CONSTRAINT TRIGGER ")
                .trim_start_matches("CREATE TRIGGER ")
                .split(' ')
                .next()
                .unwrap_or("");
            let table = l.split(" ON ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or("");
            let table = table.trim_start_matches("public.");
            (yearless(&format!("{table} {name}")), yearless(l.trim_end_matches(';')))
        })
        .collect()
}

/// Function bodies of a schema-only script, by `name()`: what lies between
/// the dollar quotes after `AS`.
fn dumped_functions(script: &str) -> ApiResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut rest = script;
    while let Some(i) = rest.find("CREATE FUNCTION ") {
        let after = &rest[i + "CREATE FUNCTION ".len()..];
        let head = after.split('(').next().unwrap_or("");
        let name = head.rsplit('.').next().unwrap_or(head).to_string();
        let body_start = after.find(" AS $").ok_or_else(|| {
            refuse(format!("La fonction « {name} » de la sauvegarde n'a pas la forme de celles de Guichet"))
        })?;
        let quoted = &after[body_start + 4..];
        let tag_end = quoted[1..]
            .find('$')
            .map(|j| j + 2)
            .ok_or_else(|| refuse(format!("La fonction « {name} » de la sauvegarde est illisible")))?;
        let tag = &quoted[..tag_end];
        let body = &quoted[tag_end..];
        let end =
            body.find(tag).ok_or_else(|| refuse(format!("La fonction « {name} » de la sauvegarde est illisible")))?;
        out.insert(format!("{name}()"), body[..end].to_string());
        rest = &body[end + tag.len()..];
    }
    Ok(out)
}

/// Checks the dump `src` against `reference`; the first difference refuses it.
pub(crate) fn check(src: &Path, reference: &Reference) -> ApiResult<()> {
    let list = pg_restore(&["--list"], src)?;
    for (kind, schema, name) in entries(&list)? {
        let name = yearless(&name);
        // A partition attached: its table or index is named by its own entry.
        let kind = kind.trim_end_matches(" ATTACH").to_string();
        if kind == "SCHEMA" {
            if name != "public" {
                return Err(refuse(format!("La sauvegarde contient le schéma « {name} », que Guichet ne crée pas")));
            }
            continue;
        }
        if schema != "public" {
            return Err(refuse(format!("La sauvegarde contient {} « {name} » hors du schéma public", kind_fr(&kind))));
        }
        if NAMED.contains(&kind.as_str())
            && !reference.names.contains(&(kind.clone(), name.clone()))
            && !(kind == "TABLE" && name == "_sqlx_migrations")
        {
            return Err(refuse(format!(
                "La sauvegarde contient {} « {name} », que Guichet ne crée pas",
                kind_fr(&kind)
            )));
        }
    }
    let script = pg_restore(&["--schema-only", "--file=-"], src)?;
    for (key, def) in dumped_triggers(&script) {
        if reference.triggers.get(&key) != Some(&def) {
            let (table, name) = key.split_once(' ').unwrap_or(("", &key));
            return Err(refuse(format!(
                "Dans la sauvegarde, le déclencheur « {name} » n'est pas celui de Guichet (table « {table} »)"
            )));
        }
    }
    for (name, body) in dumped_functions(&script)? {
        if reference.functions.get(&name) != Some(&body) {
            return Err(refuse(format!("Dans la sauvegarde, la fonction « {name} » n'est pas celle de Guichet")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_contents_is_read_entry_by_entry() {
        let list =
            "; Archive created at 2026-12-02\n;\n291; 1255 2748570 FUNCTION public audit_head_forward() guichet\n\
                    3666; 2620 2748571 TRIGGER public audit_head audit_head_forward guichet\n\
                    3432; 2604 2748564 DEFAULT public batch_runs id guichet\n\
                    3500; 0 2748564 TABLE DATA public members guichet\n";
        let e = entries(list).unwrap();
        assert_eq!(e[0], ("FUNCTION".into(), "public".into(), "audit_head_forward()".into()));
        assert_eq!(e[1], ("TRIGGER".into(), "public".into(), "audit_head audit_head_forward".into()));
        assert_eq!(e[3], ("TABLE DATA".into(), "public".into(), "members".into()));
        let err = entries("12; 2618 1 RULE public members purge guichet\n").unwrap_err();
        assert!(err.message.contains("un objet de type RULE"), "{}", err.message);
    }

    #[test]
    fn the_journals_years_are_named_alike() {
        assert_eq!(yearless("audit_log_2026"), "audit_log_YYYY");
        assert_eq!(
            yearless("audit_log_2026_entity_type_entity_id_at_id_idx"),
            "audit_log_YYYY_entity_type_entity_id_at_id_idx"
        );
        assert_eq!(yearless("audit_log_other"), "audit_log_other");
        assert_eq!(yearless("audit_log_seq"), "audit_log_seq");
        assert_eq!(yearless("members_2026"), "members_2026");
        assert_eq!(yearless("dossiers_2026_seq"), "dossiers_YYYY_seq");
        assert_eq!(
            yearless("care_lines_2026_beneficiary_id_family_act_date_idx"),
            "care_lines_YYYY_beneficiary_id_family_act_date_idx"
        );
        let script = "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log_2025 FOR EACH \
            STATEMENT EXECUTE FUNCTION public.audit_log_append_only();\n";
        let t = dumped_triggers(script);
        assert_eq!(
            t["audit_log_YYYY audit_log_no_truncate"],
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log_YYYY FOR EACH STATEMENT \
            EXECUTE FUNCTION public.audit_log_append_only()"
        );
    }

    #[test]
    fn function_bodies_are_read_between_their_dollar_quotes() {
        let script = "CREATE FUNCTION public.f() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN RETURN \
            NEW; END $$;\n\n\
                      CREATE FUNCTION public.g() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $_$\nBEGIN RAISE \
                          '$$'; END $_$;\n";
        let f = dumped_functions(script).unwrap();
        assert_eq!(f["f()"], "\nBEGIN RETURN NEW; END ");
        assert_eq!(f["g()"], "\nBEGIN RAISE '$$'; END ");
    }
}
