//! The storage suite: every test here runs on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod helpers;
#[path = "../support/scans.rs"]
mod scans;

mod approvals;
mod audit_journal;
mod backups;
mod clawbacks;
mod dossiers;
mod groups_of_care;
mod hostile;
mod import;
mod journal_plans;
mod member_updates;
mod members;
mod money_flows;
mod opening;
mod permissions;
mod pharmacy;
mod portal;
mod portal_approvals;
mod provider_payments;
mod queue_plans;
mod renewals;
mod schema_parity;
mod staff_accounts;
mod statements;
mod upgrade;
mod who_is_covered;
mod years_apart;
