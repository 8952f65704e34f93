//! Reading a spreadsheet into rows of cells: `.xlsx`, `.xls`, `.ods` through
//! calamine, `.csv` with the csv crate. The kind is told by the file's first
//! bytes, not its name, so a renamed file still reads (or is refused clearly).
//! Shared by every import: the roster, the fund's return file, the drug list.

mod cfb_check;

use crate::error::{ApiError, ApiResult};
use calamine::{Data, Reader};
use chrono::NaiveDate;
use std::io::Cursor;

/// A cell as the import sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// A formula error (`#N/A`, `#REF!`) or an unreadable value.
    Error(String),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// One sheet: its name, and its rows each with the spreadsheet's own row number.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// Refused before reading: a roster is never this large.
const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Cells in one sheet's used range (rows × columns) of the formats read
/// whole (.xls, .ods): a guard against files that declare millions of
/// formatted but empty rows, and zip bombs. An .xlsx streams and needs none.
const MAX_CELLS: usize = 40_000_000;

fn unreadable(detail: &str) -> ApiError {
    ApiError::validation("file", format!("Le fichier est endommagé ou tronqué et ne peut pas être lu ({detail})."))
}

/// A file to import, before it is read: not empty, not larger than a roster.
pub fn checked(bytes: &[u8]) -> ApiResult<&[u8]> {
    if bytes.is_empty() {
        return Err(ApiError::validation("file", "Le fichier est vide."));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ApiError::validation(
            "file",
            format!(
                "Fichier trop volumineux ({} Mo, au plus {} Mo).",
                bytes.len() as u64 / 1_048_576,
                MAX_FILE_BYTES / 1_048_576
            ),
        ));
    }
    Ok(bytes)
}

/// Every sheet of a file, whole (tests, and files read for something else than an import).
pub fn from_bytes(bytes: &[u8]) -> ApiResult<Vec<Sheet>> {
    let mut sheets: Vec<Sheet> = Vec::new();
    stream(bytes, &mut |piece| {
        match piece {
            Piece::Sheet { name, .. } => sheets.push(Sheet { name, rows: Vec::new() }),
            Piece::Rows(rows) => {
                if let Some(s) = sheets.last_mut() {
                    s.rows.extend(rows);
                }
            }
        }
        true
    })?;
    Ok(sheets)
}

/// What the reader hands on while it reads, in the file's order.
pub enum Piece {
    /// A sheet begins: its name, and the rows its dimension declares (a hint
    /// for the progress bar; 0 when unknown).
    Sheet { name: String, declared_rows: u32 },
    /// The next non-blank rows of that sheet, each with its own row number.
    Rows(Vec<(u32, Vec<Cell>)>),
}

/// Rows handed on at a time, and at most this many cells (a row as wide as
/// the sheet counts for its width).
pub const CHUNK_ROWS: usize = 2000;
const CHUNK_CELLS: usize = 1_000_000;
/// Columns of a worksheet (XFD): a cell further right is a damaged file.
const MAX_COLUMNS: u32 = 16_384;

/// Reads a file, handing each piece to `emit` as soon as it is read: an
/// import checks and writes the first rows while the next are read. `emit`
/// returns false to stop the reading (the import gave up).
pub fn stream(bytes: &[u8], emit: &mut dyn FnMut(Piece) -> bool) -> ApiResult<()> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(CFB) {
        // An encrypted .xlsx is an OLE container holding "EncryptedPackage".
        let marker: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Err(password_protected());
        }
        // calamine follows the file's sector chains blindly: a forged one
        // grows a buffer until an allocation fails and the process aborts.
        if let Err(why) = cfb_check::check(bytes) {
            return Err(unreadable(why));
        }
        return workbook(bytes, emit);
    }
    if bytes.starts_with(ZIP) {
        inflated_sizes_are_sane(bytes)?;
        return workbook(bytes, emit);
    }
    if bytes.starts_with(b"PK") {
        return Err(unreadable("archive incomplète"));
    }
    csv(bytes, emit)
}

/// Most a workbook's parts may inflate to, in all, and how much larger than the file.
const MAX_INFLATED_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_INFLATE_RATIO: u64 = 200;

/// A zip bomb (a small file that inflates to gigabytes) is refused from the
/// sizes its directory declares, before anything is inflated.
fn inflated_sizes_are_sane(bytes: &[u8]) -> ApiResult<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Err(unreadable("archive illisible"));
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            return Err(unreadable("archive illisible"));
        };
        total = total.saturating_add(entry.size());
    }
    if total > MAX_INFLATED_BYTES || total > (bytes.len() as u64).saturating_mul(MAX_INFLATE_RATIO) {
        return Err(ApiError::validation(
            "file",
            format!(
                "Fichier suspect : ses {} Ko se décompressent en {} Mo (bombe de décompression ?). Il n'a pas été lu.",
                bytes.len() / 1024,
                total / 1_048_576
            ),
        ));
    }
    Ok(())
}

