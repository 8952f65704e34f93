//! Claim dossiers (dossiers de soins): recording at reception (from an urn or
//! as an e-mailed scan), deadlines, the workflow of statuses, the document
//! checklist, duplicates, work queues, overdue originals and claw-backs, and
//! what the member's portal shows of each.

pub mod catalogues;
pub mod checklist;
pub mod complements;
pub mod counts;
pub mod deadlines;
pub mod input;
pub mod late;
pub mod lifecycle;
pub mod model;
pub mod moves;
pub mod queue;
pub mod record;
pub mod repo;
pub mod view;
pub mod workflow;

pub use model::{Dossier, Kind};
