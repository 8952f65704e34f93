//! Scanned prescriptions with drug vignettes stuck on them, made for the
//! tests and the benchmark of the vignette reader: an A4 page at 200 dpi,
//! handwriting-like strokes, 1 to 8 vignettes each with its EAN-13 (drawn by
//! an encoder of our own, not the reader's), turned up to 8°, noise, saved
//! as JPEG at quality 70, as PNG, or as a one-page PDF around the JPEG.
#![allow(dead_code)]

/// A4 at 200 dpi.
pub const WIDTH: usize = 1654;
pub const HEIGHT: usize = 2339;

/// A page made, with the codes of its vignettes (a code twice: two boxes).
pub struct ScanPage {
    pub bytes: Vec<u8>,
    pub format: Format,
    pub codes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Pdf,
}

/// `611800003277` → `6118000032779`: the 13th digit is the check digit.
pub fn ean13(twelve: &str) -> String {
    let sum: u32 = twelve.bytes().enumerate().map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{twelve}{}", (10 - sum % 10) % 10)
}

/// The 95 modules of an EAN-13 (true = a bar).
fn modules(code: &str) -> Vec<bool> {
    const L: [&str; 10] =
        ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"];
    const G: [&str; 10] =
        ["0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111"];
    const R: [&str; 10] =
        ["1110010", "1100110", "1101100", "1000010", "1011100", "1001110", "1010000", "1000100", "1001000", "1110100"];
    const PARITY: [&str; 10] =
        ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"];
    let d: Vec<usize> = code.bytes().map(|b| (b - b'0') as usize).collect();
    let mut s = String::from("101");
    for (i, p) in PARITY[d[0]].chars().enumerate() {
        s.push_str(if p == 'L' { L[d[i + 1]] } else { G[d[i + 1]] });
    }
    s.push_str("01010");
    for &x in &d[7..13] {
        s.push_str(R[x]);
    }
    s.push_str("101");
    s.chars().map(|c| c == '1').collect()
}

/// A grey picture.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize, v: u8) -> Canvas {
        Canvas { w, h, px: vec![v; w * h] }
    }
    fn rect(&mut self, x: usize, y: usize, w: usize, h: usize, v: u8) {
        for yy in y..(y + h).min(self.h) {
            for xx in x..(x + w).min(self.w) {
                self.px[yy * self.w + xx] = v;
            }
        }
    }
    /// Bilinear sample; `None` outside.
    fn sample(&self, x: f32, y: f32) -> Option<f32> {
        if x < 0.0 || y < 0.0 || x > (self.w - 1) as f32 || y > (self.h - 1) as f32 {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: usize, y: usize| self.px[y * self.w + x] as f32;
        let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
        let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }
}

/// A vignette: a white sticker with a border, two lines of "print" and the barcode.
fn vignette(code: &str, module: usize) -> Canvas {
    let bars = modules(code);
    let quiet = 10 * module;
    let w = bars.len() * module + 2 * quiet;
    let h = 150 + 12 * module;
    let mut c = Canvas::new(w, h, 250);
    c.rect(0, 0, w, 2, 90);
    c.rect(0, h - 2, w, 2, 90);
    c.rect(0, 0, 2, h, 90);
    c.rect(w - 2, 0, 2, h, 90);
    c.rect(quiet, 10, w / 2, 12, 60);
    c.rect(quiet, 30, w / 3, 10, 90);
    let bar_h = 70 + 8 * module;
    for (i, b) in bars.iter().enumerate() {
        if *b {
            c.rect(quiet + i * module, 48, module, bar_h, 25);
        }
    }
    c.rect(quiet, 52 + bar_h, w - 2 * quiet, 10, 100);
    c
}

/// Pastes `v` turned by `degrees` about its centre at (`cx`, `cy`) of the page.
fn paste_turned(page: &mut Canvas, v: &Canvas, cx: f32, cy: f32, degrees: f32) {
    let (s, c) = degrees.to_radians().sin_cos();
    let r = ((v.w * v.w + v.h * v.h) as f32).sqrt() / 2.0 + 2.0;
    let (vx, vy) = (v.w as f32 / 2.0, v.h as f32 / 2.0);
    for y in (cy - r).max(0.0) as usize..((cy + r) as usize).min(page.h) {
        for x in (cx - r).max(0.0) as usize..((cx + r) as usize).min(page.w) {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            // Inverse rotation into the vignette.
            let (sx, sy) = (c * dx + s * dy + vx, -s * dx + c * dy + vy);
            if let Some(val) = v.sample(sx, sy) {
                page.px[y * page.w + x] = val.round() as u8;
            }
        }
    }
}

