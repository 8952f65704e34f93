//! Mapping a sheet's rows: a member's or a beneficiary's cells read into
//! typed input, what the row gives and what it leaves as it was.

use super::cells;
use super::header::{self, Field, Layout};
use crate::kernel::text;
use crate::members::coverage::SuspensionReason;
use crate::members::input::MemberFields;
use crate::members::{BeneficiaryInput, Member, MemberInput, MemberStatus, Relation};
use crate::sheet::Cell;
use crate::storage::time;
use chrono::NaiveDate;

/// A beneficiary row of the sheet: its number, the member's matricule, and the row read or why not.
pub(super) type ParsedBeneficiary = (u32, String, Result<BeneficiaryInput, (Field, String)>);

/// One valid row of the members sheet.
pub(super) struct Row {
    pub(super) row: u32,
    pub(super) fields: MemberFields,
    /// Which optional fields the file gave (non-empty cells).
    pub(super) given: Given,
    /// The folded name, worked out on the reading side: the writing side,
    /// which waits for the database, has less to do per row.
    pub(super) search_name: String,
    /// A period of suspended rights the row reports.
    pub(super) suspension: Option<Suspended>,
}

/// A period of suspended rights as a roster reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Suspended {
    pub(super) from: NaiveDate,
    pub(super) to: Option<NaiveDate>,
    pub(super) reason: SuspensionReason,
}

/// A member this import creates, as written.
pub(super) struct NewMember {
    pub(super) fields: MemberFields,
    pub(super) search_name: String,
}

/// The fields a row gives (non-empty cells), one bit each: a set per row
/// of 100,000, without hashing.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Given(u32);

impl Given {
    pub(super) fn insert(&mut self, f: Field) {
        self.0 |= 1 << f as u32;
    }
    pub(super) fn contains(&self, f: &Field) -> bool {
        self.0 & (1 << *f as u32) != 0
    }
}

