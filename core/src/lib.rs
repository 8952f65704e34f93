//! Guichet core: everything the back office knows and decides, with no UI and no
//! Tauri. The desktop shell (`src-tauri/`) and the `guichet` CLI only call
//! [`api`], the command layer; every rule lives below it.
//!
//! Areas, one folder each:
//! - [`storage`]: opening SQLite or PostgreSQL from a URL, migrations, time encoding.
//! - [`staff`]: staff accounts, roles, passwords and the lock-out rule.
//! - [`auth`]: permissions of each role and the sections of the window they open.
//! - [`audit`]: the append-only journal written in the same transaction as each change.
//! - [`members`]: members, beneficiaries, search and the roster import.
//! - [`reception`]: urns and collections (levées d'urne), the collection slip.
//! - [`dossiers`]: claim dossiers: recording, deadlines, workflow, checklist, queues, receipts.
//! - [`export`]: lists written to .xlsx.
//! - [`liquidation`]: reimbursement rules by effective date, care lines and their liquidation.
//! - [`statements`]: payment batches, transfer lists and statement PDFs.
//! - [`money`]: integer centimes, read as typed and written the French way.
//! - [`pdf`]: laid-out pages written as reproducible PDF with an embedded font.
//! - [`api`]: one typed operation per user action, errors as `{code, message}`.

pub mod api;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod clock;
pub mod dossiers;
pub mod drugs;
pub mod error;
pub mod export;
pub mod host;
pub mod kernel;
pub mod liquidation;
pub mod logging;
pub mod medical;
pub mod members;
pub mod money;
pub mod pdf;
pub mod portal;
pub mod provider_payments;
pub mod reception;
pub mod settings;
pub mod sheet;
#[cfg(test)]
mod source_walk;
pub mod staff;
pub mod statements;
pub mod storage;
pub mod years;

pub use error::{ApiError, ErrorCode};

/// The version of Guichet (the workspace's): shown in the window's « À propos », by `guichet --version`, and in
/// packages.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
