//! Lists exported to `.xlsx` (queues, overdue originals, collections): one
//! sheet, a bold header row, typed cells (amounts as numbers with two
//! decimals, dates as real date cells), written beside then renamed.

use crate::error::{ApiError, ApiResult};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::path::Path;

/// One cell of an exported list.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Centimes, shown as dirhams with two decimals.
    Money(i64),
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

/// Writes `rows` under `headers` into `dest`.
pub fn write_xlsx(dest: &Path, sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> ApiResult<()> {
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
                Cell::Money(m) => ws.write_number_with_format(r, c, *m as f64 / 100.0, &money).map(|_| ()),
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
    let bytes = wb.save_to_buffer().map_err(e)?;
    crate::storage::files::write_atomically(dest, &bytes)
}
