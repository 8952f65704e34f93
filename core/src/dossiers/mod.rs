//! Claim dossiers (dossiers de soins): the workflow of their statuses, the
//! deadlines of the claim form and the completeness checklist. Reception,
//! collections, storage and the command-layer operations build on these rules
//! (issue 4, in progress).

pub mod checklist;
pub mod deadlines;
pub mod workflow;
