//! A `guichet serve` process for the tests that run the real binaries (the
//! CLI suite, the crash tests), and the CLI pointed at it.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

/// A `guichet serve` process on a self-signed certificate; its address and fingerprint.
pub struct Served {
    pub child: std::process::Child,
    pub url: String,
    pub fingerprint: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(db: &str, tls_dir: &std::path::Path, port: u16) -> Served {
    serve_as(db, tls_dir, port, &["--allow-owner"])
}

pub fn serve_as(db: &str, tls_dir: &std::path::Path, port: u16, extra: &[&str]) -> Served {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .arg("--database")
        .arg(db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--self-signed", tls_dir.to_str().unwrap()])
        .args(extra)
        .env_remove("GUICHET_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn guichet serve");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Guichet écoute sur https://127.0.0.1:"), "{first}");
    let fingerprint = second.rsplit(" : ").next().unwrap().to_string();
    Served { child, url: format!("https://127.0.0.1:{port}"), fingerprint }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The CLI through a server: no database address on the administrator's
/// machine, the same commands and answers; commands of the database's
/// machine refused.
pub fn remote(s: &Served, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.args(["--server", &s.url, "--server-fingerprint", &s.fingerprint])
        .args(args)
        .env_remove("GUICHET_DATABASE_URL")
        .env_remove("GUICHET_PASSWORD");
    if let Some(p) = password {
        cmd.env("GUICHET_PASSWORD", p);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).output().unwrap()
}
