//! Issue 32's figures for the drug reference list (run with `cargo bench
//! --bench drugs`; with `GUICHET_TEST_POSTGRES_URL` also on PostgreSQL):
//! importing a 6,000-drug list under 1 s, beside merely parsing the same
//! file in the same run (the ratio); finding a drug by code p99 < 2 ms, by
//! name or DCI p99 < 10 ms, through the command layer as a desk calls it.
//! The list is written as the fund publishes it (an index column, `-` and
//! `nan` for missing values, quoted names with commas, comma decimals).
//! `BENCH_DRUGS` changes its size.

#[path = "support/postgres.rs"]
mod postgres;

use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use serde_json::json;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).min(v.len()) - 1].as_secs_f64() * 1000.0
}

const DCI: [&str; 12] = [
    "PARACETAMOL",
    "AMOXICILLINE",
    "ROSUVASTATINE",
    "METFORMINE",
    "OMEPRAZOLE",
    "IBUPROFENE",
    "AMLODIPINE",
    "LEVOTHYROXINE",
    "CHOLÉCALCIFÉROL",
    "SALBUTAMOL",
    "DICLOFENAC",
    "CEFTRIAXONE",
];

/// A published list of `n` drugs.
fn list(n: usize) -> String {
    let mut s = String::from(
        ",CODE,NOM,DCI1,DOSAGE1,UNITE_DOSAGE1,FORME,PRESENTATION,PPV,PH,PRIX_BR,PRINCEPS_GENERIQUE,\
        TAUX_REMBOURSEMENT\n",
    );
    for i in 0..n {
        let dci = DCI[i % DCI.len()];
        let ppv = 1_000 + (i * 7_919) % 200_000;
        let br = if i % 3 == 0 { ppv * 6 / 10 } else { ppv };
        let missing = i % 97 == 0;
        s.push_str(&format!(
            "{i},{},\"{} {}, LAB {}\",{dci},{},MG,COMPRIME,BOITE DE {},\"{},{:02}\",{},{},{},{}\n",
            6_118_000_000_000u64 + i as u64 * 7,
            ["DOLI", "AUGMEN", "CRESTO", "GLUCO", "MOPRAL", "ADVI"][i % 6],
            i,
            i % 40,
            (i % 4 + 1) * 10,
            10 * (i % 5 + 1),
            ppv / 100,
            ppv % 100,
            if i % 2 == 0 { "-" } else { "nan" },
            if missing { "-".to_string() } else { format!("{}.{:02}", br / 100, br % 100) },
            if i % 3 == 0 { "P" } else { "G" },
            if i % 50 == 0 { "0%" } else { "70%" }
        ));
    }
    s
}

async fn run(label: &str, url: &str, n: usize, file: &std::path::Path) {
    let db = Db::open(url).await.unwrap();
    let api = Api::new(db);
    let mut sys = Caller::System { os_user: "bench".into() };
    let import = |from: &str| json!({"file": file.to_str().unwrap(), "effective_from": from});
    let t = Instant::now();
    let r = api.call_local(&mut sys, "drug_import", import("2026-01-01")).await.unwrap();
    let imported = t.elapsed();
    assert_eq!(r["drugs"].as_u64(), Some(n as u64));
    let bytes = std::fs::read(file).unwrap();
    let t = Instant::now();
    let parsed = guichet_core::drugs::file::read(&bytes).unwrap();
    let parse = t.elapsed();
    assert_eq!(parsed.len(), n);
    println!(
        "{label}: import of {n} drugs {:.0} ms (target < 1 000 ms); parsing alone {:.0} ms; ratio {:.1}",
        imported.as_secs_f64() * 1000.0,
        parse.as_secs_f64() * 1000.0,
        imported.as_secs_f64() / parse.as_secs_f64()
    );
    let t = Instant::now();
    let r = api.call_local(&mut sys, "drug_import", import("2026-06-01")).await.unwrap();
    assert_eq!(r["identical"].as_bool(), Some(true));
    println!("{label}: the same list again (compared, nothing written) {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);

    let mut by_code = vec![];
    let mut by_name = vec![];
    for k in 0..1_100usize {
        let code = 6_118_000_000_000u64 + ((k * 7_919) % n) as u64 * 7;
        let t = Instant::now();
        let r = api.call(&mut sys, "drug_find", json!({"query": code.to_string()})).await.unwrap();
        if k >= 100 {
            by_code.push(t.elapsed());
        }
        assert_eq!(r["drugs"][0]["code"], code.to_string());
        let query = format!("{} {}", DCI[k % DCI.len()].to_lowercase(), ["doli", "augmen", "cresto"][k % 3]);
        let t = Instant::now();
        api.call(&mut sys, "drug_find", json!({"query": query})).await.unwrap();
        if k >= 100 {
            by_name.push(t.elapsed());
        }
    }
    println!(
        "{label}: find by code p50 {:.2} ms, p99 {:.2} ms (target < 2 ms); by name or DCI p50 {:.2} ms, p99 {:.2} ms \
        (target < 10 ms)",
        pct(by_code.clone(), 0.5),
        pct(by_code, 0.99),
        pct(by_name.clone(), 0.5),
        pct(by_name, 0.99)
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_DRUGS").ok().and_then(|v| v.parse().ok()).unwrap_or(6_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("referentiel.csv");
    std::fs::write(&file, list(n)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("drugs.sqlite3").display());
        run("SQLite", &url, n, &file).await;
        let file = file.clone();
        postgres::with_database("drugs", |url| async move { run("PostgreSQL", &url, n, &file).await }).await;
    });
}
