//! The doors of the members' portal: activating a space with its code,
//! logging in and out, asking for a new code, choosing a new password with
//! it, and the mutual's name and logo every page shows before login. The
//! doors that take a secret are counted by the server ([`Door`]); who is
//! logged in is the caller the login leaves ([`Caller::Member`]).

use crate::api::files::FileData;
use crate::api::{Caller, Ctx, Door, DoorKind, Operation, Space};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::portal::accounts::{self, Activation, Reset};
use crate::portal::brand::{self, Brand};
use crate::portal::sessions;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the portal says once a door's form is done.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Said {
    pub message: String,
}

fn said(message: &str) -> ApiResult<Said> {
    Ok(Said { message: message.into() })
}

/// No request.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Nothing {}

pub struct PortalActivate;
impl Operation for PortalActivate {
    const NAME: &'static str = "portal_activate";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Activates a member's space with the code of his letter, his CNIE and a password.";
    const SPACE: Space = Space::Portal;
    const DOOR: Option<Door> = Some(Door { kind: DoorKind::PortalCode, field: "matricule" });
    type Request = Activation;
    type Response = Said;
    async fn run(ctx: &mut Ctx<'_>, a: Activation) -> ApiResult<Said> {
        accounts::activate(ctx.db(), ctx.now, &a).await?;
        said("Votre espace est activé : connectez-vous avec votre mot de passe.")
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PortalLoginRequest {
    /// His matricule or his e-mail address.
    pub identifier: String,
    pub password: String,
}

/// The form token of the session just opened (its token goes in a cookie the page never reads).
#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalOpened {
    pub csrf: String,
}

pub struct PortalLogin;
impl Operation for PortalLogin {
    const NAME: &'static str = "portal_login";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Logs a member in to his space (five wrong passwords lock it 15 minutes).";
    const SPACE: Space = Space::Portal;
    const DOOR: Option<Door> = Some(Door { kind: DoorKind::PortalLogin, field: "identifier" });
    type Request = PortalLoginRequest;
    type Response = PortalOpened;
    async fn run(ctx: &mut Ctx<'_>, l: PortalLoginRequest) -> ApiResult<PortalOpened> {
        let remote = crate::audit::ORIGIN.try_with(|o| o.remote_addr.clone()).unwrap_or_else(|_| "inconnue".into());
        let outbox = ctx.api.queued_outbox();
        let opened = accounts::login(ctx.db(), ctx.now, &l.identifier, &l.password, &remote, outbox).await?;
        // A session this browser still held ends with the new one's opening.
        if let Caller::Member { token, .. } = ctx.caller.clone() {
            sessions::end(ctx.db(), &token, ctx.now).await?;
        }
        *ctx.caller = Caller::Member { token: opened.token, form_token: Some(opened.csrf.clone()) };
        Ok(PortalOpened { csrf: opened.csrf })
    }
}

pub struct PortalLogout;
impl Operation for PortalLogout {
    const NAME: &'static str = "portal_logout";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "Ends the member's session.";
    const SPACE: Space = Space::Portal;
    type Request = Nothing;
    type Response = Said;
    async fn run(ctx: &mut Ctx<'_>, _: Nothing) -> ApiResult<Said> {
        if let Caller::Member { token, .. } = ctx.caller.clone() {
            sessions::end(ctx.db(), &token, ctx.now).await?;
        }
        *ctx.caller = Caller::Anonymous;
        said("Vous êtes déconnecté.")
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PortalForgotRequest {
    pub identifier: String,
}

pub struct PortalForgot;
impl Operation for PortalForgot {
    const NAME: &'static str = "portal_forgot";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Sends a member who forgot his password a code to the e-mail or GSM on file \
        (the same answer whether or not a space exists).";
    const SPACE: Space = Space::Portal;
    const DOOR: Option<Door> = Some(Door { kind: DoorKind::PortalForgot, field: "identifier" });
    type Request = PortalForgotRequest;
    type Response = Said;
    async fn run(ctx: &mut Ctx<'_>, f: PortalForgotRequest) -> ApiResult<Said> {
        accounts::forgot(ctx.db(), ctx.now, &f.identifier, ctx.api.queued_outbox()).await?;
        said(
            "Si un espace est ouvert à ce nom, un code vient d'être envoyé à l'adresse e-mail ou au GSM que la \
            mutuelle connaît. Il est valable 24 heures.",
        )
    }
}

pub struct PortalReset;
impl Operation for PortalReset {
    const NAME: &'static str = "portal_reset";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Sets a member's new password with his code (every session of his ends).";
    const SPACE: Space = Space::Portal;
    const DOOR: Option<Door> = Some(Door { kind: DoorKind::PortalCode, field: "matricule" });
    type Request = Reset;
    type Response = Said;
    async fn run(ctx: &mut Ctx<'_>, r: Reset) -> ApiResult<Said> {
        accounts::reset(ctx.db(), ctx.now, &r).await?;
        said("Mot de passe changé : connectez-vous.")
    }
}

/// Who is logged in, and his session's form token (a page reloaded asks it).
#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalWho {
    pub csrf: String,
    pub matricule: String,
}

pub struct PortalSession;
impl Operation for PortalSession {
    const NAME: &'static str = "portal_session";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "The member logged in and his session's form token.";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = Nothing;
    type Response = PortalWho;
    async fn run(ctx: &mut Ctx<'_>, _: Nothing) -> ApiResult<PortalWho> {
        let s = ctx.member()?;
        Ok(PortalWho { csrf: s.csrf.clone(), matricule: s.matricule.clone() })
    }
}

pub struct PortalBrand;
impl Operation for PortalBrand {
    const NAME: &'static str = "portal_brand";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "The mutual's name and whether it has a logo: every page's header, before login.";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = Nothing;
    type Response = Brand;
    async fn run(ctx: &mut Ctx<'_>, _: Nothing) -> ApiResult<Brand> {
        brand::brand(ctx.db().pool()).await
    }
}

pub struct PortalLogo;
impl Operation for PortalLogo {
    const NAME: &'static str = "portal_logo";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "The mutual's logo (the PNG on its letters).";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = Nothing;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, _: Nothing) -> ApiResult<FileData> {
        match brand::logo(ctx.db().pool()).await? {
            Some(png) => Ok(FileData { name: "logo.png".into(), media_type: "image/png".into(), content: png }),
            None => Err(ApiError::not_found("La mutuelle n'a pas encore de logo.")),
        }
    }
}
