//! Prior approvals (accords préalables) and coverage requests (prises en
//! charge): registered by reception or claims with their pieces, decided by the
//! medical advisor only, each decision with its letter; a granted approval is
//! used by the care lines it covers until nothing is left. Partner providers.

pub mod complements;
pub mod consumption;
pub mod decide;
pub mod letter;
mod lifecycle;
pub mod model;
pub mod providers;
pub mod register;
pub mod repo;

pub use model::*;
