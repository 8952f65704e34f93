//! The shared kernel: rules of writing that every domain uses and none owns —
//! French dates, the text of names and free fields (cleaning, folding), the
//! masked RIB. Amounts in dirhams are `crate::money`.

pub mod dates;
pub mod rib;
pub mod text;
