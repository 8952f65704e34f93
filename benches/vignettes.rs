//! Issue 32's figures for the vignettes read from scans (run with `cargo
//! bench --bench vignettes`): on a generated set of 200 pages (A4 at 200
//! dpi, 1 to 8 vignettes a page turned up to 8°, noise, JPEG at quality 70,
//! a page in five a PDF, one in ten a PNG), at least 95 % of the vignettes
//! read, no code invented, under 300 ms a page. `BENCH_PAGES` changes the
//! size of the set, `BENCH_SEED` the set.

#[path = "../tests/support/scans.rs"]
mod scans;

use guichet_core::drugs::vignettes::{pages, Page};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).min(v.len()) - 1].as_secs_f64() * 1000.0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_PAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("BENCH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026);
    let drugs: Vec<String> = (0..40).map(|i| scans::ean13(&format!("6118{:08}", 1000 + i * 7919))).collect();
    let t = Instant::now();
    let set = scans::set(n, seed, &drugs);
    println!("{n} pages generated in {:.1} s (not measured below)", t.elapsed().as_secs_f64());
    let (mut expected, mut read, mut invented, mut unreadable) = (0usize, 0usize, 0usize, 0usize);
    let mut times = vec![];
    for (i, p) in set.iter().enumerate() {
        let t = Instant::now();
        let out = pages(&p.bytes);
        times.push(t.elapsed());
        let mut want: BTreeMap<&str, i64> = BTreeMap::new();
        for c in &p.codes {
            *want.entry(c).or_default() += 1;
        }
        expected += p.codes.len();
        for page in &out {
            match page {
                Page::Read(codes) => {
                    for c in codes {
                        match want.get_mut(c.as_str()) {
                            Some(k) if *k > 0 => {
                                *k -= 1;
                                read += 1;
                            }
                            _ => {
                                invented += 1;
                                println!("page {} ({:?}): code {c} read but not on the page", i + 1, p.format);
                            }
                        }
                    }
                }
                Page::Unreadable(why) => {
                    unreadable += 1;
                    println!("page {} ({:?}) unreadable: {why}", i + 1, p.format);
                }
            }
        }
    }
    let total: Duration = times.iter().sum();
    println!(
        "vignettes: {read} of {expected} read ({:.1} %, target ≥ 95 %), {invented} invented (target 0), {unreadable} \
        page(s) unreadable",
        100.0 * read as f64 / expected as f64
    );
    println!(
        "time a page: mean {:.0} ms, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (target < 300 ms)",
        total.as_secs_f64() * 1000.0 / n as f64,
        pct(times.clone(), 0.5),
        pct(times.clone(), 0.99),
        pct(times, 1.0)
    );
}
