//! Fuzzing with proptest: the roster import fed random and mutated files, the
//! command layer fed random JSON for every operation. The properties: never a
//! panic, never an internal error — every refusal is a French message naming
//! what is wrong. The seed corpus is in `tests/fuzz/corpus/` (files and
//! requests of the tests, mutated byte by byte); failures proptest finds are
//! kept in `tests/fuzz/main.proptest-regressions` and replayed first.
//!
//! Each target runs for `GUICHET_FUZZ_SECONDS` (20 by default, the short run
//! of the README's test command); the long run is documented in
//! docs/RELIABILITY.md: `GUICHET_FUZZ_SECONDS=600 cargo test --release --test fuzz`.

use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use guichet_core::ErrorCode;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn budget() -> Duration {
    Duration::from_secs(std::env::var("GUICHET_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20))
}

fn corpus(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus").join(kind)
}

fn runner() -> TestRunner {
    let regressions: &'static str =
        Box::leak(format!("{}/tests/fuzz/main.proptest-regressions", env!("CARGO_MANIFEST_DIR")).into_boxed_str());
    TestRunner::new(Config {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    })
}

/// Operations write files where a request says: every path a fuzzed request
/// names is moved into `dir`, so the fuzzer never writes outside it.
fn confine(v: &mut Value, dir: &Path) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if matches!(k.as_str(), "path" | "folder" | "files" | "file") {
                    let name = format!(
                        "f{:x}",
                        x.to_string().bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
                    );
                    *x = Value::from(dir.join(name).to_string_lossy().to_string());
                } else {
                    confine(x, dir);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| confine(x, dir)),
        _ => {}
    }
}

/// The case about to run, kept in `target/fuzz-last-<target>.<ext>`: an
/// abort (an allocation the system refuses) ends the process before proptest
/// can save what failed, and this file is then the input to replay.
fn last_case(target: &str, ext: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap_or(Path::new("."));
    let _ = std::fs::write(dir.join(format!("fuzz-last-{target}.{ext}")), bytes);
}

/// A seed file with bytes changed, cut short or grown; or random bytes.
fn file_bytes(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..3000),
        (
            0..n,
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
            any::<prop::sample::Index>(),
            any::<bool>()
        )
            .prop_map(move |(i, flips, cut, truncate)| {
                let mut b = seeds[i].clone();
                for (at, byte) in flips {
                    if !b.is_empty() {
                        let k = at.index(b.len());
                        b[k] = byte;
                    }
                }
                if truncate && !b.is_empty() {
                    b.truncate(cut.index(b.len()));
                }
                b
            }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_answers_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}", dir.path().join("fuzz.sqlite3").display())).await.unwrap();
    let api = Api::new(db);
    let seeds: Vec<Vec<u8>> =
        std::fs::read_dir(corpus("import")).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
    let strategy = (file_bytes(seeds), prop::sample::select(vec!["xlsx", "xls", "ods", "csv"]));
    let handle = tokio::runtime::Handle::current();
    let end = Instant::now() + budget();
    let mut cases = 0u64;
    while Instant::now() < end {
        let result = tokio::task::block_in_place(|| {
            runner().run(&strategy, |(bytes, ext)| {
                let path = dir.path().join(format!("f.{ext}"));
                std::fs::write(&path, &bytes).unwrap();
                last_case("import", ext, &bytes);
                let mut sys = Caller::System { os_user: "fuzz".into() };
                let r = handle.block_on(api.call(
                    &mut sys,
                    "member_import",
                    json!({"file": path.to_str().unwrap(), "dry_run": true}),
                ));
                if let Err(e) = r {
                    prop_assert!(
                        e.code != ErrorCode::Internal,
                        "internal error on {} bytes: {}",
                        bytes.len(),
                        e.message
                    );
                    prop_assert!(!e.message.is_empty());
                }
                Ok(())
            })
        });
        result.unwrap();
        cases += 64;
    }
    eprintln!("import: {cases} files, no panic, no internal error");
}

