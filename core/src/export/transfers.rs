//! Transfer lists for the bank: one row per transfer (its reference, what it
//! pays, the payee, his RIB, the amount), as `.xlsx` or `.csv`. The members'
//! payment batches and the providers' write the same shape; each batch
//! numbers its transfers `<batch>/<nnnn>`, one per payee.

use super::{xlsx_bytes, Cell};
use crate::error::{ApiError, ApiResult};
use crate::money::Centimes;
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use ts_rs::TS;

/// One transfer of a batch: everything the mutual pays one payee (a member,
/// a provider) in it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Transfer {
    pub payment_reference: String,
    /// What it pays: claim forms (`M21-0050533, M23-0000002`) or invoices.
    pub form_numbers: String,
    /// The member's matricule, or the provider's agreement.
    pub matricule: String,
    /// Whom the bank credits.
    pub member_name: String,
    pub rib: String,
    pub amount: Centimes,
}

/// A batch's transfers from its payments in the order of their references,
/// each row naming `payment_reference`, `number` (a claim form or an
/// invoice), `amount`, and the payee's `payee_code`, `payee_name` and `rib`:
/// the payments under one reference make one transfer.
pub fn from_payments(rows: &[sqlx::any::AnyRow]) -> ApiResult<Vec<Transfer>> {
    let mut out: Vec<Transfer> = vec![];
    for r in rows {
        let reference = r.try_get::<Option<String>, _>("payment_reference")?.unwrap_or_default();
        let number: String = r.try_get("number")?;
        let amount: Centimes = r.try_get("amount")?;
        match out.last_mut() {
            Some(t) if t.payment_reference == reference => {
                t.form_numbers = format!("{}, {number}", t.form_numbers);
                t.amount += amount;
            }
            _ => out.push(Transfer {
                payment_reference: reference,
                form_numbers: number,
                matricule: r.try_get("payee_code")?,
                member_name: r.try_get("payee_name")?,
                rib: r.try_get::<Option<String>, _>("rib")?.unwrap_or_default(),
                amount,
            }),
        }
    }
    Ok(out)
}

/// The reference of each payee's transfer in a batch: `<batch>/0001`, `/0002`…
/// in the order the payees come; a payee given twice keeps his first.
pub fn numbered(batch: &str, payees: impl IntoIterator<Item = i64>) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    for payee in payees {
        let next = out.len() + 1;
        out.entry(payee).or_insert_with(|| format!("{batch}/{next:04}"));
    }
    out
}

/// Whom a transfer list pays: members (their claim forms, matricules) or
/// providers (their invoices, agreement references). One shape for the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferList {
    Members,
    Providers,
}

impl TransferList {
    fn headers(self) -> [&'static str; 6] {
        match self {
            TransferList::Members => {
                ["Référence", "Feuilles de soins", "Matricule", "Bénéficiaire du virement", "RIB", "Montant (DH)"]
            }
            TransferList::Providers => {
                ["Référence", "Factures", "Convention", "Bénéficiaire du virement", "RIB", "Montant (DH)"]
            }
        }
    }
}

/// The transfer list for a file named `name`: `.xlsx` or `.csv` (`;`,
/// amounts `1100,00`) by its extension.
pub fn bytes(name: &str, list: &[Transfer], kind: TransferList) -> ApiResult<Vec<u8>> {
    let headers = kind.headers();
    Ok(match super::extension(name).as_str() {
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = list
                .iter()
                .map(|t| {
                    vec![
                        t.payment_reference.as_str().into(),
                        t.form_numbers.as_str().into(),
                        t.matricule.as_str().into(),
                        t.member_name.as_str().into(),
                        t.rib.as_str().into(),
                        Cell::Money(t.amount),
                    ]
                })
                .collect();
            xlsx_bytes("Virements", &headers, &rows)?
        }
        "csv" => {
            use crate::export::CsvCell::{Figure, Text};
            let rows: Vec<_> = list
                .iter()
                .map(|t| {
                    vec![
                        Text(&t.payment_reference),
                        Text(&t.form_numbers),
                        Text(&t.matricule),
                        Text(&t.member_name),
                        Text(&t.rib),
                        Figure(crate::money::plain(t.amount)),
                    ]
                })
                .collect();
            crate::export::csv_bytes(&headers, &rows)?
        }
        _ => return Err(ApiError::validation("name", "La liste de virements s'enregistre en .xlsx ou en .csv.")),
    })
}
