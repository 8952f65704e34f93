//! The audit journal: who, when, what, before and after. Rows are written with
//! the transaction of the change they record, so a change without its audit row
//! (or the reverse) cannot exist. The tables refuse UPDATE and DELETE, and each
//! row is chained to the one before by its hash ([`chain`]), so rows edited or
//! removed behind the application's back are found by `guichet audit verify`.
//!
//! Its rooms: who acts ([`actor`]), writing ([`write`], large writes as
//! [`segments`]), the hash chain and its head ([`chain`]), verification
//! ([`verify`], segments in `segments_check`), anchors kept outside the
//! database ([`anchor`]), listing (`listing`), its tables by year ([`years`]), refusals at the portal's doors
//! written in batches ([`deferred`]).

pub mod actor;
pub mod anchor;
pub mod chain;
pub mod deferred;
mod listing;
pub mod segments;
mod segments_check;
pub mod verify;
pub mod write;
pub mod years;

pub use actor::{Actor, Origin, ORIGIN};
pub use anchor::{anchor, write_anchor, Anchor};
pub use listing::{list, query_of, AuditEntry, AuditFilter};
pub use segments::{Hashed, Segment, SegmentNext};
pub use segments_check::page_sql as segments_page_sql;
pub use verify::{chain_page_sql, verify, Break, BreakKind, Verification};
pub use write::{record, record_alone, record_many, Change, Entry, SEGMENT_SEAL};
