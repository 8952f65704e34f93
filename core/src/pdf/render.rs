//! Writes a laid-out [`Doc`] as PDF bytes with subsetted, embedded fonts.

use super::{Doc, Image, Item, Weight, PAGE_HEIGHT, PAGE_WIDTH};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use subsetter::GlyphRemapper;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A parsed font: the glyph of each character and its advance.
pub(super) struct Font {
    data: &'static [u8],
    ps_name: &'static str,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    cap_height: f32,
    bbox: [f32; 4],
    glyphs: BTreeMap<char, (u16, f32)>,
}

impl Font {
    fn load(data: &'static [u8], ps_name: &'static str) -> Font {
        // The fonts are compiled in and known good; a failure here is a build defect.
        let face = ttf_parser::Face::parse(data, 0).expect("embedded font parses");
        let upem = face.units_per_em() as f32;
        let mut glyphs = BTreeMap::new();
        if let Some(table) = face.tables().cmap {
            for sub in table.subtables {
                if !sub.is_unicode() {
                    continue;
                }
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        let adv = face.glyph_hor_advance(g).unwrap_or(0) as f32 / upem;
                        glyphs.entry(c).or_insert((g.0, adv));
                    }
                });
            }
        }
        let b = face.global_bounding_box();
        Font {
            data,
            ps_name,
            units_per_em: upem,
            ascender: face.ascender() as f32,
            descender: face.descender() as f32,
            cap_height: face.capital_height().unwrap_or(face.ascender()) as f32,
            bbox: [b.x_min as f32, b.y_min as f32, b.x_max as f32, b.y_max as f32],
            glyphs,
        }
    }

    /// The glyph for `c`, or the question mark when the font has none.
    fn glyph(&self, c: char) -> (u16, f32) {
        let c = if c == '\u{a0}' || c == '\u{202f}' { ' ' } else { c };
        self.glyphs.get(&c).or_else(|| self.glyphs.get(&'?')).copied().unwrap_or((0, 0.5))
    }

    /// Width in ems.
    pub(super) fn width(&self, text: &str) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum()
    }

    fn scale(&self, v: f32) -> f32 {
        v * 1000.0 / self.units_per_em
    }
}

pub(super) fn font(weight: Weight) -> &'static Font {
    static R: OnceLock<Font> = OnceLock::new();
    static B: OnceLock<Font> = OnceLock::new();
    match weight {
        Weight::Regular => R.get_or_init(|| Font::load(REGULAR, "DejaVuSans")),
        Weight::Bold => B.get_or_init(|| Font::load(BOLD, "DejaVuSans-Bold")),
    }
}

/// The glyphs one font uses in this document, renumbered for its subset in
/// ascending order: the same set of glyphs always gives the same subset (and
/// can be taken from the cache).
struct Used {
    glyphs: Vec<u16>,
    remapper: GlyphRemapper,
    /// New glyph id → (character, advance in ems).
    chars: BTreeMap<u16, (char, f32)>,
}

