//! Reading the vignettes on a dossier's scans: every EAN-13 barcode of the
//! pages (a JPEG or PNG image, or the scanned images of a PDF's pages), each
//! vignette counted where it stands, so two boxes of one drug are two
//! vignettes. What could not be read is said per page. Pure: bytes in,
//! codes out; the dossier's proposal is made in `proposal.rs`.

use rxing::common::HybridBinarizer;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiUseMultiFormatReader, Reader};

/// A page of a scan as the reader saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The codes of its vignettes, top to bottom, a code once per vignette.
    Read(Vec<String>),
    /// Why nothing could be read from it.
    Unreadable(String),
}

/// Pixels a page may have: an A4 page at 600 dpi is 35 million.
const MAX_PIXELS: u64 = 40_000_000;
/// Pages of one PDF read at most.
const MAX_PDF_PAGES: usize = 50;

/// The pages of one scanned file, by its first bytes.
pub fn pages(bytes: &[u8]) -> Vec<Page> {
    let read = |luma: Result<Gray, String>| match luma {
        Ok(g) => Page::Read(codes(g)),
        Err(why) => Page::Unreadable(why),
    };
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        vec![read(jpeg(bytes))]
    } else if bytes.starts_with(b"\x89PNG") {
        vec![read(png(bytes))]
    } else if bytes.starts_with(b"%PDF") {
        pdf(bytes).into_iter().map(read).collect()
    } else {
        vec![Page::Unreadable("format d'image inconnu".into())]
    }
}

/// A grey image, one byte a pixel.
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

fn checked(width: u64, height: u64) -> Result<(), String> {
    if width == 0 || height == 0 || width * height > MAX_PIXELS {
        return Err(format!("image de {width} × {height} pixels hors des limites d'une page scannée"));
    }
    Ok(())
}

fn jpeg(bytes: &[u8]) -> Result<Gray, String> {
    use zune_jpeg::zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    d.decode_headers().map_err(|_| "JPEG endommagé".to_string())?;
    let info = d.info().ok_or("JPEG sans en-tête")?;
    checked(info.width as u64, info.height as u64)?;
    let luma = d.decode().map_err(|_| "JPEG endommagé".to_string())?;
    Ok(Gray { width: info.width as u32, height: info.height as u32, luma })
}

fn png(bytes: &[u8]) -> Result<Gray, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| "PNG endommagé".to_string())?;
    let (w, h) = (reader.info().width, reader.info().height);
    checked(w as u64, h as u64)?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG trop grand")?];
    let frame = reader.next_frame(&mut buf).map_err(|_| "PNG endommagé".to_string())?;
    let channels = frame.color_type.samples();
    Ok(Gray { width: w, height: h, luma: to_luma(&buf[..frame.buffer_size()], channels) })
}

/// RGB(A) or grey with alpha to grey (ITU-R BT.601 weights).
fn to_luma(pixels: &[u8], channels: usize) -> Vec<u8> {
    match channels {
        1 => pixels.to_vec(),
        2 => pixels.chunks_exact(2).map(|p| p[0]).collect(),
        _ => pixels
            .chunks_exact(channels)
            .map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000) as u8)
            .collect(),
    }
}

/// Each page's largest scanned image: JPEG (DCTDecode) or raw pixels
/// compressed by Flate; others (JBIG2, CCITT fax) are said unreadable.
fn pdf(bytes: &[u8]) -> Vec<Result<Gray, String>> {
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(_) => return vec![Err("PDF endommagé".into())],
    };
    doc.get_pages()
        .values()
        .take(MAX_PDF_PAGES)
        .map(|id| {
            let images = doc.get_page_images(*id).map_err(|_| "page du PDF endommagée".to_string())?;
            let image = images.iter().max_by_key(|i| i.width * i.height).ok_or("page sans image scannée")?;
            let filters = image.filters.clone().unwrap_or_default();
            match filters.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["DCTDecode"] => jpeg(image.content),
                ["FlateDecode"] if image.bits_per_component == Some(8) => {
                    checked(image.width as u64, image.height as u64)?;
                    let raw =
                        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(image.content, MAX_PIXELS as usize * 3)
                            .map_err(|_| "image de la page endommagée".to_string())?;
                    let channels = match image.color_space.as_deref() {
                        Some("DeviceGray") => 1,
                        Some("DeviceRGB") => 3,
                        other => return Err(format!("espace de couleur {} non lu", other.unwrap_or("inconnu"))),
                    };
                    let (w, h) = (image.width as u32, image.height as u32);
                    if raw.len() < (w * h) as usize * channels {
                        return Err("image de la page tronquée".into());
                    }
                    Ok(Gray { width: w, height: h, luma: to_luma(&raw[..(w * h) as usize * channels], channels) })
                }
                other => Err(format!("image codée {} non lue", other.join("+"))),
            }
        })
        .collect()
}

