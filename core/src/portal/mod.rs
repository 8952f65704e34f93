//! The members' portal (issue 21): what a member sees of his file
//! ([`view`]), his account (activation with a one-time code, password,
//! lock-out: [`accounts`], [`codes`]), his sessions ([`sessions`]), the
//! messages that carry codes ([`outbox`]) and the calls he makes once logged
//! in ([`member_api`]; his change requests and receipts:
//! [`requests`]): each answers for his own family only, whatever id a
//! request names. Staff accounts and members' accounts never mix: other
//! tables, other sessions, another cookie.

pub mod accounts;
pub mod approvals;
pub mod brand;
pub mod codes;
pub mod member_api;
pub mod outbox;
pub mod requests;
pub mod sessions;
pub mod view;

pub use view::*;
