//! Payments and statements (décomptes): payment batches and transfer lists,
//! the statement of a paid dossier, a member's statement for a period, and the
//! statement run over a period.

pub mod batch;
pub mod payments;
pub mod pdf;