/// Reads one row of the members sheet into an input, noting cell problems.
pub(super) fn read_member(
    layout: &Layout,
    cells_of_row: &[Cell],
    errors: &mut Vec<(Field, String)>,
) -> (MemberInput, Given, Option<Suspended>) {
    let mut suspended: (Option<NaiveDate>, Option<NaiveDate>, Option<SuspensionReason>) = (None, None, None);
    let mut input = MemberInput::default();
    let mut given = Given::default();
    let empty = Cell::Empty;
    for (&f, &col) in &layout.columns {
        let c = cells_of_row.get(col).unwrap_or(&empty);
        if c.is_blank() {
            continue;
        }
        given.insert(f);
        let as_text = |errors: &mut Vec<(Field, String)>| match cells::text(c) {
            Ok(t) => t,
            Err(e) => {
                errors.push((f, e));
                None
            }
        };
        let as_date = |errors: &mut Vec<(Field, String)>| match cells::date(c) {
            Ok(d) => d,
            Err(e) => {
                errors.push((f, e));
                None
            }
        };
        match f {
            Field::Matricule => match cells::identifier(c) {
                Ok(t) => input.matricule = t.unwrap_or_default(),
                Err(e) => errors.push((f, e)),
            },
            Field::Cnie => match cells::identifier(c) {
                Ok(t) => input.cnie = t,
                Err(e) => errors.push((f, e)),
            },
            Field::LastName => input.last_name = as_text(errors).unwrap_or_default(),
            Field::FirstName => input.first_name = as_text(errors).unwrap_or_default(),
            Field::FullName => {
                if let Some(full) = as_text(errors) {
                    let mut words = full.split_whitespace();
                    if input.last_name.is_empty() {
                        input.last_name = words.next().unwrap_or_default().to_string();
                        if input.first_name.is_empty() {
                            input.first_name = words.collect::<Vec<_>>().join(" ");
                        }
                    }
                }
            }
            Field::BirthDate => input.birth_date = as_date(errors),
            Field::AffiliationDate => input.affiliation_date = as_date(errors),
            Field::EndDate => input.end_date = as_date(errors),
            Field::Employer => input.employer = as_text(errors),
            Field::Address => input.address = as_text(errors),
            Field::Email => input.email = as_text(errors),
            Field::Gsm => input.gsm = as_text(errors),
            Field::Rib => match c {
                // 24 digits do not fit a spreadsheet number: digits are already lost.
                Cell::Number(_) => errors.push((
                    f,
                    "RIB enregistré comme nombre : le tableur a perdu des chiffres. Mettez la colonne au format texte."
                        .into(),
                )),
                _ => input.rib = as_text(errors),
            },
            Field::Status => {
                if let Some(s) = as_text(errors) {
                    match MemberStatus::parse(&s) {
                        Some(st) => input.status = Some(st),
                        None => errors.push((
                            f,
                            format!(
                                "situation inconnue « {} » (actif, pensionné ou autre)",
                                crate::members::validate::shorten(&s)
                            ),
                        )),
                    }
                }
            }
            Field::Relation => {}
            Field::SuspendedFrom => suspended.0 = as_date(errors),
            Field::SuspendedTo => suspended.1 = as_date(errors),
            Field::SuspensionReason => {
                if let Some(s) = as_text(errors) {
                    match SuspensionReason::read(&s) {
                        Some(r) => suspended.2 = Some(r),
                        None => errors.push((
                            f,
                            format!(
                                "motif de suspension inconnu « {} » (cotisations impayées, disponibilité ou fin \
                                    d'emploi)",
                                crate::members::validate::shorten(&s)
                            ),
                        )),
                    }
                }
            }
        }
    }
    if layout.columns.contains_key(&Field::FullName) {
        given.insert(Field::LastName);
        given.insert(Field::FirstName);
    }
    let suspension = match suspended {
        (None, None, None) => None,
        (Some(from), to, Some(reason)) => match to {
            Some(t) if t < from => {
                errors.push((Field::SuspendedTo, "la fin de la suspension précède son début".into()));
                None
            }
            _ => Some(Suspended { from, to, reason }),
        },
        // A cell already refused says why; otherwise the row lacks a part of the period.
        _ if errors
            .iter()
            .any(|(f, _)| matches!(f, Field::SuspendedFrom | Field::SuspendedTo | Field::SuspensionReason)) =>
        {
            None
        }
        (None, _, _) => {
            errors.push((Field::SuspendedFrom, "suspension sans date de début".into()));
            None
        }
        (Some(_), _, None) => {
            errors.push((Field::SuspensionReason, "suspension sans motif".into()));
            None
        }
    };
    (input, given, suspension)
}

/// The field behind a validation error of `MemberInput::check`.
pub(super) fn field_of(code: &str) -> Field {
    match code {
        "matricule" => Field::Matricule,
        "cnie" => Field::Cnie,
        "last_name" => Field::LastName,
        "first_name" => Field::FirstName,
        "birth_date" => Field::BirthDate,
        "employer" => Field::Employer,
        "status" => Field::Status,
        "address" => Field::Address,
        "gsm" => Field::Gsm,
        "email" => Field::Email,
        "rib" => Field::Rib,
        "affiliation_date" => Field::AffiliationDate,
        "end_date" => Field::EndDate,
        _ => Field::Relation,
    }
}

/// The column a field's error is shown under (a full-name column for names).
pub(super) fn column(layout: &Layout, f: Field) -> String {
    if matches!(f, Field::LastName | Field::FirstName)
        && !layout.columns.contains_key(&f)
        && layout.columns.contains_key(&Field::FullName)
    {
        return layout.header_of(Field::FullName);
    }
    if layout.columns.contains_key(&f) {
        layout.header_of(f)
    } else {
        header::label(f).to_string()
    }
}

