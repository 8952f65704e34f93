//! The reading thread: opens the file, finds the header, reads and checks
//! each row, and hands chunks to the writer over a channel.

use super::header::{self, Field, Layout};
use super::rows::*;
use super::RejectedRow;
use crate::error::{ApiError, ApiResult};
use crate::members::repo;
use crate::sheet::{Cell, Piece, Sheet};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the reading thread hands to the writer, in order.
pub(super) enum Msg {
    /// The members sheet's header, found in its first rows.
    Layout { sheet: String, layout: Layout, declared_rows: u32 },
    /// The next data rows of the members sheet, each checked on its own.
    Checked { rows: Vec<Row>, rejected: Vec<RejectedRow>, seen: u32 },
    /// The beneficiaries sheet, whole, with its header.
    Beneficiaries(Sheet, Layout),
    /// The file could not be read: nothing is written.
    Failed(ApiError),
    /// The whole file was read. Without it (the reading thread died), the
    /// writer rolls back: a file read halfway is never committed.
    End,
}

/// Rows the header is looked for in (as `header::detect` does).
pub(super) const HEADER_ROWS: usize = 30;

/// The reading side, on its own thread: reads the file, finds the header,
/// checks every row on its own (values, matricules and CNIE seen twice in the
/// file) and hands the rows on while the next ones are read.
pub(super) fn read_and_check(
    file: &[u8],
    mapping: Option<&BTreeMap<String, String>>,
    today: NaiveDate,
    out: &tokio::sync::mpsc::Sender<Msg>,
) {
    let send = |m: Msg| out.blocking_send(m).is_ok();
    let bytes = match crate::sheet::checked(file) {
        Ok(b) => b,
        Err(e) => {
            send(Msg::Failed(e));
            return;
        }
    };
    let mut reading = Reading {
        sheet_index: 0,
        first: None,
        checker: None,
        other: None,
        beneficiaries_done: false,
        mapping,
        today,
        failed: None,
    };
    // A panic here is a fault of ours, not of the file: the import fails
    // whole with an internal error instead of ending the thread unheard.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::sheet::stream(bytes, &mut |piece| reading.take(piece, &send)).and_then(|()| reading.finish_sheet(&send))
    }))
    .unwrap_or_else(|_| Err(ApiError::internal("la lecture du fichier a échoué")));
    match result.and_then(|()| reading.failed.take().map_or(Ok(()), Err)) {
        Ok(()) => send(Msg::End),
        Err(e) => send(Msg::Failed(e)),
    };
}

/// The members sheet's name, declared rows and first rows.
pub(super) type FirstRows = (String, u32, Vec<(u32, Vec<Cell>)>);

/// The state of the reading side between pieces.
pub(super) struct Reading<'a> {
    pub(super) sheet_index: usize,
    /// The members sheet's first rows while its header is not found yet.
    pub(super) first: Option<FirstRows>,
    pub(super) checker: Option<Checker>,
    /// A later sheet being gathered, kept only if its header is a beneficiaries one.
    pub(super) other: Option<(Sheet, Option<Layout>)>,
    pub(super) beneficiaries_done: bool,
    pub(super) mapping: Option<&'a BTreeMap<String, String>>,
    pub(super) today: NaiveDate,
    pub(super) failed: Option<ApiError>,
}

