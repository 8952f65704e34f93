//! The journal's hash chain. Each row's hash is SHA-256 over its content and
//! the hash of the row before it, so editing, deleting or reordering rows by
//! hand in the database breaks the chain where it happened; `verify` walks it
//! and names each break. Writers take the next place by updating the one-row
//! head first: the row lock serialises them on PostgreSQL (SQLite has one
//! writer anyway), so the chain never forks.

use crate::error::ApiResult;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

/// The fields of a row that the hash covers, in order.
pub struct Content<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub staff_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<&'a str>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub prev_hash: &'a str,
    /// Desk and address, through the server. Hashed after the rest and only
    /// when present, so rows without keep the hash they were written with.
    pub origin: Option<(&'a str, &'a str)>,
}

/// Hex SHA-256 of the content, each field length-prefixed so no two contents
/// read the same.
pub fn hash(c: &Content<'_>) -> String {
    hex_string(&hash_bytes(c))
}

/// A hash in hex, held inline: the main chain's rows hash without a heap
/// allocation per row.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex([u8; 64]);

impl Hex {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// [`hash`], inline.
pub fn hash_hex(c: &Content<'_>) -> Hex {
    Hex(hex(&hash_bytes(c)))
}

/// The SHA-256 of the content. Fed piece by piece, without copying the
/// fields: an import hashes a hundred thousand rows.
pub fn hash_bytes(c: &Content<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut digits = itoa::Buffer::new();
    let mut field = |v: Option<&str>| match v {
        Some(s) => {
            h.update(digits.format(s.len()));
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b"|");
        }
        None => h.update(b"-|"),
    };
    let mut number = itoa::Buffer::new();
    field(Some(number.format(c.seq)));
    field(Some(c.at));
    let mut staff = itoa::Buffer::new();
    field(c.staff_id.map(|s| staff.format(s)));
    field(Some(c.actor));
    field(Some(c.action));
    field(Some(c.entity_type));
    field(c.entity_id);
    field(c.before_json);
    field(c.after_json);
    field(Some(c.prev_hash));
    if let Some((desk, addr)) = c.origin {
        field(Some("origin"));
        field(Some(desk));
        field(Some(addr));
    }
    h.finalize().into()
}

/// 32 bytes in lower-case hex, as text.
pub(super) fn hex_string(bytes: &[u8; 32]) -> String {
    hex::encode(bytes)
}

/// 32 bytes in lower-case hex.
fn hex(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // 64 bytes hold 32 bytes' hex exactly: this cannot fail.
    let _ = hex::encode_to_slice(bytes, &mut out);
    out
}

/// What a segment's row keeps of its hash: the first 64 bits, as an
/// integer. Enough to name the row that was edited (a match by chance is one
/// in 2⁶⁴); the segment's seal keeps the digest of the full hashes.
pub fn fingerprint(hash: &[u8; 32]) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    i64::from_be_bytes(first)
}

/// The digest a segment's seal keeps: SHA-256 over its rows' hashes, in
/// order. Fed chunk by chunk as the rows are written.
#[derive(Clone, Default)]
pub struct SegmentDigest(Sha256);

impl SegmentDigest {
    pub fn add(&mut self, row_hash: &[u8; 32]) {
        self.0.update(row_hash);
    }
    pub fn hex(self) -> String {
        hex_string(&self.0.finalize().into())
    }
}

/// Reserves `n` places after the head: returns the first seq and the hash before it.
pub async fn reserve(tx: &mut Transaction<'static, Any>, n: i64) -> ApiResult<(i64, String)> {
    let r = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    let last: i64 = r.try_get("seq")?;
    Ok((last - n + 1, r.try_get("hash")?))
}

/// Moves the head's hash to the last row written.
pub async fn advance(tx: &mut Transaction<'static, Any>, hash: &str) -> ApiResult<()> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(hash).execute(&mut **tx).await?;
    Ok(())
}

/// The hash a segment's first row follows: the segment's key, so its rows
/// cannot be moved into another segment.
pub fn segment_start(key: &str) -> String {
    format!("segment:{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hashes of rows already written must not change: these values
    /// were computed independently from the format (length:content| per field).
    #[test]
    fn the_hash_of_a_row_is_the_one_it_was_written_with() {
        let mut c = Content {
            seq: -42,
            at: "2026-11-23T09:00:00Z",
            staff_id: None,
            actor: "système:test",
            action: "staff.create",
            entity_type: "staff",
            entity_id: Some("12"),
            before_json: None,
            after_json: Some(r#"{"nom":"Bénani"}"#),
            prev_hash: "abc",
            origin: None,
        };
        assert_eq!(hash(&c), "0cd3f0a7fa19b60dc9a77c8b474200c1e03db5db8bae670ccb28455b0d063ca7");
        c.seq = 7;
        c.staff_id = Some(3);
        c.origin = Some(("guichet-2", "10.0.0.5"));
        assert_eq!(hash(&c), "1431c445e39d3a90cda38915d94e847e2559860f2644d13f58cc0078a7f5aa40");
    }
}
