//! Where the messages to a member go (his codes, his acknowledgements of
//! receipt): one interface, with a folder of message files here (what a site
//! can hand to its own sender) and SMTP in the server (`guichet serve
//! --smtp-url`). A message goes to the address or GSM on file, never to one
//! typed on the portal.

use crate::error::{ApiError, ApiResult};
use std::path::PathBuf;

/// How a code reaches the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "SendChannel")]
pub enum Channel {
    /// Printed by the desk on a letter (handed over or posted).
    Letter,
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Letter => "letter",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub channel: Channel,
    /// The e-mail address or the GSM number on file.
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Where a message to `m` goes: the e-mail on file, else his GSM; none
/// without either.
pub fn on_file(m: &crate::members::Member) -> Option<(Channel, String)> {
    match (&m.email, &m.gsm) {
        (Some(e), _) => Some((Channel::Email, e.clone())),
        (None, Some(g)) => Some((Channel::Sms, g.clone())),
        (None, None) => None,
    }
}

/// Tells `m` something by what is on file (nothing without a sender or an
/// address); a message that cannot leave is logged: what it tells stands.
pub async fn tell(outbox: Option<&dyn Outbox>, m: &crate::members::Member, subject: &str, body: String) {
    let (Some(outbox), Some((channel, to))) = (outbox, on_file(m)) else { return };
    let message = Message { channel, to, subject: subject.to_string(), body };
    if let Err(e) = outbox.send(&message).await {
        tracing::warn!(subject, error = %e.message, "avis à l'adhérent non envoyé");
    }
}

/// A message on its way: done once the sender has taken it.
pub type Sending<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 'a>>;

/// Sends messages; fails with a French message when it cannot (the desk
/// then says so, and prints a letter instead).
pub trait Outbox: Send + Sync {
    fn send<'a>(&'a self, m: &'a Message) -> Sending<'a>;
}

/// Writes each message as a text file in a folder (`<time>-<channel>.txt`,
/// the recipient in its first line).
pub struct FolderOutbox {
    pub dir: PathBuf,
}

impl Outbox for FolderOutbox {
    fn send<'a>(&'a self, m: &'a Message) -> Sending<'a> {
        Box::pin(async move { self.write(m) })
    }
}

impl FolderOutbox {
    fn write(&self, m: &Message) -> ApiResult<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| ApiError::new(crate::error::ErrorCode::Unavailable, format!("Envoi impossible : {e}.")))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f");
        let path = self.dir.join(format!("{stamp}-{}.txt", m.channel.code()));
        let text = format!("À : {}\nObjet : {}\n\n{}\n", m.to, m.subject, m.body);
        std::fs::write(&path, text)
            .map_err(|e| ApiError::new(crate::error::ErrorCode::Unavailable, format!("Envoi impossible : {e}.")))
    }
}

/// Messages the portal's own requests send (a reset code, a receipt, a
/// warning that the space was locked): handed to a queue and sent by a task
/// of their own, so that an answer never waits on the mail server and takes
/// as long whether a message left or not. A message that cannot be sent is
/// logged; one that finds the queue full is refused at once.
pub struct Queued {
    inner: std::sync::Arc<dyn Outbox>,
    queue: std::sync::OnceLock<tokio::sync::mpsc::Sender<Message>>,
}

/// Messages waiting at most.
const QUEUE: usize = 1_000;

impl Queued {
    pub fn new(inner: std::sync::Arc<dyn Outbox>) -> Queued {
        Queued { inner, queue: std::sync::OnceLock::new() }
    }

    /// The queue, its sending task started on first use (within the runtime).
    fn sender(&self) -> &tokio::sync::mpsc::Sender<Message> {
        self.queue.get_or_init(|| {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(QUEUE);
            let inner = self.inner.clone();
            tokio::spawn(async move {
                while let Some(m) = rx.recv().await {
                    if let Err(e) = inner.send(&m).await {
                        tracing::warn!(channel = m.channel.code(), error = %e.message, "message non envoyé");
                    }
                }
            });
            tx
        })
    }
}

impl Outbox for Queued {
    fn send<'a>(&'a self, m: &'a Message) -> Sending<'a> {
        Box::pin(async move {
            self.sender().try_send(m.clone()).map_err(|_| {
                ApiError::new(
                    crate::error::ErrorCode::Unavailable,
                    "Trop de messages en attente d'envoi : réessayez dans quelques minutes.",
                )
            })
        })
    }
}