impl Reading<'_> {
    pub(super) fn take(&mut self, piece: Piece, send: &dyn Fn(Msg) -> bool) -> bool {
        match self.step(piece, send) {
            Ok(go_on) => go_on,
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }

    pub(super) fn step(&mut self, piece: Piece, send: &dyn Fn(Msg) -> bool) -> ApiResult<bool> {
        match piece {
            Piece::Sheet { name, declared_rows } => {
                self.finish_sheet(send)?;
                self.sheet_index += 1;
                if self.sheet_index == 1 {
                    self.first = Some((name, declared_rows, Vec::new()));
                } else if !self.beneficiaries_done {
                    self.other = Some((Sheet { name, rows: Vec::new() }, None));
                }
                Ok(true)
            }
            Piece::Rows(rows) if self.sheet_index == 1 => {
                if let Some(checker) = &mut self.checker {
                    let seen = rows.len() as u32;
                    let (rows, rejected) = checker.check(rows);
                    return Ok(send(Msg::Checked { rows, rejected, seen }));
                }
                if let Some((_, _, buffer)) = &mut self.first {
                    buffer.extend(rows);
                    if buffer.len() >= HEADER_ROWS {
                        return self.start_checking(send);
                    }
                }
                Ok(true)
            }
            Piece::Rows(rows) => {
                if let Some((sheet, layout)) = &mut self.other {
                    sheet.rows.extend(rows);
                    if layout.is_none() && sheet.rows.len() >= HEADER_ROWS {
                        match beneficiaries_header(&sheet.rows) {
                            Some(l) => *layout = Some(l),
                            // Not a beneficiaries sheet: not kept.
                            None => self.other = None,
                        }
                    }
                }
                Ok(true)
            }
        }
    }

    /// The members sheet's header, then its first rows checked.
    pub(super) fn start_checking(&mut self, send: &dyn Fn(Msg) -> bool) -> ApiResult<bool> {
        let Some((name, declared_rows, buffer)) = self.first.take() else { return Ok(true) };
        if buffer.is_empty() {
            return Err(ApiError::validation("file", format!("La feuille « {name} » est vide.")));
        }
        let layout = header::detect(&buffer, self.mapping, &[Field::Matricule, Field::LastName])?;
        let go_on = send(Msg::Layout { sheet: name.clone(), layout: layout.clone(), declared_rows });
        let data: Vec<(u32, Vec<Cell>)> = buffer.into_iter().skip(layout.header_index + 1).collect();
        let mut checker = Checker {
            layout,
            sheet: name,
            today: self.today,
            seen_matricule: HashMap::new(),
            seen_cnie: HashMap::new(),
        };
        let seen = data.len() as u32;
        let (rows, rejected) = checker.check(data);
        self.checker = Some(checker);
        Ok(go_on && send(Msg::Checked { rows, rejected, seen }))
    }

    /// The end of a sheet: a short members sheet is checked now; a later
    /// sheet with a beneficiaries header is handed on (the first one only).
    pub(super) fn finish_sheet(&mut self, send: &dyn Fn(Msg) -> bool) -> ApiResult<()> {
        if self.first.is_some() {
            self.start_checking(send)?;
        }
        if let Some((sheet, layout)) = self.other.take() {
            let layout = layout.or_else(|| beneficiaries_header(&sheet.rows));
            if let Some(l) = layout {
                self.beneficiaries_done = true;
                send(Msg::Beneficiaries(sheet, l));
            }
        }
        Ok(())
    }
}

/// The header of a beneficiaries sheet (matricule of the member, link), if the rows hold one.
pub(super) fn beneficiaries_header(rows: &[(u32, Vec<Cell>)]) -> Option<Layout> {
    header::detect(rows, None, &[Field::Matricule, Field::Relation]).ok()
}

/// Checks the members sheet's rows, one by one.
pub(super) struct Checker {
    pub(super) layout: Layout,
    pub(super) sheet: String,
    pub(super) today: NaiveDate,
    pub(super) seen_matricule: HashMap<String, u32>,
    pub(super) seen_cnie: HashMap<String, u32>,
}

impl Checker {
    pub(super) fn check(&mut self, data: Vec<(u32, Vec<Cell>)>) -> (Vec<Row>, Vec<RejectedRow>) {
        let mut valid: Vec<Row> = Vec::with_capacity(data.len());
        let mut rejected: Vec<RejectedRow> = Vec::new();
        let layout = &self.layout;
        for (row_no, cells_of_row) in data {
            let mut errors: Vec<(Field, String)> = Vec::new();
            let (input, given, suspension) = read_member(layout, &cells_of_row, &mut errors);
            let checked = input.check(self.today);
            let mut reject = |f: Field, msg: String| {
                rejected.push(RejectedRow {
                    sheet: self.sheet.clone(),
                    row: row_no,
                    column: column(layout, f),
                    message: capitalize_first(&msg),
                });
            };
            let errored: HashSet<Field> = errors.iter().map(|(f, _)| *f).collect();
            for (f, msg) in errors {
                reject(f, msg);
            }
            let fields = match checked {
                Ok(fields) if errored.is_empty() => fields,
                Ok(_) => continue,
                Err(errs) => {
                    for e in errs {
                        let f = field_of(e.field.as_deref().unwrap_or(""));
                        if !errored.contains(&f) {
                            reject(f, e.message);
                        }
                    }
                    continue;
                }
            };
            if let Some(first) = self.seen_matricule.get(&fields.matricule) {
                reject(
                    Field::Matricule,
                    format!(
                        "Matricule {} déjà présent à la ligne {first} du fichier : cette ligne est ignorée.",
                        fields.matricule
                    ),
                );
                continue;
            }
            if let Some(c) = &fields.cnie {
                if let Some(first) = self.seen_cnie.get(c) {
                    reject(Field::Cnie, format!("CNIE {c} déjà présente à la ligne {first} du fichier."));
                    continue;
                }
                self.seen_cnie.insert(c.clone(), row_no);
            }
            self.seen_matricule.insert(fields.matricule.clone(), row_no);
            let search_name = repo::search_name(&fields.last_name, &fields.first_name);
            valid.push(Row { row: row_no, fields, given, search_name, suspension });
        }
        (valid, rejected)
    }
}
