//! PDF output (collection slips, receipts, later statements and letters).
//!
//! Documents are first laid out as pages of positioned text and rules
//! ([`Doc`]), then written with `pdf-writer`: DejaVu Sans embedded as a
//! subset (accents right, text extractable through a ToUnicode map), no time
//! stamp and no random identifier, so the same input gives the same bytes.

mod layout;
pub mod letterhead;
pub mod receipt;
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
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// An image of the document's list drawn in a box (`w` × `h` points).
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// A raster image as pixels: 8-bit RGB, and its opacity when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
}

impl Image {
    /// Decodes a PNG (any colour type, 8 or 16 bits, palette, transparency).
    pub fn from_png(bytes: &[u8]) -> Result<Image, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let (width, height) = (reader.info().width, reader.info().height);
        if width == 0 || height == 0 || width > 4000 || height > 4000 {
            return Err(format!("{width} × {height} pixels"));
        }
        let mut buf = vec![0; reader.output_buffer_size().ok_or("too large")?];
        let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        let data = &buf[..frame.buffer_size()];
        let n = (width * height) as usize;
        let (mut rgb, mut alpha) = (Vec::with_capacity(n * 3), Vec::with_capacity(n));
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => return Err("palette not expanded".into()),
        };
        for px in data.chunks_exact(channels).take(n) {
            match channels {
                1 | 2 => rgb.extend_from_slice(&[px[0], px[0], px[0]]),
                _ => rgb.extend_from_slice(&px[..3]),
            }
            if channels == 2 || channels == 4 {
                alpha.push(px[channels - 1]);
            }
        }
        let alpha = if alpha.iter().all(|a| *a == 255) { None } else { Some(alpha).filter(|a| !a.is_empty()) };
        Ok(Image { width, height, rgb, alpha })
    }
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
    /// Draws image `index` of the document (see [`Doc::add_image`]).
    pub fn image(&mut self, index: usize, x: f32, y: f32, w: f32, h: f32) {
        self.items.push(Item::Image { index, x, y, w, h });
    }
}

/// A document being laid out.
#[derive(Debug, Clone)]
pub struct Doc {
    pub title: String,
    pages: Vec<Page>,
    images: Vec<Image>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Doc {
        Doc { title: title.into(), pages: vec![], images: vec![] }
    }
    /// Adds an image the pages may draw; its index.
    pub fn add_image(&mut self, image: Image) -> usize {
        self.images.push(image);
        self.images.len() - 1
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

    /// A `w` × `h` PNG: red, its left half transparent.
    pub fn red_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = vec![];
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let mut writer = e.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|i| [200, 30, 30, if i % w < w / 2 { 0 } else { 255 }]).collect();
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_logo_is_embedded_with_its_transparency() {
        let image = Image::from_png(&red_png(40, 20)).unwrap();
        assert_eq!((image.width, image.height, image.rgb.len()), (40, 20, 40 * 20 * 3));
        assert_eq!(&image.rgb[..3], &[200, 30, 30]);
        let alpha = image.alpha.clone().unwrap();
        assert_eq!((alpha[0], alpha[39]), (0, 255));
        let mut w = Writer::new("t", "pied");
        w.logo(&image);
        w.title("Mutuelle");
        let bytes = w.finish().render();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Subtype /Image") && text.contains("/SMask"), "an image with its soft mask");
        assert!(Image::from_png(b"GIF89a not a png").is_err());
    }

    #[test]
    fn fonts_are_embedded_as_small_subsets() {
        for text in [
            "Décompte n° DEC-2026-00000001 — 1 100,00 DH",
            "Nom123 Prénom ******************** 7171",
            "B 120 × 4 — « Réglé »",
        ] {
            let mut doc = Doc::new("t");
            let p = doc.new_page();
            p.text(50.0, 700.0, 10.0, Weight::Regular, text);
            p.text(50.0, 680.0, 10.0, Weight::Bold, text);
            let bytes = doc.render();
            assert!(bytes.len() < 40_000, "{text:?}: {} bytes", bytes.len());
        }
    }
}