/// One page with `codes` (one vignette each), drawn from `seed`.
pub fn page(seed: u64, codes: &[String], format: Format) -> ScanPage {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut p = Canvas::new(WIDTH, HEIGHT, 240);
    // The prescription's header and handwriting.
    p.rect(120, 100, 700, 30, 70);
    p.rect(120, 150, 500, 20, 110);
    for _ in 0..40 {
        let (x, y) = (rng.usize(100..1400), rng.usize(250..2200));
        p.rect(x, y, rng.usize(40..220), rng.usize(3..8), rng.u8(40..120));
    }
    // Up to 8 vignettes on a grid of 2 columns and 4 rows, each jittered and turned.
    let mut cells: Vec<usize> = (0..8).collect();
    rng.shuffle(&mut cells);
    for (code, cell) in codes.iter().zip(cells) {
        let module = if rng.bool() { 2 } else { 3 };
        let v = vignette(code, module);
        let cx = 420.0 + (cell % 2) as f32 * 800.0 + rng.f32() * 120.0 - 60.0;
        let cy = 480.0 + (cell / 2) as f32 * 470.0 + rng.f32() * 80.0 - 40.0;
        paste_turned(&mut p, &v, cx, cy, rng.f32() * 16.0 - 8.0);
    }
    // The scanner's noise and specks.
    for px in p.px.iter_mut() {
        let n = rng.i32(-14..=14);
        *px = (*px as i32 + n).clamp(0, 255) as u8;
    }
    for _ in 0..3000 {
        let i = rng.usize(0..p.px.len());
        p.px[i] = rng.u8(0..80);
    }
    let bytes = match format {
        Format::Jpeg => jpeg(&p),
        Format::Png => png(&p),
        Format::Pdf => pdf(&jpeg(&p)),
    };
    ScanPage { bytes, format, codes: codes.to_vec() }
}

fn jpeg(p: &Canvas) -> Vec<u8> {
    let mut out = vec![];
    jpeg_encoder::Encoder::new(&mut out, 70)
        .encode(&p.px, p.w as u16, p.h as u16, jpeg_encoder::ColorType::Luma)
        .unwrap();
    out
}

fn png(p: &Canvas) -> Vec<u8> {
    let mut out = vec![];
    let mut e = png::Encoder::new(&mut out, p.w as u32, p.h as u32);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(png::BitDepth::Eight);
    e.write_header().unwrap().write_image_data(&p.px).unwrap();
    out
}

/// A one-page A4 PDF showing the JPEG, as a scanner makes it.
fn pdf(jpeg: &[u8]) -> Vec<u8> {
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
    let (catalog, tree, page, image, content) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut pg = pdf.page(page);
    pg.media_box(Rect::new(0.0, 0.0, 595.0, 842.0)).parent(tree).contents(content);
    pg.resources().x_objects().pair(Name(b"Im1"), image);
    pg.finish();
    let mut x = pdf.image_xobject(image, jpeg);
    x.filter(Filter::DctDecode);
    x.width(WIDTH as i32);
    x.height(HEIGHT as i32);
    x.color_space().device_gray();
    x.bits_per_component(8);
    x.finish();
    let mut c = Content::new();
    c.save_state();
    c.transform([595.0, 0.0, 0.0, 842.0, 0.0, 0.0]);
    c.x_object(Name(b"Im1"));
    c.restore_state();
    pdf.stream(content, &c.finish());
    pdf.finish()
}

/// `n` pages drawn from `seed`: 1 to 8 vignettes each, codes from `drugs`
/// (a drug may stand twice on a page), a page in five a PDF, one in ten a PNG.
pub fn set(n: usize, seed: u64, drugs: &[String]) -> Vec<ScanPage> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let k = rng.usize(1..=8);
            let codes: Vec<String> = (0..k).map(|_| drugs[rng.usize(0..drugs.len())].clone()).collect();
            let format = match i % 10 {
                0 | 5 => Format::Pdf,
                3 => Format::Png,
                _ => Format::Jpeg,
            };
            page(seed.wrapping_mul(31).wrapping_add(i as u64), &codes, format)
        })
        .collect()
}
