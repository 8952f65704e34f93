//! Statements (décomptes) as PDF: one per paid dossier, or every payment of a
//! member over a period. Same input, same bytes.

use crate::dossiers::repo::get as get_dossier;
use crate::dossiers::Dossier;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::liquidation::repo::{lines_of, StoredLine};
use crate::liquidation::rules::format_rate;
use crate::members::{self, Member};
use crate::money::format as dh;
use crate::money::Centimes;
use crate::pdf::letterhead::{notice, top, Letterhead};
use crate::pdf::{Align, Writer};
use crate::provider_payments::invoices::{self, Invoice};
use chrono::NaiveDate;
use sqlx::{AnyPool, Row};

fn member_block(w: &mut Writer, m: &Member) {
    w.heading("Adhérent");
    w.field("Matricule", &m.matricule);
    w.field("Nom", &format!("{} {}", m.last_name, m.first_name));
    w.field("Employeur", m.employer.as_deref().unwrap_or("—"));
    w.field("Adresse", m.address.as_deref().unwrap_or("—"));
}

/// One line's figures as the member reads them; the headers break where
/// `\n` says, and the table is laid out to fit (`Writer::fitted_table`).
const COLS: [(&str, Align); 10] = [
    ("Date", Align::Left),
    ("Acte", Align::Left),
    ("Frais\nengagés", Align::Right),
    ("Payé au\nprestataire", Align::Right),
    ("Base", Align::Right),
    ("Taux\nAMO", Align::Right),
    ("Part\nAMO", Align::Right),
    ("Part\nmutuelle", Align::Right),
    ("Remboursé", Align::Right),
    ("Reste à\nvotre charge", Align::Right),
];

fn dossier_block(w: &mut Writer, d: &Dossier, lines: &[StoredLine], f: &Flows) {
    w.heading(&format!("Dossier {}", d.form_number));
    w.field("Bénéficiaire", &d.beneficiary_name);
    w.field("Nature des soins", d.kind.label());
    w.field("Premier acte", &fr(d.first_act_date));
    w.field("Reçu le", &fr(d.received_on));
    let charged: Vec<Centimes> = lines.iter().map(|l| l.charged).collect();
    if let Some(why) = crate::liquidation::declared::difference(d.total_claimed, &charged) {
        w.field("Feuille de soins", &why);
    }
    w.gap(6.0);
    let accepted: Vec<&StoredLine> = lines.iter().filter(|l| l.accepted == Some(true)).collect();
    let rows: Vec<Vec<String>> = accepted
        .iter()
        .map(|l| {
            vec![
                fr(l.date),
                if l.quantity > 1 { format!("{} × {}", l.quantity, l.label) } else { l.label.clone() },
                dh(l.charged),
                dh(l.paid_by_fund + l.paid_by_mutual),
                dh(l.base.unwrap_or_default()),
                // The fund's exemption is said, never the illness behind it.
                if l.exempted { "exonéré (ALD)".to_string() } else { format_rate(l.rate.unwrap_or_default() as u32) },
                dh(l.amo.unwrap_or_default()),
                dh(l.complementary.unwrap_or_default()),
                dh(l.reimbursed.unwrap_or_default()),
                dh(l.remainder.unwrap_or_default()),
            ]
        })
        .collect();
    let sum = |f: fn(&StoredLine) -> Centimes| accepted.iter().map(|l| f(l)).sum::<Centimes>();
    let total = vec![
        "Total".to_string(),
        String::new(),
        dh(sum(|l| l.charged)),
        dh(sum(|l| l.paid_by_fund + l.paid_by_mutual)),
        dh(sum(|l| l.base.unwrap_or_default())),
        String::new(),
        dh(sum(|l| l.amo.unwrap_or_default())),
        dh(sum(|l| l.complementary.unwrap_or_default())),
        dh(sum(|l| l.reimbursed.unwrap_or_default())),
        dh(sum(|l| l.remainder.unwrap_or_default())),
    ];
    w.fitted_table(&COLS, &rows, Some(total));
    let rejected: Vec<&StoredLine> = lines.iter().filter(|l| l.accepted == Some(false)).collect();
    if !rejected.is_empty() {
        w.heading("Lignes non remboursées");
        for l in rejected {
            w.paragraph(&format!(
                "{} — {} — {} DH : {}",
                fr(l.date),
                l.label,
                dh(l.charged),
                l.reason.as_deref().unwrap_or("")
            ));
        }
    }
    who_pays(w, lines, f);
}

