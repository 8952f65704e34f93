//! Reception: urns where members drop their original dossiers, and the
//! collections (levées d'urne) in which an agent records each dossier taken
//! out, closed with a printed slip (bordereau).

pub mod collections;
pub mod urns;

pub use collections::{Collection, CollectionDetail};
pub use urns::{Urn, UrnInput};
