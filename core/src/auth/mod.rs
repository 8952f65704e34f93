//! Who may do what. Each command-layer operation declares one [`Permission`];
//! the check happens in [`crate::api`] before the operation runs, never in the
//! window alone.

mod permissions;

pub use permissions::{allows, permissions_of, sections_of, Permission, Role, Section};