/// Who paid or pays each part: what the fund and the mutual paid providers
/// directly, the AMO part and who pays it, the mutual's part, what is left
/// to the member.
fn who_pays(w: &mut Writer, lines: &[StoredLine], f: &Flows) {
    let sum = |g: fn(&StoredLine) -> Centimes| lines.iter().map(g).sum::<Centimes>();
    w.heading("Qui paie quoi");
    w.field("Frais engagés", &format!("{} DH", dh(sum(|l| l.charged))));
    let by_fund = sum(|l| l.paid_by_fund);
    let by_mutual = sum(|l| l.paid_by_mutual);
    if by_fund > 0 {
        w.field(
            &format!("Tiers payant {}", f.fund_name),
            &format!("{} DH payés directement au prestataire", dh(by_fund)),
        );
    }
    if by_mutual > 0 {
        w.field("Tiers payant mutuelle", &format!("{} DH payés directement au prestataire", dh(by_mutual)));
    }
    let amo = sum(|l| l.amo.unwrap_or_default());
    let amo_to_member = sum(|l| l.amo_to_member.unwrap_or_default());
    let payer =
        if f.mutual_pays_amo { "la mutuelle, pour le compte de la caisse".to_string() } else { f.fund_name.clone() };
    w.field(
        &format!("Part AMO ({})", f.fund_name),
        &format!("{} DH, dont {} DH versés à l'adhérent par {payer}", dh(amo), dh(amo_to_member)),
    );
    w.field(
        "Part mutuelle",
        &format!("{} DH, versés par la mutuelle", dh(sum(|l| l.complementary.unwrap_or_default()))),
    );
    w.field("Reste à votre charge", &format!("{} DH", dh(sum(|l| l.remainder.unwrap_or_default()))));
}

fn payment_block(w: &mut Writer, d: &Dossier, m: &Member, f: &Flows, deducted: Centimes) {
    w.heading("Règlement");
    w.field("Total remboursé", &format!("{} DH", dh(d.total_reimbursed.unwrap_or_default())));
    if f.fund_pays > 0 {
        w.field(
            &format!("Versé par {}", f.fund_name),
            &format!("{} DH, par la caisse (hors de ce virement)", dh(f.fund_pays)),
        );
    }
    if deducted > 0 {
        w.field("Défalcation déduite", &format!("- {} DH", dh(deducted)));
    }
    w.field("Net payé par la mutuelle", &format!("{} DH", dh(d.paid_amount.unwrap_or_default())));
    w.field("Référence du paiement", d.payment_reference.as_deref().unwrap_or("— (rien à virer)"));
    w.field("Date du paiement", &d.paid_on.map(fr).unwrap_or_default());
    w.field("Virement sur le RIB", &crate::kernel::rib::masked(m.rib.as_deref()));
}

/// Who pays what on a liquidated dossier, as it was liquidated.
#[derive(Debug, Clone)]
pub struct Flows {
    pub fund_name: String,
    pub mutual_pays_amo: bool,
    /// What the fund pays the member itself (its AMO part), outside the mutual's transfer.
    pub fund_pays: Centimes,
}

/// What a paid dossier needs beyond [`Dossier`].
pub struct PaidDossier {
    pub dossier: Dossier,
    pub lines: Vec<StoredLine>,
    pub deducted: Centimes,
    pub flows: Flows,
}