/// The characters every subset carries, used or not: the letters, digits
/// and punctuation of names, addresses, amounts and dates. Names and
/// addresses differ by a letter or two, so without them nearly every
/// statement of a run had its own glyph set, subsetted and compressed again
/// (a sixth of a run's time); with them a run's documents share a few subsets.
/// A statement uses most of them anyway; accented letters and signs are
/// added only when used.
const COMMON: &str = " ',-./0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Used {
    fn collect<'a>(f: &Font, texts: impl Iterator<Item = &'a str>) -> Used {
        let mut set = std::collections::BTreeSet::from([0u16]);
        set.extend(COMMON.chars().map(|c| f.glyph(c).0));
        let mut first: BTreeMap<u16, (char, f32)> = BTreeMap::new();
        for t in texts {
            for c in t.chars() {
                let (g, adv) = f.glyph(c);
                set.insert(g);
                first.entry(g).or_insert((c, adv));
            }
        }
        let glyphs: Vec<u16> = set.into_iter().collect();
        let remapper = GlyphRemapper::new_from_glyphs_sorted(&glyphs);
        let chars = first.into_iter().filter_map(|(g, v)| remapper.get(g).map(|n| (n, v))).collect();
        Used { glyphs, remapper, chars }
    }
    fn encode(&self, f: &Font, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let new = self.remapper.get(f.glyph(c).0).unwrap_or(0);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

/// Compressed font subsets by font and glyph set: statements of a run use
/// nearly the same glyphs, and subsetting is the costly part of a PDF.
fn subset_of(weight: Weight, used: &Used) -> Arc<Vec<u8>> {
    type Cache = Mutex<Vec<((Weight, Vec<u16>), Arc<Vec<u8>>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let key = (weight, used.glyphs.clone());
    if let Ok(c) = cache.lock() {
        if let Some((_, v)) = c.iter().find(|(k, _)| *k == key) {
            return v.clone();
        }
    }
    let f = font(weight);
    let subset = subsetter::subset(f.data, 0, &used.remapper).unwrap_or_else(|_| f.data.to_vec());
    let bytes = Arc::new(deflate(&subset));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 32 {
            c.remove(0);
        }
        c.push((key, bytes.clone()));
    }
    bytes
}

pub(super) fn render(doc: &Doc) -> Vec<u8> {
    let weights = [Weight::Regular, Weight::Bold];
    let texts = |w: Weight| {
        doc.pages.iter().flat_map(|p| p.items.iter()).filter_map(move |i| match i {
            Item::Text { weight, text, .. } if *weight == w => Some(text.as_str()),
            _ => None,
        })
    };
    let used = [
        Used::collect(font(Weight::Regular), texts(Weight::Regular)),
        Used::collect(font(Weight::Bold), texts(Weight::Bold)),
    ];

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<Ref> = weights.iter().map(|_| alloc()).collect();
    let page_refs: Vec<(Ref, Ref)> = doc.pages.iter().map(|_| (alloc(), alloc())).collect();
    // Each image: its XObject and, when it has transparency, its soft mask.
    let image_refs: Vec<(Ref, Option<Ref>)> =
        doc.images.iter().map(|i| (alloc(), i.alpha.as_ref().map(|_| alloc()))).collect();

    let mut contents = Vec::with_capacity(doc.pages.len());
    for page in &doc.pages {
        let mut c = Content::new();
        for item in &page.items {
            match item {
                Item::Rule { x1, y1, x2, y2, width } => {
                    c.set_line_width(*width);
                    c.move_to(*x1, *y1);
                    c.line_to(*x2, *y2);
                    c.stroke();
                }
                Item::Text { x, y, size, weight, text } => {
                    let i = if *weight == Weight::Bold { 1 } else { 0 };
                    let bytes = used[i].encode(font(*weight), text);
                    c.begin_text();
                    c.set_font(Name(if i == 1 { b"F2" } else { b"F1" }), *size);
                    c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y]);
                    c.show(Str(&bytes));
                    c.end_text();
                }
                Item::Image { index, x, y, w, h } => {
                    c.save_state();
                    c.transform([*w, 0.0, 0.0, *h, *x, *y]);
                    c.x_object(Name(format!("Im{index}").as_bytes()));
                    c.restore_state();
                }
            }
        }
        contents.push(c.finish());
    }

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_refs.iter().map(|(p, _)| *p)).count(page_refs.len() as i32);
    for ((page_ref, content_ref), content) in page_refs.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(*content_ref);
        let mut res = page.resources();
        let mut fonts = res.fonts();
        fonts.pair(Name(b"F1"), font_refs[0]);
        fonts.pair(Name(b"F2"), font_refs[1]);
        fonts.finish();
        if !image_refs.is_empty() {
            let mut xo = res.x_objects();
            for (i, (r, _)) in image_refs.iter().enumerate() {
                xo.pair(Name(format!("Im{i}").as_bytes()), *r);
            }
            xo.finish();
        }
        res.finish();
        page.finish();
        pdf.stream(*content_ref, content);
    }

    for (i, weight) in weights.iter().enumerate() {
        let f = font(*weight);
        let type0 = font_refs[i];
        let (cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc());
        // The subset tag is derived from the glyphs used, never random.
        let tag = subset_tag(&used[i]);
        let base = format!("{tag}+{}", f.ps_name);
        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        {
            let mut w = cid_font.widths();
            for (gid, (_, adv)) in &used[i].chars {
                w.consecutive(*gid, [adv * 1000.0]);
            }
        }
        cid_font.finish();
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(f.scale(f.bbox[0]), f.scale(f.bbox[1]), f.scale(f.bbox[2]), f.scale(f.bbox[3])))
            .italic_angle(0.0)
            .ascent(f.scale(f.ascender))
            .descent(f.scale(f.descender))
            .cap_height(f.scale(f.cap_height))
            .stem_v(if *weight == Weight::Bold { 120.0 } else { 80.0 })
            .font_file2(file);
        let compressed = subset_of(*weight, &used[i]);
        pdf.stream(file, &compressed).filter(Filter::FlateDecode);
        let mut map = UnicodeCmap::new(Name(b"Custom"), system);
        for (gid, (c, _)) in &used[i].chars {
            map.pair(*gid, *c);
        }
        pdf.cmap(cmap, &map.finish());
    }

    for (image, (r, mask)) in doc.images.iter().zip(&image_refs) {
        samples(&mut pdf, *r, image, (&image.rgb, true), *mask);
        if let (Some(m), Some(alpha)) = (mask, &image.alpha) {
            samples(&mut pdf, *m, image, (alpha, false), None);
        }
    }

    pdf.document_info(info).title(TextStr(&doc.title)).producer(TextStr("Guichet"));
    // A fixed identifier derived from the content keeps the output reproducible.
    let id = content_id(&contents);
    pdf.set_file_id((id.clone(), id));
    pdf.finish()
}

/// An image's samples as an XObject: its colours, three a pixel (`mask`
/// names its transparency's XObject), or that transparency, one a pixel.
fn samples(pdf: &mut Pdf, r: Ref, image: &Image, (data, colours): (&[u8], bool), mask: Option<Ref>) {
    let data = deflate(data);
    let mut x = pdf.image_xobject(r, &data);
    x.filter(Filter::FlateDecode);
    x.width(image.width as i32);
    x.height(image.height as i32);
    if colours {
        x.color_space().device_rgb();
    } else {
        x.color_space().device_gray();
    }
    x.bits_per_component(8);
    if let Some(m) = mask {
        x.s_mask(m);
    }
    x.finish();
}

fn subset_tag(u: &Used) -> String {
    let mut h: u32 = 2166136261;
    for g in &u.glyphs {
        for b in g.to_be_bytes().iter() {
            h = (h ^ *b as u32).wrapping_mul(16777619);
        }
    }
    (0..6).map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char).collect()
}

fn content_id(contents: &[pdf_writer::Buf]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for c in contents {
        h.update(c.as_slice());
    }
    h.finalize()[..16].to_vec()
}

/// zlib stream for FlateDecode (the subset fonts would otherwise dominate the file).
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
