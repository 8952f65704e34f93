//! The mutual pays providers directly under its own coverages (tiers
//! payant): a provider's bank account changed with four eyes (`accounts`),
//! its invoices under a granted approval liquidated by the rule set
//! (`invoice_record`, read in `invoices`), paid in provider batches with their transfer list
//! (`batches`), and the provider's statement of each payment (`releve`).

pub mod accounts;
pub mod batches;
pub mod invoice_record;
pub mod invoices;
pub mod releve;
