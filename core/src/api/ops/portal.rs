//! The desk's side of the members' portal: giving a member the one-time code
//! that activates his account or lets him choose a new password, on a letter
//! the desk prints or to the e-mail or GSM on file.

use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::members::{self, Member};
use crate::pdf::letterhead::{letterhead, notice};
use crate::pdf::Writer;
use crate::portal::codes::{self, Purpose};
use crate::portal::outbox::Channel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

async fn member(ctx: &Ctx<'_>, id: i64) -> ApiResult<Member> {
    members::get(ctx.db().pool(), id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {id}.")))
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CodeLetterRequest {
    #[ts(type = "number")]
    pub member_id: i64,
    pub purpose: Purpose,
    pub name: String,
}

pub struct PortalCodeLetter;
impl Operation for PortalCodeLetter {
    const NAME: &'static str = "portal_code_letter";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Prints a letter (PDF) with a one-time code for the member to activate his \
        portal account or choose a new password (valid 30 days; earlier codes are spent).";
    type Request = CodeLetterRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: CodeLetterRequest) -> ApiResult<FileData> {
        let m = member(ctx, r.member_id).await?;
        let issued =
            codes::issue(ctx.db(), &ctx.actor, ctx.now, &m, r.purpose, Channel::Letter, ctx.api.outbox()).await?;
        let head = letterhead(ctx.db().pool()).await?;
        let mut w = Writer::new("Code d'accès à l'espace adhérent", &format!("{} — espace adhérent", head.name));
        w.title(&head.name);
        w.heading("Votre espace adhérent");
        w.field("Adhérent", &format!("{} {}", m.last_name, m.first_name));
        w.field("Matricule", &m.matricule);
        w.field("Code d'accès", &issued.code);
        w.field("Valable jusqu'au", &fr(issued.expires_at.date_naive()));
        w.gap(8.0);
        w.paragraph(match r.purpose {
            Purpose::Activation => {
                "Pour activer votre espace, choisissez « Première visite » sur l'espace adhérent, saisissez votre \
                matricule, le numéro de votre CNIE et ce code, puis choisissez votre mot de passe : au moins 8 \
                caractères, dont une majuscule, une minuscule et un chiffre."
            }
            Purpose::Reset => {
                "Pour choisir un nouveau mot de passe, choisissez « Mot de passe oublié » sur l'espace adhérent, \
                puis saisissez votre matricule, ce code et votre nouveau mot de passe."
            }
        });
        w.paragraph("Ne communiquez ce code à personne : la mutuelle ne vous le demandera jamais.");
        notice(&mut w, &head);
        FileData::named("name", &r.name, w.finish().render())
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CodeSendRequest {
    #[ts(type = "number")]
    pub member_id: i64,
    pub purpose: Purpose,
    /// `email` or `sms`: to the address or GSM on file.
    pub channel: Channel,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CodeSent {
    /// Where it went, masked (`k…@example.ma`).
    pub sent_to: String,
    pub expires_at: String,
}

pub struct PortalCodeSend;
impl Operation for PortalCodeSend {
    const NAME: &'static str = "portal_code_send";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Sends a one-time portal code to the member's e-mail or GSM on file (valid 24 \
        hours; earlier codes are spent).";
    type Request = CodeSendRequest;
    type Response = CodeSent;
    async fn run(ctx: &mut Ctx<'_>, r: CodeSendRequest) -> ApiResult<CodeSent> {
        if r.channel == Channel::Letter {
            return Err(ApiError::validation(
                "channel",
                "Un courrier s'imprime : « Code de l'espace adhérent… » sur la fiche de l'adhérent.".to_string(),
            ));
        }
        let m = member(ctx, r.member_id).await?;
        let issued = codes::issue(ctx.db(), &ctx.actor, ctx.now, &m, r.purpose, r.channel, ctx.api.outbox()).await?;
        Ok(CodeSent {
            sent_to: issued.sent_to.unwrap_or_default(),
            expires_at: crate::storage::time::ts(issued.expires_at),
        })
    }
}
