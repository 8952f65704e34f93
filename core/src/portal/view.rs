//! The member's view: exactly what the member's portal would show him, in the
//! same words — his information and beneficiaries, each dossier with its
//! status (and the reason and missing pieces when incomplete or rejected),
//! statements ready to download, prior approvals and coverage requests with
//! their status, reason and letter, and pending update requests. The phone
//! desk reads it aloud; a portal could serve it as is. It never carries a
//! medical detail, whoever asks: it is built without any role.

use crate::approvals::repo as approvals;
use crate::dossiers::repo as dossiers;
use crate::dossiers::view::{member_view as dossier_view, MemberDossierView};
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::{ends_within, fr, RENEWAL_NOTICE_DAYS};
use crate::kernel::rib::masked as masked_rib;
use crate::kernel::tone::Tone;
use crate::members::coverage::Coverage;
use crate::members::updates::{self, UpdateFilter};
use crate::members::{self, Relation};
use crate::money::format as dh;
use crate::money::Centimes;
use crate::storage::Db;
use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalIdentity {
    pub matricule: String,
    pub name: String,
    pub birth_date: Option<String>,
    pub employer: Option<String>,
    pub status: String,
    pub address: Option<String>,
    pub gsm: Option<String>,
    pub email: Option<String>,
    /// Only the last four digits: what the portal shows and the desk may read aloud.
    pub rib: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalBeneficiary {
    /// 1 = the member himself, as on the desk's forms.
    #[ts(type = "number")]
    pub number: i64,
    pub name: String,
    pub relation: String,
    pub birth_date: Option<String>,
    /// In the words of the desk's page, from the one rule of who is covered (`members::coverage`):
    /// `Couvert(e) jusqu'au 05/07/2037 (21 ans ; au-delà, certificat de scolarité)`, or why not.
    pub coverage: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalDossier {
    #[serde(flatten)]
    pub dossier: MemberDossierView,
    /// `1 100,00 DH`.
    pub claimed: String,
    /// Once paid: what was paid and when.
    pub paid: Option<String>,
    /// Once liquidated: each part, who pays it and when (`Part AMO : 64,00 DH,
    /// versée par CNOPS le 05/04/2023`), what others paid the provider, the
    /// remaining charge, a transfer the bank returned.
    pub parts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalStatement {
    pub number: String,
    pub form_number: String,
    pub paid_on: String,
    pub amount: String,
    pub payment_reference: Option<String>,
    /// Who paid him what, in his words: « La mutuelle vous a versé 16,00 DH »,
    /// and « CNOPS vous verse 64,00 DH » when the fund pays its part itself.
    pub paid_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalApproval {
    pub number: String,
    pub kind: String,
    pub beneficiary: String,
    pub received_on: String,
    pub status: String,
    pub tone: Tone,
    pub reason: Option<String>,
    pub missing: Vec<String>,
    /// When incomplete: the last day for the complement.
    pub complement_due: Option<String>,
    /// What was granted: `IMP2 : 10 mois du 01/09/2022 au 30/06/2023, reste 9 mois`.
    pub granted: Vec<String>,
    /// A letter exists once decided (approval, coverage, refusal, pieces).
    pub letter_available: bool,
    /// A grant ending within a month: when, and that renewal is asked now.
    pub renew: Option<String>,
}

/// A coverage the AMO fund issued (its letter entered at the desk).
#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalFundCoverage {
    /// `Prise en charge de la caisse AMO n° 76372825 (IMP2, ANAIS)`.
    pub title: String,
    pub beneficiary: String,
    /// `10 mois du 01/09/2022 au 30/06/2023, 9 utilisés`.
    pub detail: String,
    pub renew: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalUpdate {
    /// The request's number, on its receipt.
    #[ts(type = "number")]
    pub number: i64,
    pub kind: String,
    pub summary: String,
    pub received_on: String,
    pub status: String,
    pub tone: Tone,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalView {
    pub identity: PortalIdentity,
    pub beneficiaries: Vec<PortalBeneficiary>,
    pub dossiers: Vec<PortalDossier>,
    pub statements: Vec<PortalStatement>,
    pub approvals: Vec<PortalApproval>,
    /// The fund's coverages, latest first.
    pub fund_coverages: Vec<PortalFundCoverage>,
    /// Invoices of his providers the mutual paid (or will pay) directly, latest first.
    pub direct_payments: Vec<String>,
    /// The care he may ask an approval for (« Déposer une demande »).
    pub approval_care: Vec<super::approvals::CareChoice>,
    /// His update requests, newest first: pending, validated, and refused
    /// ones with their reason (the guides' « historique de vos demandes »).
    pub updates: Vec<PortalUpdate>,
}

/// The member's view, today.
pub async fn view(db: &Db, member_id: i64, today: NaiveDate) -> ApiResult<PortalView> {
    let pool = db.pool();
    let m = members::get(pool, member_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {member_id}.")))?;
    let beneficiaries = members::beneficiaries(pool, member_id).await?;
    let identity = PortalIdentity {
        matricule: m.matricule.clone(),
        name: format!("{} {}", m.last_name.to_uppercase(), m.first_name),
        birth_date: m.birth_date.map(fr),
        employer: m.employer.clone(),
        status: m.status.label().to_string(),
        address: m.address.clone(),
        gsm: m.gsm.clone(),
        email: m.email.clone(),
        rib: masked_rib(m.rib.as_deref()),
    };
    // Who is covered is one rule (members/coverage.rs), in the same words as on the desk's page:
    // ages, schooling, disability, suspensions, a death, the member's leaving.
    let cover = Coverage::read(&mut *pool.acquire().await?, member_id).await?.summary(today);
    let coverage_of = |id: i64| cover.iter().find(|c| c.beneficiary_id == id).map(|c| c.text.clone());
    let beneficiaries = beneficiaries
        .iter()
        .enumerate()
        .map(|(i, b)| PortalBeneficiary {
            number: i as i64 + 1,
            name: format!("{} {}", b.last_name.to_uppercase(), b.first_name),
            relation: if b.relation == Relation::LuiMeme { "Lui-même".into() } else { b.relation.label().to_string() },
            birth_date: b.birth_date.map(fr),
            coverage: coverage_of(b.id).unwrap_or_default(),
        })
        .collect();
    let mut portal_dossiers = vec![];
    let mut statements = vec![];
    for r in his_dossiers(pool, member_id).await? {
        let d = dossiers::from_row(&r)?;
        // What reached his account: set at payment (net of claw-backs).
        let paid_amount = d.paid_amount.or(d.total_reimbursed).unwrap_or_default();
        let (parts, paid_by) = parts(&r, paid_amount)?;
        if let (Status::Paye, Some(n), Some(on)) = (d.status, &d.statement_number, d.paid_on) {
            statements.push(PortalStatement {
                number: n.clone(),
                form_number: d.form_number.clone(),
                paid_on: fr(on),
                amount: format!("{} DH", dh(paid_amount)),
                payment_reference: d.payment_reference.clone(),
                paid_by,
            });
        }
        portal_dossiers.push(PortalDossier {
            parts,
            claimed: format!("{} DH", dh(d.total_claimed)),
            paid: match (d.status, d.paid_on) {
                (Status::Paye, Some(on)) => Some(format!("{} DH réglés le {}", dh(paid_amount), fr(on))),
                _ => None,
            },
            dossier: dossier_view(pool, &d).await?,
        });
    }
    let approvals = approvals::of_member(db, member_id)
        .await?
        .into_iter()
        // Built without any role: no medical field survives.
        .map(|r| r.redact(&[]))
        .map(|r| PortalApproval {
            number: r.number.clone(),
            kind: r.kind_label.clone(),
            beneficiary: r.beneficiary_name.clone(),
            received_on: fr(r.received_on),
            status: r.status_label.clone(),
            tone: r.status.tone(),
            reason: r.reason.clone(),
            missing: r.missing.clone(),
            complement_due: r.complement_due.filter(|_| r.status == crate::approvals::RequestStatus::Incomplet).map(fr),
            granted: r
                .grants
                .iter()
                .map(|g| {
                    format!(
                        "{} : {} du {} au {}, reste {}",
                        g.act_code,
                        g.unit.show(g.granted),
                        fr(g.valid_from),
                        fr(g.valid_to),
                        g.unit.show(g.left)
                    )
                })
                .collect(),
            letter_available: r.decided_at.is_some(),
            renew: r
                .grants
                .iter()
                .map(|g| g.valid_to)
                .filter(|end| {
                    r.status == crate::approvals::RequestStatus::Accorde
                        && ends_within(*end, today, RENEWAL_NOTICE_DAYS)
                })
                .min()
                .map(renewal_words),
        })
        .collect();
    let fund_coverages = crate::liquidation::fund::of_member(pool, member_id)
        .await?
        .into_iter()
        .map(|c| PortalFundCoverage {
            title: format!("Prise en charge de la caisse AMO n° {} ({}, {})", c.number, c.fund_act, c.provider),
            beneficiary: c.beneficiary_name.clone(),
            detail: format!(
                "{} {} du {} au {}, {} utilisé{}",
                c.quantity,
                match (c.unit, c.quantity) {
                    (crate::liquidation::fund::CoverageUnit::Sessions, 1) => "séance",
                    (unit, _) => unit.label(),
                },
                fr(c.valid_from),
                fr(c.valid_to),
                c.used,
                if c.used > 1 { "s" } else { "" }
            ),
            renew: ends_within(c.valid_to, today, RENEWAL_NOTICE_DAYS).then(|| renewal_words(c.valid_to)),
        })
        .collect();
    let updates = updates::list(pool, &UpdateFilter { member_id: Some(member_id) })
        .await?
        .into_iter()
        .map(|u| portal_update(&u))
        .collect();
    let filter = crate::provider_payments::invoices::InvoiceFilter { member_id: Some(member_id), ..Default::default() };
    let direct_payments =
        crate::provider_payments::invoices::list(pool, &filter).await?.iter().map(|i| i.for_the_member()).collect();
    Ok(PortalView {
        identity,
        beneficiaries,
        dossiers: portal_dossiers,
        statements,
        approvals,
        fund_coverages,
        direct_payments,
        approval_care: super::approvals::care_choices(db, today).await?,
        updates,
    })
}

/// What the member reads beside what ends within a month.
fn renewal_words(end: NaiveDate) -> String {
    format!("Se termine le {} : demandez son renouvellement dès maintenant (un mois avant l'expiration).", fr(end))
}

/// An update request in the member's words (the RIB masked).
pub fn portal_update(u: &updates::UpdateRequest) -> PortalUpdate {
    PortalUpdate {
        number: u.id,
        kind: u.kind_label.clone(),
        summary: u.change.member_summary(),
        received_on: u.received_on(),
        status: u.status_label.clone(),
        tone: u.status.tone(),
        reason: u.reason.clone(),
    }
}

/// His latest 200 dossiers of every year, those set apart included
/// (crate::years), newest first: each row a dossier as `dossiers::from_row`
/// reads it, with what [`parts`] says of it (its care lines' sums). One
/// statement for his whole space: read one by one, each dossier's sums
/// were planned anew over every year's care lines (issue 37).
async fn his_dossiers(pool: &sqlx::AnyPool, member_id: i64) -> ApiResult<Vec<sqlx::any::AnyRow>> {
    let apart = crate::years::apart(pool).await?;
    let (d, x, cl) = (
        crate::years::with_years_as("dossiers", &apart, "d"),
        crate::years::with_years_as("dossiers", &apart, "x"),
        crate::years::with_years_as("care_lines", &apart, "cl"),
    );
    let select = dossiers::dossier_select_from(
        &d,
        "d.amo_due, d.fund_name, d.mutual_pays_amo, d.fund_paid_on, d.total_remainder, d.payment_return_reason, \
            l.by_fund, l.by_mutual",
    );
    let sql = format!(
        "{select} LEFT JOIN (SELECT cl.dossier_id, CAST(SUM(cl.paid_by_fund) AS BIGINT) AS by_fund, \
                CAST(SUM(cl.paid_by_mutual) AS BIGINT) AS by_mutual \
             FROM {cl} JOIN {x} ON x.id = cl.dossier_id WHERE x.member_id = $1 GROUP BY cl.dossier_id) l \
             ON l.dossier_id = d.id \
         WHERE d.member_id = $1 ORDER BY d.id DESC LIMIT 200"
    );
    Ok(sqlx::query(&sql).bind(member_id).fetch_all(pool).await?)
}

/// Who paid a settled dossier's member what (its row of [`his_dossiers`]):
/// the mutual's transfer, and the fund's AMO part when the fund pays it to
/// him itself.
fn paid_by(r: &sqlx::any::AnyRow, transferred: Centimes) -> ApiResult<Vec<String>> {
    use sqlx::Row;
    let mut out = vec![format!("La mutuelle vous a versé {} DH", dh(transferred))];
    let amo = r.try_get::<Option<Centimes>, _>("amo_due")?.unwrap_or_default();
    if amo > 0 && r.try_get::<Option<i64>, _>("mutual_pays_amo")?.unwrap_or_default() == 0 {
        let fund = r.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "la caisse".into());
        out.push(match crate::storage::time::row_date(r, "fund_paid_on")? {
            Some(on) => format!("{fund} vous a versé {} DH le {}", dh(amo), fr(on)),
            None => format!("{fund} vous verse {} DH (sa part AMO)", dh(amo)),
        });
    }
    Ok(out)
}

/// Who pays each part of a liquidated dossier (its row of [`his_dossiers`]),
/// and when, in the member's words; and who paid him what once
/// `transferred` reached his account.
fn parts(r: &sqlx::any::AnyRow, transferred: Centimes) -> ApiResult<(Vec<String>, Vec<String>)> {
    use sqlx::Row;
    let paid = paid_by(r, transferred)?;
    let money = |k: &str| -> ApiResult<Option<Centimes>> { Ok(r.try_get::<Option<Centimes>, _>(k)?) };
    let mut out = vec![];
    if let Some(reason) = r.try_get::<Option<String>, _>("payment_return_reason")? {
        out.push(format!("Virement retourné par la banque ({reason}) : il sera refait."));
    }
    let (Some(reimbursed), Some(amo)) = (money("total_reimbursed")?, money("amo_due")?) else { return Ok((out, paid)) };
    let fund = r.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "AMO".into());
    let paid_on = crate::storage::time::row_date(r, "paid_on")?;
    let fund_paid_on = crate::storage::time::row_date(r, "fund_paid_on")?;
    for (by, amount) in [
        (fund.as_str(), money("by_fund")?.unwrap_or_default()),
        ("la mutuelle", money("by_mutual")?.unwrap_or_default()),
    ] {
        if amount > 0 {
            out.push(format!("Payé directement au prestataire par {by} : {} DH", dh(amount)));
        }
    }
    if amo > 0 {
        out.push(if r.try_get::<Option<i64>, _>("mutual_pays_amo")?.unwrap_or_default() == 1 {
            format!(
                "Part AMO : {} DH, versée par la mutuelle pour le compte de {fund}{}",
                dh(amo),
                paid_on.map(|d| format!(" le {}", fr(d))).unwrap_or_default()
            )
        } else {
            format!(
                "Part AMO : {} DH, versée par {fund}{}",
                dh(amo),
                fund_paid_on
                    .map(|d| format!(" le {}", fr(d)))
                    .unwrap_or_else(|| " après transmission du bordereau".into())
            )
        });
    }
    let complementary = reimbursed - amo;
    if complementary > 0 {
        out.push(format!(
            "Part mutuelle : {} DH, versée par la mutuelle{}",
            dh(complementary),
            paid_on.map(|d| format!(" le {}", fr(d))).unwrap_or_else(|| " au prochain règlement".into())
        ));
    }
    if let Some(left) = money("total_remainder")? {
        out.push(format!("Reste à votre charge : {} DH", dh(left)));
    }
    Ok((out, paid))
}
