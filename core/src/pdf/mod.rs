//! PDF output (collection slips, receipts, later statements and letters).
//!
//! Documents are first laid out as pages of positioned text and rules
//! ([`Doc`]), then written with `pdf-writer`: DejaVu Sans embedded as a
//! subset (accents right, text extractable through a ToUnicode map), no time
//! stamp and no random identifier, so the same input gives the same bytes.

mod layout;
mod render;

pub use layout::{Align, Col, Writer};

/// A4 in PDF points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN: f32 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone)]
enum Item {
    Text { x: f32, y: f32, size: f32, weight: Weight, text: String },
    Rule { x1: f32, y1: f32, x2: f32, y2: f32, width: f32 },
}

/// One page: items in page coordinates (origin bottom left, points).
#[derive(Debug, Clone, Default)]
pub struct Page {
    items: Vec<Item>,
}

impl Page {
    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: impl Into<String>) {
        let text: String = text.into();
        // Control characters have no glyph and no place in a printed line.
        let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        self.items.push(Item::Text { x, y, size, weight, text });
    }
    pub fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.items.push(Item::Rule { x1, y1, x2, y2, width });
    }
}

/// A document being laid out.
#[derive(Debug, Clone)]
pub struct Doc {
    pub title: String,
    pages: Vec<Page>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Doc {
        Doc { title: title.into(), pages: vec![] }
    }
    pub fn new_page(&mut self) -> &mut Page {
        self.pages.push(Page::default());
        self.pages.last_mut().expect("just pushed")
    }
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
    /// The PDF bytes.
    pub fn render(&self) -> Vec<u8> {
        render::render(self)
    }
}

/// Width of `text` at `size` points, for right alignment and wrapping.
pub fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    render::font(weight).width(text) * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_are_embedded_as_small_subsets() {
        for text in ["Décompte n° DEC-2026-00000001 — 1 100,00 DH", "Nom123 Prénom ******************** 7171", "B 120 × 4 — « Réglé »"] {
            let mut doc = Doc::new("t");
            let p = doc.new_page();
            p.text(50.0, 700.0, 10.0, Weight::Regular, text);
            p.text(50.0, 680.0, 10.0, Weight::Bold, text);
            let bytes = doc.render();
            assert!(bytes.len() < 40_000, "{text:?}: {} bytes", bytes.len());
        }
    }
}