pub async fn paid_dossier(pool: &AnyPool, id: i64) -> ApiResult<PaidDossier> {
    let dossier = get_dossier(pool, id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun dossier n° {id}.")))?;
    if dossier.paid_on.is_none() {
        return Err(ApiError::conflict(format!(
            "Le dossier {} n'est pas encore réglé : pas de décompte.",
            dossier.form_number
        )));
    }
    let select = |table: &str| {
        format!("SELECT clawback_deducted, fund_name, mutual_pays_amo, fund_pays FROM {table} WHERE id = $1")
    };
    let r = match sqlx::query(&select("dossiers")).bind(id).fetch_optional(pool).await? {
        Some(r) => r,
        // A dossier of a year set apart (crate::years).
        None => {
            let table = crate::years::table_of(&mut *pool.acquire().await?, "dossiers", id).await?;
            sqlx::query(&select(&table)).bind(id).fetch_one(pool).await?
        }
    };
    // Dossiers liquidated before the fund's part was told apart: the mutual paid it all.
    let flows = Flows {
        fund_name: r.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "AMO".into()),
        mutual_pays_amo: r.try_get::<Option<i64>, _>("mutual_pays_amo")?.unwrap_or(1) == 1,
        fund_pays: r.try_get::<Option<Centimes>, _>("fund_pays")?.unwrap_or_default(),
    };
    Ok(PaidDossier {
        lines: lines_of(&mut *pool.acquire().await?, id).await?,
        deducted: r.try_get::<Option<Centimes>, _>("clawback_deducted")?.unwrap_or_default(),
        flows,
        dossier,
    })
}

/// The statement of one paid dossier.
pub fn dossier_statement(head: &Letterhead, m: &Member, p: &PaidDossier) -> Vec<u8> {
    let d = &p.dossier;
    let number = d.statement_number.clone().unwrap_or_default();
    let mut w = Writer::new(&format!("Décompte {number}"), &format!("{} — décompte {number}", head.name));
    top(&mut w, head);
    w.heading(&format!("Décompte de remboursement n° {number}"));
    w.field("Date du décompte", &d.paid_on.map(fr).unwrap_or_default());
    member_block(&mut w, m);
    dossier_block(&mut w, d, &p.lines, &p.flows);
    payment_block(&mut w, d, m, &p.flows, p.deducted);
    notice(&mut w, head);
    w.finish().render()
}