fn password_protected() -> ApiError {
    ApiError::validation(
        "file",
        "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe puis importez-le à nouveau.",
    )
}

/// Reads a workbook. calamine can panic on some damaged files (a truncated
/// .xls, found by the fuzzer): that is a damaged file to the user, not a crash.
fn workbook(bytes: &[u8], emit: &mut dyn FnMut(Piece) -> bool) -> ApiResult<()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| workbook_unchecked(bytes, emit)))
        .unwrap_or_else(|_| Err(unreadable("structure interne incohérente")))
}

fn workbook_unchecked(bytes: &[u8], emit: &mut dyn FnMut(Piece) -> bool) -> ApiResult<()> {
    let mut wb = open(bytes).map_err(calamine_error)?;
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(ApiError::validation("file", "Le classeur ne contient aucune feuille."));
    }
    for name in names {
        let go_on = match &mut wb {
            // An .xlsx streams: its cells are read as the import goes.
            calamine::Sheets::Xlsx(x) => xlsx_sheet(x, name, emit)?,
            other => range_sheet(other, name, emit)?,
        };
        if !go_on {
            break;
        }
    }
    Ok(())
}

/// One sheet of an .xlsx, cell by cell, rows handed on in chunks.
fn xlsx_sheet(
    x: &mut calamine::Xlsx<Cursor<&[u8]>>,
    name: String,
    emit: &mut dyn FnMut(Piece) -> bool,
) -> ApiResult<bool> {
    let mut reader = match x.worksheet_cells_reader(&name) {
        Ok(r) => r,
        // A chart sheet: no cells (as calamine's own range reading does).
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(emit(Piece::Sheet { name, declared_rows: 0 })),
        Err(e) => return Err(calamine_error(calamine::Error::Xlsx(e))),
    };
    let d = reader.dimensions();
    let declared_rows = if d.end.0 >= d.start.0 { d.end.0 - d.start.0 + 1 } else { 0 };
    if !emit(Piece::Sheet { name, declared_rows }) {
        return Ok(false);
    }
    let mut rows = Rows::default();
    let mut current: Option<u32> = None;
    let mut cells: Vec<Cell> = Vec::new();
    while let Some(c) = reader.next_cell().map_err(|e| calamine_error(calamine::Error::Xlsx(e)))? {
        let (r, col) = c.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                // The next row is as wide as this one, most likely.
                let next = Vec::with_capacity(cells.len());
                if !rows.push(prev + 1, std::mem::replace(&mut cells, next), emit) {
                    return Ok(false);
                }
            }
            current = Some(r);
        }
        if col >= MAX_COLUMNS {
            return Err(unreadable("colonne hors des limites d'une feuille"));
        }
        let value = cell_ref(c.get_value());
        if value == Cell::Empty {
            continue;
        }
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
    }
    if let Some(prev) = current {
        if !rows.push(prev + 1, cells, emit) {
            return Ok(false);
        }
    }
    Ok(rows.flush(emit))
}

/// One sheet of the other formats, read whole by calamine, handed on in chunks.
fn range_sheet(
    wb: &mut calamine::Sheets<Cursor<&[u8]>>,
    name: String,
    emit: &mut dyn FnMut(Piece) -> bool,
) -> ApiResult<bool> {
    let range = wb.worksheet_range(&name).map_err(calamine_error)?;
    let (h, w) = range.get_size();
    if h.saturating_mul(w) > MAX_CELLS {
        return Err(ApiError::validation(
            "file",
            format!(
                "La feuille « {name} » déclare {h} lignes × {w} colonnes : trop pour un fichier d'adhérents. \
                Supprimez les lignes vides en fin de feuille."
            ),
        ));
    }
    if !emit(Piece::Sheet { name, declared_rows: h as u32 }) {
        return Ok(false);
    }
    let first_row = range.start().map(|(r, _)| r).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = Rows::default();
    for (i, cells) in range.rows().enumerate() {
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let mut row = vec![Cell::Empty; first_col];
        row.extend(cells.iter().map(cell));
        if !rows.push(first_row + i as u32 + 1, row, emit) {
            return Ok(false);
        }
    }
    Ok(rows.flush(emit))
}

/// Rows gathered for the next chunk; blank rows are dropped here.
#[derive(Default)]
struct Rows {
    rows: Vec<(u32, Vec<Cell>)>,
    cells: usize,
}

impl Rows {
    /// Adds a row; hands the chunk on when full. False: the reading stops.
    fn push(&mut self, number: u32, cells: Vec<Cell>, emit: &mut dyn FnMut(Piece) -> bool) -> bool {
        if cells.iter().all(Cell::is_blank) {
            return true;
        }
        self.cells += cells.len().max(1);
        self.rows.push((number, cells));
        if self.rows.len() >= CHUNK_ROWS || self.cells >= CHUNK_CELLS {
            return self.flush(emit);
        }
        true
    }
    fn flush(&mut self, emit: &mut dyn FnMut(Piece) -> bool) -> bool {
        self.cells = 0;
        if self.rows.is_empty() {
            return true;
        }
        emit(Piece::Rows(std::mem::take(&mut self.rows)))
    }
}

