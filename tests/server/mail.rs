//! The members' messages through a real mail server (Debian's aiosmtpd on
//! loopback, storing what it receives in a Maildir): a code sent by e-mail
//! arrives at the address on file and activates the member's space; an SMS
//! goes through the site's e-mail-to-SMS gateway, or is refused without one;
//! a mail server that does not answer leaves no code behind and says so.

use crate::support::TestDb;
use crate::system;
use guichet_core::api::{Api, Caller, Desk};
use guichet_core::portal::accounts::{self, Activation};
use guichet_core::ErrorCode;
use guichet_server::mail::{SmtpOutbox, SmtpSettings};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

crate::on_both_backends!(a_code_sent_by_the_mail_server_reaches_the_member_and_opens_his_space,);

/// aiosmtpd listening on a free loopback port, storing mail in `maildir`.
struct MailServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl MailServer {
    fn start(dir: &Path) -> MailServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = dir.join("maildir");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 -m aiosmtpd (Debian's python3-aiosmtpd, installed by scripts/setup.sh)");
        let mut server = MailServer { child, port, maildir };
        // Python's start-up takes a few seconds on a loaded machine.
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("aiosmtpd stopped at once ({status})");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start on port {port} in 30 s");
    }

    /// Every message received: its headers and its decoded body.
    fn received(&self) -> Vec<(String, String)> {
        let Ok(dir) = std::fs::read_dir(self.maildir.join("new")) else { return vec![] };
        dir.map(|e| {
            let raw = std::fs::read_to_string(e.unwrap().path()).unwrap().replace("\r\n", "\n");
            let (head, body) = raw.split_once("\n\n").unwrap();
            assert!(head.contains("Content-Transfer-Encoding: base64"), "{head}");
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD.decode(body.replace('\n', "").trim()).unwrap();
            (head.to_string(), String::from_utf8(bytes).unwrap())
        })
        .collect()
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn desk(db: &guichet_core::storage::Db, outbox: SmtpOutbox) -> Desk {
    Desk::with_caller(Api::new(db.clone()).with_outbox(Arc::new(outbox)), Caller::System { os_user: "test".into() })
}

async fn a_code_sent_by_the_mail_server_reaches_the_member_and_opens_his_space(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mail = MailServer::start(dir.path());
    let m = json!({"matricule": "13059", "last_name": "Benhnini", "first_name": "Fouad", "status": "actif",
        "cnie": "BE100200", "email": "fouad.benhnini@example.ma", "gsm": "06 61 22 33 44"});
    let member = system(&t.db, "member_create", m).await["id"].as_i64().unwrap();
    let settings = |gateway: Option<&str>, port: u16| SmtpSettings {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Mutuelle MUPRAS <ne-pas-repondre@mupras.example>".into(),
        sms_gateway: gateway.map(String::from),
    };

    // By e-mail: to the address on file, from the site's sender, in French.
    let d = desk(&t.db, SmtpOutbox::new(&settings(None, mail.port)).unwrap());
    let sent = d.call("portal_code_send", json!({"member_id": member, "purpose": "activation", "channel": "email"}));
    assert_eq!(sent.await.unwrap()["sent_to"], "f…@example.ma");
    let got = mail.received();
    assert_eq!(got.len(), 1);
    let (head, body) = &got[0];
    assert!(head.contains("To: fouad.benhnini@example.ma"), "{head}");
    assert!(head.contains("From: \"Mutuelle MUPRAS\" <ne-pas-repondre@mupras.example>"), "{head}");
    let code = body.split("activer votre espace adhérent : ").nth(1).unwrap()[..9].to_string();
    let a = Activation { matricule: "13059".into(), cnie: "BE100200".into(), code, password: "Portail2026".into() };
    accounts::activate(&t.db, d.api().now(), &a).await.unwrap();

    // By SMS: refused without a gateway, sent through one otherwise.
    let sms = json!({"member_id": member, "purpose": "reset", "channel": "sms"});
    let e = d.call("portal_code_send", sms.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
    assert!(e.message.starts_with("Aucune passerelle SMS n'est configurée"), "{}", e.message);
    let d = desk(&t.db, SmtpOutbox::new(&settings(Some("sms.example.ma"), mail.port)).unwrap());
    d.call("portal_code_send", sms.clone()).await.unwrap();
    let got = mail.received();
    assert_eq!(got.len(), 2);
    assert!(got.iter().any(|(head, _)| head.contains("To: 212661223344@sms.example.ma")), "{got:?}");

    // A mail server that does not answer: the desk is told, and no code is left live.
    let port = mail.port;
    drop(mail);
    let d = desk(&t.db, SmtpOutbox::new(&settings(None, port)).unwrap());
    let email = json!({"member_id": member, "purpose": "reset", "channel": "email"});
    let e = d.call("portal_code_send", email).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
    assert!(e.message.starts_with("Le serveur de messagerie n'a pas pris le message"), "{}", e.message);
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_codes WHERE used_at IS NULL AND purpose = 'reset'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(live, 0, "a code that could not leave is spent");

    // The portal's own messages go through a queue: a mail server that
    // takes the connection and never answers does not hold the member's
    // answer (a desk waiting on it would wait its 20 s).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api = Api::new(t.db.clone())
        .with_outbox(Arc::new(SmtpOutbox::new(&settings(None, silent.local_addr().unwrap().port())).unwrap()));
    let started = std::time::Instant::now();
    accounts::forgot(&t.db, api.now(), "13059", api.queued_outbox()).await.unwrap();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(5), "the answer did not wait on the mail server: {took:?}");
    assert!(took >= accounts::CODE_REFUSAL_PACE, "and took the pace, as for anyone: {took:?}");

    // A password would travel in the clear to another machine: refused at start.
    let far = SmtpSettings { url: "smtp://user:secret@mail.example.ma".into(), ..settings(None, 25) };
    let e = SmtpOutbox::new(&far).err().unwrap();
    assert!(e.contains("joignez-le en TLS"), "{e}");
    let tls = SmtpSettings { url: "smtps://user:secret@mail.example.ma".into(), ..settings(None, 25) };
    assert!(SmtpOutbox::new(&tls).is_ok());
}
