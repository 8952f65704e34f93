//! Lists exported to `.xlsx` (queues, overdue originals, collections): one
//! sheet, a bold header row, typed cells (amounts as numbers with two
//! decimals, dates as real date cells), written beside then renamed.

pub mod transfers;

use crate::error::{ApiError, ApiResult};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// One cell of an exported list.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Centimes, shown as dirhams with two decimals.
    Money(crate::money::Centimes),
    Date(Option<NaiveDate>),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        Cell::Text(s.unwrap_or_default())
    }
}

/// A text for a `.csv` cell that a spreadsheet will not run as a formula: one
/// starting with `=`, `+`, `-`, `@` (or a tab or carriage return, which some
/// spreadsheets skip before one) gets a leading `'`, the spreadsheets' own
/// mark for "text". A member's name is typed by people outside the mutual.
/// (`.xlsx` cells are written as strings, never formulas.)
pub fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A `.csv` file as the mutual's spreadsheets read it: `;` between cells,
/// quoted where needed, every text cell through [`csv_text`]; amounts and
/// dates are given already formatted and pass as they are.
pub fn csv_bytes(headers: &[&str], rows: &[Vec<CsvCell<'_>>]) -> ApiResult<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(vec![]);
    w.write_record(headers).map_err(ApiError::internal)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            CsvCell::Text(s) => csv_text(s).into_owned(),
            CsvCell::Figure(s) => s.clone(),
        }))
        .map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

/// A `.csv` cell: text from people (guarded), or a figure we formatted.
pub enum CsvCell<'a> {
    Text(&'a str),
    Figure(String),
}

/// A file name's extension, lower case (`xlsx` for `Liste.XLSX`): which
/// format a list is written in.
pub fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default()
}

/// A workbook of one sheet: `rows` under `headers`.
pub fn xlsx_bytes(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> ApiResult<Vec<u8>> {
    let e = ApiError::internal;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(e)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(e)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(14.0)).map_err(e)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                // The spreadsheet stores numbers as doubles; the centimes stay exact up to 2^53.
                Cell::Money(m) => ws.write_number_with_format(r, c, m.0 as f64 / 100.0, &money).map(|_| ()),
                Cell::Date(Some(d)) => {
                    let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(e)?;
                    ws.write_datetime_with_format(r, c, &x, &date).map(|_| ())
                }
                Cell::Date(None) => Ok(()),
            }
            .map_err(e)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_text() {
        for (given, written) in [
            ("=1+2", "'=1+2"),
            ("+212600", "'+212600"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("Bennani", "Bennani"),
            ("", ""),
        ] {
            assert_eq!(csv_text(given), written);
        }
        let bytes =
            csv_bytes(&["nom", "montant"], &[vec![CsvCell::Text("=1+2"), CsvCell::Figure("-12,50".into())]]).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "nom;montant\n'=1+2;-12,50\n",
            "a figure we formatted passes as it is"
        );
    }
}
