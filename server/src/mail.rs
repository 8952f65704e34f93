//! The members' messages (their codes, their acknowledgements of receipt)
//! sent by the site's mail server over SMTP (`guichet serve --smtp-url`):
//! e-mails to the address on file, and SMS through an e-mail-to-SMS gateway
//! when the site has one (`<GSM>@<gateway>`). The caller waits for the mail
//! server's answer, so that a desk is told at once when a code could not
//! leave and prints a letter instead.

use guichet_core::error::{ApiError, ErrorCode};
use guichet_core::portal::outbox::{Channel, Message, Outbox, Sending};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How the site's mail server is reached.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// `smtps://user:password@mail.example.ma` (TLS), `smtp://…?tls=required`
    /// (STARTTLS), `smtp://127.0.0.1:25` (plain, on this machine only).
    pub url: String,
    /// `Mutuelle <ne-pas-repondre@mutuelle.ma>`.
    pub from: String,
    /// The domain of an e-mail-to-SMS gateway: a message to a GSM goes to
    /// `<digits>@<gateway>`. None: the site sends no SMS.
    pub sms_gateway: Option<String>,
}

pub struct SmtpOutbox {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    sms_gateway: Option<String>,
}

impl SmtpOutbox {
    /// Checks the settings (no connection is made before the first message);
    /// a plain connection is refused but to this machine, where the password
    /// would travel in the clear otherwise.
    pub fn new(s: &SmtpSettings) -> Result<SmtpOutbox, String> {
        let url = s.url.trim();
        let parsed = url.parse::<axum::http::Uri>().ok();
        let host = parsed.as_ref().and_then(|u| u.host()).unwrap_or("");
        let plain = url.starts_with("smtp://") && !url.contains("tls=required");
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1");
        if plain && !loopback {
            return Err(format!(
                "Serveur de messagerie {host} : joignez-le en TLS (smtps://… ou smtp://…?tls=required) ; \
                 une connexion en clair n'est admise que sur cette machine."
            ));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("Adresse du serveur de messagerie illisible ({e})."))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from =
            s.from.trim().parse::<Mailbox>().map_err(|e| format!("Expéditeur « {} » illisible ({e}).", s.from))?;
        let sms_gateway = s.sms_gateway.as_deref().map(str::trim).filter(|g| !g.is_empty()).map(String::from);
        Ok(SmtpOutbox { transport, from, sms_gateway })
    }

    /// The address a message goes to.
    fn recipient(&self, m: &Message) -> Result<Mailbox, ApiError> {
        let address = match m.channel {
            Channel::Email => m.to.clone(),
            Channel::Sms => {
                let gateway = self.sms_gateway.as_deref().ok_or_else(|| {
                    unavailable(
                        "Aucune passerelle SMS n'est configurée sur ce site : envoyez le code par e-mail ou \
                        remettez-le par courrier.",
                    )
                })?;
                let digits: String = m.to.chars().filter(char::is_ascii_digit).collect();
                format!("{digits}@{gateway}")
            }
            Channel::Letter => return Err(unavailable("Un courrier s'imprime au guichet : il ne s'envoie pas.")),
        };
        address
            .parse::<Mailbox>()
            .map_err(|_| unavailable(format!("Adresse « {address} » invalide : envoi impossible.")))
    }
}

fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, message)
}

impl Outbox for SmtpOutbox {
    fn send<'a>(&'a self, m: &'a Message) -> Sending<'a> {
        Box::pin(async move {
            let to = self.recipient(m)?;
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(m.subject.as_str())
                .header(ContentType::TEXT_PLAIN)
                // French text in base64: every mail server carries it unchanged.
                .header(ContentTransferEncoding::Base64)
                .body(m.body.clone())
                .map_err(|e| unavailable(format!("Message impossible à composer : {e}.")))?;
            self.transport.send(email).await.map_err(|e| {
                tracing::warn!(error = %e, "message non remis au serveur de messagerie");
                unavailable(
                    "Le serveur de messagerie n'a pas pris le message : réessayez plus tard ou remettez le \
                    code par courrier.",
                )
            })?;
            Ok(())
        })
    }
}
