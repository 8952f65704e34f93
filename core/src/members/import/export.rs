//! The import report's rejected rows as an `.xlsx` the employer can be sent
//! back: sheet, row, column, reason.

use super::ImportReport;
use crate::error::{ApiError, ApiResult};
use rust_xlsxwriter::{Format, Workbook};

/// The rejected rows of `report` as a workbook.
pub fn rejected_rows_xlsx(report: &ImportReport) -> ApiResult<Vec<u8>> {
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
    wb.save_to_buffer().map_err(ApiError::internal)
}