/// Every dossier one transfer paid (as the Mutuelle de Marseille guide shows
/// a statement per payment), or `None` when no transfer has that reference.
pub async fn payment_data(pool: &AnyPool, reference: &str) -> ApiResult<Option<(Member, Vec<PaidDossier>)>> {
    let dossiers = crate::years::every_year(pool, "dossiers").await?;
    let rows = sqlx::query(&format!("SELECT id, member_id FROM {dossiers} WHERE payment_reference = $1 ORDER BY id"))
        .bind(reference.trim())
        .fetch_all(pool)
        .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let member_id: i64 = first.try_get("member_id")?;
    let m = members::get(pool, member_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {member_id}.")))?;
    let mut paid = vec![];
    for r in &rows {
        paid.push(paid_dossier(pool, r.try_get("id")?).await?);
    }
    Ok(Some((m, paid)))
}

/// The statement of one transfer: each dossier it paid, and what was transferred.
pub fn payment_pdf(head: &Letterhead, m: &Member, paid: &[PaidDossier], reference: &str) -> Vec<u8> {
    let title = format!("Décompte du virement {reference}");
    let mut w = Writer::new(&title, &format!("{} — {title}", head.name));
    top(&mut w, head);
    w.heading(&title);
    if let Some(on) = paid.first().and_then(|p| p.dossier.paid_on) {
        w.field("Date du paiement", &fr(on));
    }
    member_block(&mut w, m);
    for p in paid {
        dossier_block(&mut w, &p.dossier, &p.lines, &p.flows);
    }
    let total: Centimes = paid.iter().map(|p| p.dossier.paid_amount.unwrap_or_default()).sum();
    let deducted: Centimes = paid.iter().map(|p| p.deducted).sum();
    w.heading("Virement");
    w.field("Feuilles de soins", &paid.iter().map(|p| p.dossier.form_number.clone()).collect::<Vec<_>>().join(", "));
    if deducted > 0 {
        w.field("Défalcation déduite", &format!("- {} DH", dh(deducted)));
    }
    w.field("Net viré par la mutuelle", &format!("{} DH", dh(total)));
    w.field("Virement sur le RIB", &crate::kernel::rib::masked(m.rib.as_deref()));
    notice(&mut w, head);
    w.finish().render()
}

/// Every payment to a member between two dates, or `None` when there is none.
pub async fn period_statement(
    pool: &AnyPool,
    head: &Letterhead,
    member_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Option<Vec<u8>>> {
    Ok(period_data(pool, member_id, from, to).await?.map(|p| period_pdf(head, &p, from, to)))
}

/// A member's period: his paid dossiers and the invoices the mutual paid his providers.
pub struct Period {
    pub member: Member,
    pub paid: Vec<PaidDossier>,
    pub direct: Vec<Invoice>,
}

/// The member, his paid dossiers and his providers' invoices paid in the
/// period (`None` when there is neither).
pub async fn period_data(pool: &AnyPool, member_id: i64, from: NaiveDate, to: NaiveDate) -> ApiResult<Option<Period>> {
    let m = members::get(pool, member_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {member_id}.")))?;
    // A period of a year set apart is read there (crate::years).
    let dossiers = crate::years::every_year(pool, "dossiers").await?;
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM {dossiers} WHERE member_id = $1 AND paid_on >= $2 AND paid_on <= $3 ORDER BY paid_on, id"
    ))
    .bind(member_id)
    .bind(crate::storage::time::date(from))
    .bind(crate::storage::time::date(to))
    .fetch_all(pool)
    .await?;
    let direct = invoices::paid_for_member(pool, member_id, from, to).await?;
    if ids.is_empty() && direct.is_empty() {
        return Ok(None);
    }
    let mut paid = vec![];
    for id in ids {
        paid.push(paid_dossier(pool, id).await?);
    }
    Ok(Some(Period { member: m, paid, direct }))
}

pub fn period_pdf(head: &Letterhead, period: &Period, from: NaiveDate, to: NaiveDate) -> Vec<u8> {
    let (m, paid) = (&period.member, &period.paid);
    let title = format!("Relevé de prestations du {} au {}", fr(from), fr(to));
    let mut w = Writer::new(&title, &format!("{} — {} — matricule {}", head.name, title, m.matricule));
    top(&mut w, head);
    w.heading(&title);
    member_block(&mut w, m);
    for p in paid {
        dossier_block(&mut w, &p.dossier, &p.lines, &p.flows);
        payment_block(&mut w, &p.dossier, m, &p.flows, p.deducted);
    }
    if !period.direct.is_empty() {
        w.heading("Soins payés directement au prestataire par la mutuelle");
        for i in &period.direct {
            w.paragraph(&i.for_the_member());
        }
    }
    let total: Centimes = paid.iter().map(|p| p.dossier.paid_amount.unwrap_or_default()).sum();
    w.heading("Total de la période");
    w.field("Paiements", &paid.len().to_string());
    w.field("Net payé par la mutuelle", &format!("{} DH", dh(total)));
    if !period.direct.is_empty() {
        let direct: Centimes = period.direct.iter().map(|i| i.mutual_pays).sum();
        w.field("Payé directement aux prestataires", &format!("{} DH", dh(direct)));
    }
    notice(&mut w, head);
    w.finish().render()
}
