//! The shared kernel: rules of writing that every domain uses and none owns —
//! French dates, the text of names and free fields (cleaning, folding), the
//! masked RIB, passwords (stored as argon2id, the rules of the staff's and
//! the members'), the tone of a status's badge, where a request checked by a
//! second person stands. Amounts in dirhams are `crate::money`.

pub mod dates;
pub mod password;
pub mod review;
pub mod rib;
pub mod secret;
pub mod text;
pub mod tone;
