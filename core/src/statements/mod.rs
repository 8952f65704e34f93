//! Payments and statements (décomptes): payment batches and transfer lists,
//! the statement of a paid dossier, a member's statement for a period, and the
//! statement run over a period, and the transmission slips of the AMO
//! parts to the fund with its payment confirmation.

pub mod batch;
pub mod payments;
pub mod pdf;
pub mod slip_confirm;
pub mod slip_files;
pub mod slips;