/// A streamed .xlsx cell, as [`cell`] reads a whole sheet's.
fn cell_ref(d: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef as R;
    match d {
        R::Empty => Cell::Empty,
        R::String(s) => Cell::Text(s.clone()),
        R::SharedString(s) => Cell::Text((*s).to_string()),
        R::Int(i) => Cell::Number(*i as f64),
        R::Float(f) => Cell::Number(*f),
        R::Bool(b) => cell(&Data::Bool(*b)),
        R::DateTime(dt) => cell(&Data::DateTime(*dt)),
        R::DateTimeIso(s) => cell(&Data::DateTimeIso(s.clone())),
        R::DurationIso(s) => Cell::Text(s.clone()),
        R::Error(e) => Cell::Error(format!("{e}")),
    }
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "VRAI".into() } else { "FAUX".into() }),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => Cell::Date(t.date()),
            _ => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
            Ok(d) => Cell::Date(d),
            Err(_) => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

/// Opens the workbook with the reader its first bytes name. Not calamine's
/// automatic detection: it tries the old .xls reader first on any bytes, and
/// that reader, fed a zip, follows garbage as sector chains (an abort, found by
/// the fuzzer).
fn open(bytes: &[u8]) -> Result<calamine::Sheets<Cursor<&[u8]>>, calamine::Error> {
    use calamine::{open_workbook_from_rs, Ods, Sheets, Xls, Xlsb, Xlsx};
    let c = Cursor::new(bytes);
    if !bytes.starts_with(b"PK") {
        return open_workbook_from_rs::<Xls<_>, _>(c).map(Sheets::Xls).map_err(calamine::Error::Xls);
    }
    match open_workbook_from_rs::<Xlsx<_>, _>(c.clone()) {
        Ok(x) => Ok(Sheets::Xlsx(x)),
        Err(first) => open_workbook_from_rs::<Ods<_>, _>(c.clone())
            .map(Sheets::Ods)
            .or_else(|_| open_workbook_from_rs::<Xlsb<_>, _>(c).map(Sheets::Xlsb))
            .map_err(|_| calamine::Error::Xlsx(first)),
    }
}

fn calamine_error(e: calamine::Error) -> ApiError {
    use calamine::{Error as E, XlsError, XlsxError};
    match e {
        E::Xlsx(XlsxError::Password) | E::Xls(XlsError::Password) => password_protected(),
        E::Xlsx(XlsxError::Zip(z)) => unreadable(&format!("archive {z}")),
        other => unreadable(&other.to_string()),
    }
}

/// Text files: UTF-8 (with or without BOM), else Windows-1252 as older Excel
/// saves them; `;`, `,` or tab separated, whichever the first lines use most
/// (a title line above the header has none).
fn csv(bytes: &[u8], emit: &mut dyn FnMut(Piece) -> bool) -> ApiResult<()> {
    // Documents and images that text decoding would let through.
    const NOT_TABLES: [&[u8]; 5] = [b"%PDF", b"\x89PNG", b"\xFF\xD8\xFF", b"GIF8", b"{\\rtf"];
    if NOT_TABLES.iter().any(|m| bytes.starts_with(m)) {
        return Err(ApiError::validation(
            "file",
            "Ce fichier n'est pas un tableur lisible : formats acceptés .xlsx, .xls, .ods et .csv.",
        ));
    }
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            t.into_owned()
        }
    };
    let sample = text.chars().take(4096).collect::<String>();
    let binary = sample.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    if binary > sample.chars().count() / 20 || sample.contains('\0') {
        return Err(ApiError::validation(
            "file",
            "Ce fichier n'est pas un tableur lisible : formats acceptés .xlsx, .xls, .ods et .csv.",
        ));
    }
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let delimiter = [b'\t', b',', b';']
        .into_iter()
        .max_by_key(|d| head.iter().map(|l| l.matches(*d as char).count()).sum::<usize>())
        .unwrap_or(b';');
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // The file's own line numbers (the csv reader does not count blank lines).
    let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    // A record's position may point at the blank lines before it: skip them.
    let raw = text.as_bytes();
    let line_of = |byte: u64| {
        let mut b = byte as usize;
        while b < raw.len() && matches!(raw[b], b'\n' | b'\r') {
            b += 1;
        }
        newlines.partition_point(|&n| n < b) as u32 + 1
    };
    if !emit(Piece::Sheet { name: "CSV".into(), declared_rows: newlines.len() as u32 + 1 }) {
        return Ok(());
    }
    let mut rows = Rows::default();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| unreadable(&format!("enregistrement {} : {e}", i + 1)))?;
        let line = rec.position().map(|p| line_of(p.byte())).unwrap_or(i as u32 + 1);
        let cells: Vec<Cell> =
            rec.iter().map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }).collect();
        if !rows.push(line, cells, emit) {
            return Ok(());
        }
    }
    rows.flush(emit);
    Ok(())
}
