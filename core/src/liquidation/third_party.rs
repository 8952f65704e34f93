//! What third parties (the AMO fund under its coverage, or the mutual under
//! its own) already paid providers on a dossier's invoices: as typed, checked
//! against the lines' invoices, and read back. An invoice already on another
//! dossier asks for confirmation. What the mutual paid a provider directly
//! under its coverage (`provider_payments`) counts without being typed.

use super::fund::Payer;
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::money;
use crate::money::Centimes;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

/// What a third party already paid the provider on one invoice, as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ThirdPartyInput {
    pub invoice_number: String,
    /// The AMO fund under its coverage, or the mutual under its own.
    pub payer: Payer,
    /// As typed: `700`, `700,00`.
    pub amount: String,
    /// The coverage under which it was paid (`76372825`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ThirdPartyPayment {
    pub invoice_number: String,
    pub payer: Payer,
    pub amount: Centimes,
    pub reference: Option<String>,
}

/// Checks what third parties paid: each payment names an invoice of the
/// lines, and what was paid on an invoice never exceeds what it charged.
/// `lines` holds each line's (invoice number, charged).
pub(super) fn check(
    input: &[ThirdPartyInput],
    lines: &[(Option<String>, Centimes)],
) -> ApiResult<Vec<ThirdPartyPayment>> {
    if input.len() > 50 {
        return Err(ApiError::validation("third_party", "Au plus 50 paiements de tiers par dossier."));
    }
    let mut out: Vec<ThirdPartyPayment> = vec![];
    for (i, p) in input.iter().enumerate() {
        let f = |name: &str| format!("third_party[{i}].{name}");
        let n = i + 1;
        let invoice =
            text::clean(&f("invoice_number"), &format!("Paiement {n}, n° de facture"), &p.invoice_number, 40)?
                .to_uppercase();
        let charged: Centimes =
            lines.iter().filter(|(x, _)| x.as_deref() == Some(invoice.as_str())).map(|(_, c)| c).sum();
        if invoice.is_empty() || charged == 0 {
            return Err(ApiError::validation(
                &f("invoice_number"),
                format!(
                    "Paiement {n} : aucune ligne de soins ne porte la facture « {invoice} » ; saisissez son \
                    numéro sur ses lignes."
                ),
            ));
        }
        let amount = money::parse(&f("amount"), &format!("Paiement {n}, montant payé au prestataire"), &p.amount)?;
        if amount <= 0 {
            return Err(ApiError::validation(
                &f("amount"),
                format!("Paiement {n} : le montant payé au prestataire doit être positif."),
            ));
        }
        let already: Centimes = out.iter().filter(|o| o.invoice_number == invoice).map(|o| o.amount).sum();
        if already + amount > charged {
            return Err(ApiError::validation(
                &f("amount"),
                format!(
                    "Paiement {n} : {} DH payés au prestataire sur la facture {invoice}, plus que ce qu'elle facture \
                        ({} DH).",
                    money::format(already + amount),
                    money::format(charged)
                ),
            ));
        }
        let reference = match &p.reference {
            Some(r) => Some(text::clean(&f("reference"), &format!("Paiement {n}, n° de prise en charge"), r, 40)?)
                .filter(|r| !r.is_empty()),
            None => None,
        };
        out.push(ThirdPartyPayment { invoice_number: invoice, payer: p.payer, amount, reference });
    }
    Ok(out)
}

/// The same provider's invoice already on another dossier (not rejected) is
/// a duplicate: `conflict` at `confirm_duplicate_invoice`, naming that dossier.
pub(super) async fn duplicate_invoice(
    tx: &mut Transaction<'static, Any>,
    dossier_id: i64,
    lines: &[(Option<String>, Option<String>)],
) -> ApiResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (provider, invoice) in lines {
        let Some(invoice) = invoice else { continue };
        let provider = provider.clone().unwrap_or_default();
        if !seen.insert((text::fold(&provider), invoice.clone())) {
            continue;
        }
        let rows = sqlx::query(
            "SELECT cl.provider, d.form_number FROM care_lines cl JOIN dossiers d ON d.id = cl.dossier_id
             WHERE cl.invoice_number = $1 AND cl.dossier_id <> $2 AND d.status <> $3",
        )
        .bind(invoice)
        .bind(dossier_id)
        .bind(Status::Rejete.code())
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            let other: Option<String> = r.try_get("provider")?;
            if text::fold(other.as_deref().unwrap_or("")) == text::fold(&provider) {
                let form: String = r.try_get("form_number")?;
                return Err(ApiError::conflict_on(
                    "confirm_duplicate_invoice",
                    format!(
                        "La facture {invoice}{} est déjà saisie sur le dossier {form}. Confirmez si c'est bien \
                        une autre facture.",
                        if provider.is_empty() { String::new() } else { format!(" de {provider}") }
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What third parties paid providers on a dossier's invoices.
pub async fn payments_of(tx: &mut sqlx::AnyConnection, dossier_id: i64) -> ApiResult<Vec<ThirdPartyPayment>> {
    let rows = sqlx::query(
        "SELECT invoice_number, payer, amount, reference FROM third_party_payments WHERE \
        dossier_id = $1 ORDER BY position",
    )
    .bind(dossier_id)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ThirdPartyPayment {
                invoice_number: r.try_get("invoice_number")?,
                payer: Payer::parse(&r.try_get::<String, _>("payer")?)
                    .ok_or_else(|| ApiError::internal("unknown payer"))?,
                amount: r.try_get("amount")?,
                reference: r.try_get("reference")?,
            })
        })
        .collect()
}

/// What the mutual pays providers directly on the invoices of a member's
/// lines (the invoices it liquidated under its own coverages), as the
/// payments already made on those invoices: the AMO part it advanced for the
/// fund counts as the fund's (it is recovered from the fund on a slip), the
/// rest as the mutual's. The member claiming the rest of such an invoice is
/// never reimbursed what the provider was paid, whether or not the processor
/// typed it; what he typed for the invoice stands instead (never counted twice).
pub async fn paid_directly(
    tx: &mut sqlx::AnyConnection,
    member_id: i64,
    invoices: &[String],
    typed: &[ThirdPartyPayment],
) -> ApiResult<Vec<ThirdPartyPayment>> {
    let mut out = vec![];
    for invoice in invoices {
        if typed.iter().any(|p| p.invoice_number.eq_ignore_ascii_case(invoice)) {
            continue;
        }
        let rows = sqlx::query(
            "SELECT i.mutual_pays, i.total_amo, p.name FROM provider_invoices i JOIN providers p ON p.id = \
            i.provider_id WHERE i.member_id = $1 AND UPPER(i.invoice_number) = $2 ORDER BY i.id",
        )
        .bind(member_id)
        .bind(invoice.trim().to_uppercase())
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let name: String = r.try_get("name")?;
            let (paid, amo): (Centimes, Centimes) = (r.try_get("mutual_pays")?, r.try_get("total_amo")?);
            let parts = [
                (Payer::Fonds, amo.min(paid), format!("part AMO avancée par la mutuelle à {name}")),
                (Payer::Mutuelle, paid - amo.min(paid), format!("payé directement à {name}")),
            ];
            for (payer, amount, reference) in parts.into_iter().filter(|(_, a, _)| *a > 0) {
                out.push(ThirdPartyPayment {
                    invoice_number: invoice.clone(),
                    payer,
                    amount,
                    reference: Some(reference),
                });
            }
        }
    }
    Ok(out)
}
