//! The provider's statement of a payment (relevé de règlement): for one
//! provider in one batch, each invoice with the member's dossier it belongs
//! to, the approval it was paid under and the amounts — charged, the fund's
//! AMO part and who pays it, the mutual's part, what the member keeps to pay
//! and what this transfer pays. Drawn from the stored liquidation.

use super::batches;
use super::invoices::{self, InvoiceFilter};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::rib;
use crate::money::format as dh;
use crate::money::Centimes;
use crate::pdf::letterhead::Letterhead;
use crate::pdf::{Align, Writer};
use sqlx::AnyPool;

/// The relevé of `provider_id` in batch `batch_id`, as PDF bytes.
pub async fn pdf(pool: &AnyPool, head: &Letterhead, batch_id: i64, provider_id: i64) -> ApiResult<Vec<u8>> {
    let batch = batches::get(pool, batch_id).await?;
    let filter = InvoiceFilter { batch_id: Some(batch_id), ..Default::default() };
    let mine: Vec<_> =
        invoices::list(pool, &filter).await?.into_iter().filter(|i| i.provider_id == provider_id).collect();
    let first = mine.first().ok_or_else(|| {
        ApiError::validation("provider_id", format!("Ce prestataire n'est pas payé dans le lot {}.", batch.reference))
    })?;
    let account: Option<String> =
        sqlx::query_scalar("SELECT rib FROM providers WHERE id = $1").bind(provider_id).fetch_one(pool).await?;
    let title = format!("Relevé de règlement — {}", first.provider_name);
    let mut w = Writer::new(&title, &format!("{} — {title} — lot {}", head.name, batch.reference));
    crate::pdf::letterhead::top(&mut w, head);
    w.heading(&title);
    w.field("Lot", &batch.reference);
    w.field("Virement", first.payment_reference.as_deref().unwrap_or("aucun (rien à virer)"));
    w.field("Date de règlement", &fr(batch.pay_date));
    w.field("Compte crédité", &rib::masked(account.as_deref()));
    w.gap(6.0);
    let cols = [
        ("Facture", Align::Left),
        ("Du", Align::Left),
        ("Matricule", Align::Left),
        ("Bénéficiaire", Align::Left),
        ("Accord", Align::Left),
        ("Facturé", Align::Right),
        ("Part\nAMO", Align::Right),
        ("Part\nmutuelle", Align::Right),
        ("Reste\nadhérent", Align::Right),
        ("Payé", Align::Right),
    ];
    let rows: Vec<Vec<String>> = mine
        .iter()
        .map(|i| {
            vec![
                i.invoice_number.clone(),
                fr(i.invoice_date),
                i.matricule.clone(),
                i.beneficiary_name.clone(),
                i.approval_number.clone(),
                dh(i.total_charged),
                dh(i.total_amo),
                dh(i.total_complementary),
                dh(i.total_remainder),
                dh(i.mutual_pays),
            ]
        })
        .collect();
    let sum = |f: fn(&invoices::Invoice) -> Centimes| mine.iter().map(f).sum::<Centimes>();
    let total = vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        dh(sum(|i| i.total_charged)),
        dh(sum(|i| i.total_amo)),
        dh(sum(|i| i.total_complementary)),
        dh(sum(|i| i.total_remainder)),
        dh(sum(|i| i.mutual_pays)),
    ];
    w.fitted_table(&cols, &rows, Some(total));
    w.field("Total viré par la mutuelle", &format!("{} DH", dh(sum(|i| i.mutual_pays))));
    w.paragraph(
        "La part AMO est avancée par la mutuelle pour la caisse de l'assuré : elle est comprise dans ce virement.",
    );
    w.paragraph("Le reste à charge de chaque adhérent est à lui demander ; il n'est pas réglé par la mutuelle.");
    Ok(w.finish().render())
}
