//! How PostgreSQL plans our statements. A statement is prepared once per
//! connection and, after five runs, PostgreSQL keeps one generic plan for
//! it when that plan looks no dearer than planning each run: most of ours
//! read a row by its key, and planning them every time cost more than running
//! them once the dossiers and the journal were kept by year (each year's
//! partition and its indexes planned anew: a dossier read by its id, 0.54 ms
//! to plan and 0.06 ms to run; the triggers' and foreign keys' checks alike).
//!
//! A few statements have no plan good for every value: a name's words reach 5
//! members or 50,000, a status holds 40 dossiers or 90,000 (the generic plan
//! of a queue page walked every deadline: 23 ms for a page that takes 0.5 ms
//! planned with its status). Those are sent unnamed, so each run is planned
//! with its values ([`PlannedWithValues`]). On SQLite this only means the
//! statement is prepared again each time, which costs microseconds.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::Any;

/// A statement planned with its values each time it runs, never with a plan
/// kept for any value (see the module's documentation).
pub trait PlannedWithValues {
    fn planned_with_values(self) -> Self;
}

impl<'q> PlannedWithValues for Query<'q, Any, AnyArguments<'q>> {
    fn planned_with_values(self) -> Self {
        self.persistent(false)
    }
}

impl<'q, O> PlannedWithValues for QueryAs<'q, Any, O, AnyArguments<'q>> {
    fn planned_with_values(self) -> Self {
        self.persistent(false)
    }
}

impl<'q, O> PlannedWithValues for QueryScalar<'q, Any, O, AnyArguments<'q>> {
    fn planned_with_values(self) -> Self {
        self.persistent(false)
    }
}
