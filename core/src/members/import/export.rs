//! The import report's rejected rows as an `.xlsx` the employer can be sent
//! back: sheet, row, column, reason.

use super::ImportReport;
use crate::error::{ApiError, ApiResult};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

/// Writes the rejected rows of `report` to `dest` (written beside, then
/// renamed, so a half-written file never stands under the final name).
pub fn rejected_rows_xlsx(report: &ImportReport, dest: &Path) -> ApiResult<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Lignes rejetées").map_err(ApiError::internal)?;
    for (c, h) in ["Feuille", "Ligne", "Colonne", "Motif"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(ApiError::internal)?;
    }
    for (i, r) in report.rejected.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.sheet).map_err(ApiError::internal)?;
        ws.write_number(row, 1, f64::from(r.row)).map_err(ApiError::internal)?;
        ws.write_string(row, 2, &r.column).map_err(ApiError::internal)?;
        ws.write_string(row, 3, &r.message).map_err(ApiError::internal)?;
    }
    ws.set_column_width(0, 16).map_err(ApiError::internal)?;
    ws.set_column_width(1, 8).map_err(ApiError::internal)?;
    ws.set_column_width(2, 28).map_err(ApiError::internal)?;
    ws.set_column_width(3, 90).map_err(ApiError::internal)?;
    let bytes = wb.save_to_buffer().map_err(ApiError::internal)?;
    crate::storage::files::write_atomically(dest, &bytes)
}
