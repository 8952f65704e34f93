//! What the Guichet server and its clients (the CLI, a desk in server mode)
//! both speak besides the command layer's JSON: the desk's name in a
//! header, certificate fingerprints, and paths in an answer given back as
//! the other side named them.

use serde_json::Value;
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

/// Every string of `v` that starts with `from` starts with `to` instead:
/// one side's paths in an answer, given back as the other side named them.
pub fn replace_prefix(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.starts_with(from) => *s = format!("{to}{}", &s[from.len()..]),
        Value::Array(items) => items.iter_mut().for_each(|i| replace_prefix(i, from, to)),
        Value::Object(map) => map.values_mut().for_each(|i| replace_prefix(i, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn desk_names_prefixes_and_fingerprints() {
        let desk = "Guichet 3 — accueil siège";
        assert!(header_text(desk).is_ascii());
        assert_eq!(from_header_text(&header_text(desk)), desk);
        let mut v = json!({"path": "/tmp/x/out-1/d.pdf", "others": ["/tmp/x/a", "ailleurs"], "n": 3});
        replace_prefix(&mut v, "/tmp/x", "dossier");
        assert_eq!(v, json!({"path": "dossier/out-1/d.pdf", "others": ["dossier/a", "ailleurs"], "n": 3}));
        assert_eq!(fingerprint(b"abc").len(), 32 * 3 - 1);
        assert!(fingerprint(b"abc").starts_with("BA:78:16:BF"));
    }
}
