//! The acknowledgement of receipt (FAQ question 7: « Un accusé de réception
//! sera envoyé pour confirmer la réception de votre dossier (demande de prise
//! en charge, accord préalable et mise à jour administratif) »): one layout for
//! dossiers, approval requests and update requests.

use super::letterhead::{notice, Letterhead};
use super::Writer;

/// What a receipt says: its fields in order, the pieces received and those
/// still missing, and what happens next.
pub struct Receipt<'a> {
    /// `Accusé de réception AP-2026-000012`: the document's title.
    pub reference: String,
    pub fields: Vec<(&'a str, String)>,
    /// Why incomplete or rejected, as the member reads it (wrapped).
    pub reason: Option<String>,
    pub received: Vec<String>,
    pub missing: Vec<String>,
    /// Paragraphs after the lists: how to complete, what comes next.
    pub closing: Vec<String>,
}

/// The same receipt as the text of a message sent to the member (the
/// acknowledgement « envoyé pour confirmer la réception »): every line the
/// paper says, in the same order.
pub fn text(head: &Letterhead, r: &Receipt) -> String {
    let mut out = format!("{} — Accusé de réception {}\n\n", head.name, r.reference);
    for (label, value) in &r.fields {
        out.push_str(&format!("{label} : {value}\n"));
    }
    if let Some(reason) = &r.reason {
        out.push_str(&format!("Motif : {reason}\n"));
    }
    for (title, list) in [("Pièces reçues", &r.received), ("Pièces manquantes", &r.missing)] {
        if !list.is_empty() {
            out.push_str(&format!("\n{title} :\n"));
            for p in list.iter() {
                out.push_str(&format!("• {p}\n"));
            }
        }
    }
    for p in &r.closing {
        out.push_str(&format!("\n{p}\n"));
    }
    out
}

pub fn render(head: &Letterhead, r: &Receipt) -> Vec<u8> {
    let mutual = head.name.as_str();
    let mut w = Writer::new(
        &format!("Accusé de réception {}", r.reference),
        &format!("{mutual} — accusé de réception {}", r.reference),
    );
    w.title(mutual);
    w.heading("Accusé de réception");
    for (label, value) in &r.fields {
        w.field(label, value);
    }
    if let Some(reason) = &r.reason {
        w.field("Motif", "");
        w.paragraph(reason);
    }
    if !r.received.is_empty() {
        w.heading("Pièces reçues");
        for p in &r.received {
            w.paragraph(&format!("• {p}"));
        }
    }
    if !r.missing.is_empty() {
        w.heading("Pièces manquantes");
        for m in &r.missing {
            w.paragraph(&format!("• {m}"));
        }
    }
    for (i, p) in r.closing.iter().enumerate() {
        w.gap(if i == 0 { 8.0 } else { 4.0 });
        w.paragraph(p);
    }
    notice(&mut w, head);
    w.finish().render()
}
