//! What the Guichet server and its clients (the CLI, a desk in server mode)
//! both speak besides the command layer's JSON: the desk's name in a
//! header, certificate fingerprints, and paths in an answer given back as
//! the other side named them.

use sha2::{Digest, Sha256};

/// A desk's name as an HTTP header carries it (headers are ASCII: the
/// name's UTF-8 percent-encoded), and back.
pub fn header_text(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes()).collect()
}

pub fn from_header_text(raw: &str) -> String {
    url::form_urlencoded::parse(format!("x={raw}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// `AB:CD:…`: the SHA-256 of a certificate (DER) as people compare it.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_names_prefixes_and_fingerprints() {
        let desk = "Guichet 3 — accueil siège";
        assert!(header_text(desk).is_ascii());
        assert_eq!(from_header_text(&header_text(desk)), desk);
        assert_eq!(fingerprint(b"abc").len(), 32 * 3 - 1);
        assert!(fingerprint(b"abc").starts_with("BA:78:16:BF"));
    }
}