/// Random JSON, shaped like requests: objects with the field names operations use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        prop::sample::select(vec![
            "2026-11-23",
            "31/02/1990",
            "13059",
            "M26-0000001",
            "1 100,00",
            "-5",
            "0",
            "maladie",
            "grant",
            "rib",
            "\u{202E}",
            "'; DROP TABLE members; --"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let keys = prop::sample::select(vec![
            "id",
            "version",
            "matricule",
            "last_name",
            "first_name",
            "birth_date",
            "query",
            "path",
            "member_id",
            "beneficiary_id",
            "kind",
            "type",
            "decision",
            "lines",
            "date",
            "act",
            "quantity",
            "charged",
            "grants",
            "change",
            "files",
            "status",
            "from",
            "to",
            "rib",
            "email",
            "move",
            "reason",
            "collection_id",
            "form_number",
            "total_claimed",
        ]);
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// A desk's SQLite file in `dir` with something to find: the seed
/// requests' member, urn and collection.
async fn seeded(dir: &Path) -> Api {
    let db = Db::open(&format!("sqlite://{}", dir.join("fuzz.sqlite3").display())).await.unwrap();
    let api = Api::new(db);
    let mut sys = Caller::System { os_user: "fuzz".into() };
    for line in std::fs::read_to_string(corpus("json").join("requests.jsonl")).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let _ = api.call(&mut sys, v["op"].as_str().unwrap(), v["request"].clone()).await;
    }
    api
}

/// Every operation but the logout, which would end the caller's session.
fn operations() -> Vec<&'static str> {
    guichet_core::api::ops::all().iter().map(|o| o.name).filter(|n| *n != "session_logout").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_layer_answers_any_json() {
    let dir = tempfile::tempdir().unwrap();
    let api = seeded(dir.path()).await;
    let out = dir.path().join("written");
    std::fs::create_dir_all(&out).unwrap();
    let names = operations();
    let seeds: Vec<Value> = std::fs::read_to_string(corpus("json").join("requests.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["request"].clone())
        .collect();
    let strategy = (prop::sample::select(names), prop_oneof![json_value(), prop::sample::select(seeds)]);
    let handle = tokio::runtime::Handle::current();
    let end = Instant::now() + budget();
    let mut cases = 0u64;
    while Instant::now() < end {
        let result = tokio::task::block_in_place(|| {
            runner().run(&strategy, |(op, mut request)| {
                confine(&mut request, &out);
                last_case("json", "json", format!("{op} {request}").as_bytes());
                let mut caller = Caller::System { os_user: "fuzz".into() };
                let r = handle.block_on(api.call(&mut caller, op, request.clone()));
                if let Err(e) = r {
                    prop_assert!(e.code != ErrorCode::Internal, "{op} {request}: internal error: {}", e.message);
                    prop_assert!(!e.message.is_empty());
                }
                Ok(())
            })
        });
        result.unwrap();
        cases += 64;
    }
    eprintln!("command layer: {cases} requests, no panic, no internal error");
}

/// What random JSON reaches only by chance (`member_rights {"member_id": 0}`
/// did, once in many runs): every operation asked about a record that does
/// not exist, by each name an id goes by, alone or with a version. The
/// answer is a refusal in French, never an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_refuses_an_unknown_id_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let api = seeded(dir.path()).await;
    let keys = [
        "id",
        "member_id",
        "beneficiary_id",
        "dossier_id",
        "grant_id",
        "urn_id",
        "request_id",
        "provider_id",
        "batch_id",
        "collection_id",
    ];
    let mut refused = 0;
    for op in operations() {
        for key in keys {
            for id in [0i64, -1, 987_654_321] {
                for request in [json!({ key: id }), json!({ key: id, "version": 1 })] {
                    let mut caller = Caller::System { os_user: "fuzz".into() };
                    if let Err(e) = api.call(&mut caller, op, request.clone()).await {
                        assert!(e.code != ErrorCode::Internal, "{op} {request}: internal error");
                        assert!(!e.message.is_empty(), "{op} {request}: no message");
                        refused += 1;
                    }
                }
            }
        }
    }
    assert!(refused > 1_000, "only {refused} refusals: the sweep did not reach the operations");
}