pub(super) fn capitalize_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The member's fields with the file's given values laid over them.
pub(super) fn merged(existing: &Member, row: &Row) -> MemberFields {
    let f = &row.fields;
    let g = |field: Field| row.given.contains(&field);
    MemberFields {
        matricule: existing.matricule.clone(),
        cnie: if g(Field::Cnie) { f.cnie.clone() } else { existing.cnie.clone() },
        last_name: if g(Field::LastName) { f.last_name.clone() } else { existing.last_name.clone() },
        first_name: if g(Field::FirstName) { f.first_name.clone() } else { existing.first_name.clone() },
        birth_date: if g(Field::BirthDate) { f.birth_date } else { existing.birth_date },
        employer: if g(Field::Employer) { f.employer.clone() } else { existing.employer.clone() },
        status: if g(Field::Status) { f.status } else { existing.status },
        address: if g(Field::Address) { f.address.clone() } else { existing.address.clone() },
        gsm: if g(Field::Gsm) { f.gsm.clone() } else { existing.gsm.clone() },
        email: if g(Field::Email) { f.email.clone() } else { existing.email.clone() },
        rib: if g(Field::Rib) { f.rib.clone() } else { existing.rib.clone() },
        affiliation_date: if g(Field::AffiliationDate) { f.affiliation_date } else { existing.affiliation_date },
        end_date: if g(Field::EndDate) { f.end_date } else { existing.end_date },
    }
}

pub(super) fn same(existing: &Member, f: &MemberFields) -> bool {
    let employer_same = match (&existing.employer, &f.employer) {
        (Some(a), Some(b)) => text::key(a) == text::key(b),
        (None, None) => true,
        _ => false,
    };
    existing.cnie == f.cnie
        && existing.last_name == f.last_name
        && existing.first_name == f.first_name
        && existing.birth_date == f.birth_date
        && employer_same
        && existing.status == f.status
        && existing.address == f.address
        && existing.gsm == f.gsm
        && existing.email == f.email
        && existing.rib == f.rib
        && existing.affiliation_date == f.affiliation_date
        && existing.end_date == f.end_date
}

pub(super) struct NewBeneficiary {
    /// Known when the member was registered before the import.
    pub(super) member_id: Option<i64>,
    pub(super) matricule: String,
    pub(super) input: BeneficiaryInput,
}

/// `matricule|relation|folded names|birth date`: how a beneficiary already
/// there is recognised.
pub(super) fn beneficiary_key(matricule: &str, b: &BeneficiaryInput) -> String {
    format!(
        "{matricule}|{}|{}|{}",
        b.relation.code(),
        text::fold(&format!("{} {}", b.last_name, b.first_name)),
        b.birth_date.map(time::date).unwrap_or_default()
    )
}

pub(super) fn read_beneficiary(
    layout: &Layout,
    row: &[Cell],
    today: NaiveDate,
) -> (Result<BeneficiaryInput, (Field, String)>, String) {
    let empty = Cell::Empty;
    let get = |f: Field| layout.columns.get(&f).and_then(|c| row.get(*c)).unwrap_or(&empty);
    let matricule =
        cells::identifier(get(Field::Matricule)).ok().flatten().map(|m| m.to_uppercase()).unwrap_or_default();
    let res = (|| {
        if matricule.is_empty() {
            return Err((Field::Matricule, "le matricule de l'adhérent est obligatoire".to_string()));
        }
        let rel_text = cells::text(get(Field::Relation)).map_err(|e| (Field::Relation, e))?.unwrap_or_default();
        let relation = Relation::parse(&rel_text).ok_or_else(|| {
            (
                Field::Relation,
                format!(
                    "lien inconnu « {} » (lui-même, conjoint ou enfant)",
                    crate::members::validate::shorten(&rel_text)
                ),
            )
        })?;
        let (mut last, mut first) = (
            cells::text(get(Field::LastName)).map_err(|e| (Field::LastName, e))?.unwrap_or_default(),
            cells::text(get(Field::FirstName)).map_err(|e| (Field::FirstName, e))?.unwrap_or_default(),
        );
        if last.is_empty() {
            if let Some(full) = cells::text(get(Field::FullName)).map_err(|e| (Field::FullName, e))? {
                let mut w = full.split_whitespace();
                last = w.next().unwrap_or_default().to_string();
                first = w.collect::<Vec<_>>().join(" ");
            }
        }
        let birth_date = cells::date(get(Field::BirthDate)).map_err(|e| (Field::BirthDate, e))?;
        let input = BeneficiaryInput {
            relation,
            last_name: last,
            first_name: first,
            birth_date,
            coverage_start: None,
            coverage_end: None,
        };
        input.check(today).map_err(|errs| {
            let e = &errs[0];
            (field_of(e.field.as_deref().unwrap_or("")), e.message.clone())
        })
    })();
    (res, matricule)
}