/// A barcode found: its code and the stretch of the row it was read on.
struct Found {
    code: String,
    x0: f32,
    x1: f32,
    y: f32,
}

/// Searches of the page after a barcode is found, at most (the areas left,
/// right, above and below it, each searched again).
const MAX_DEPTH: u32 = 5;
/// An area narrower or lower than this holds no vignette.
const MIN_AREA: usize = 60;

/// Every EAN-13 of a page, top to bottom: each barcode found is taken out
/// of the search of the areas around it, which are searched in turn (the
/// way ZXing's multiple reader goes), and a barcode read twice in
/// overlapping areas is counted once by where it stands, never by its code.
pub fn codes(page: Gray) -> Vec<String> {
    let Ok(source) = Luma8LuminanceSource::new(page.luma, page.width, page.height) else { return vec![] };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some([BarcodeFormat::EAN_13].into_iter().collect()),
        ..Default::default()
    };
    let mut reader = MultiUseMultiFormatReader::default();
    let mut found: Vec<Found> = vec![];
    search(&mut reader, &mut bitmap, &mut hints, (0.0, 0.0), 0, &mut found);
    found.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));
    found.into_iter().map(|f| f.code).collect()
}

/// Rows of a barcode read again above or below the row it was found on:
/// noise or handwriting can pass for a barcode on one row, never on two.
const CONFIRM_OFFSET: f32 = 8.0;
const CONFIRM_ROWS: f32 = 16.0;

/// The same code read on other rows of the same barcode.
fn confirmed(
    reader: &mut MultiUseMultiFormatReader,
    image: &mut BinaryBitmap<HybridBinarizer<Luma8LuminanceSource>>,
    hints: &mut DecodeHints,
    code: &str,
    (x0, x1, y): (f32, f32, f32),
    (w, h): (usize, usize),
) -> bool {
    let margin = (x1 - x0) * 0.15;
    let left = (x0 - margin).max(0.0) as usize;
    let right = ((x1 + margin).ceil() as usize).min(w);
    [y - CONFIRM_OFFSET - CONFIRM_ROWS, y + CONFIRM_OFFSET].into_iter().any(|top| {
        let top = top.max(0.0) as usize;
        let bottom = (top + CONFIRM_ROWS as usize).min(h);
        if right <= left + 10 || bottom <= top + 4 {
            return false;
        }
        let mut strip = image.crop(left, top, right - left, bottom - top);
        reader.decode_with_hints(&mut strip, hints).is_ok_and(|r| r.getText() == code)
    })
}

fn search(
    reader: &mut MultiUseMultiFormatReader,
    image: &mut BinaryBitmap<HybridBinarizer<Luma8LuminanceSource>>,
    hints: &mut DecodeHints,
    (dx, dy): (f32, f32),
    depth: u32,
    found: &mut Vec<Found>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(result) = reader.decode_with_hints(image, hints) else { return };
    let points = result.getPoints();
    if points.len() < 2 {
        return;
    }
    let (x0, x1) =
        (points.iter().map(|p| p.x).fold(f32::MAX, f32::min), points.iter().map(|p| p.x).fold(0.0, f32::max));
    let y = points.iter().map(|p| p.y).sum::<f32>() / points.len() as f32;
    // A 1D barcode is read on one row: its bars stand about as high as
    // three quarters of its width, above and below that row.
    let half = (x1 - x0) * 0.75;
    let f = Found { code: result.getText().to_string(), x0: x0 + dx, x1: x1 + dx, y: y + dy };
    let same = |g: &Found| g.code == f.code && g.x0 < f.x1 && f.x0 < g.x1 && (g.y - f.y).abs() < half;
    let (w, h) = (image.get_width(), image.get_height());
    if !found.iter().any(same) && confirmed(reader, image, hints, &f.code, (x0, x1, y), (w, h)) {
        found.push(f);
    }
    let (left, right) = (x0.max(0.0) as usize, (x1.ceil() as usize).min(w));
    let (top, bottom) = ((y - half).max(0.0) as usize, ((y + half).ceil() as usize).min(h));
    let areas = [(0, 0, left, h), (right, 0, w - right, h), (0, 0, w, top), (0, bottom, w, h - bottom)];
    for (ax, ay, aw, ah) in areas {
        if aw >= MIN_AREA && ah >= MIN_AREA {
            let mut part = image.crop(ax, ay, aw, ah);
            search(reader, &mut part, hints, (dx + ax as f32, dy + ay as f32), depth + 1, found);
        }
    }
}
