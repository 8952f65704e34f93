//! Reading one cell as text or as a date, whatever the spreadsheet stored:
//! `13059` stored as a number stays `13059` (never `13059.0`); `27/08/1981`
//! typed as text, a real date cell and an Excel serial number read the same.

use crate::kernel::dates::fr;
use crate::sheet::Cell;
use chrono::{Duration, NaiveDate};

/// The cell as trimmed text; `None` when blank. Whole numbers lose their `.0`.
pub fn text(c: &Cell) -> Result<Option<String>, String> {
    match c {
        Cell::Empty => Ok(None),
        Cell::Text(t) => Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty())),
        Cell::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                Ok(Some(format!("{}", *n as i64)))
            } else {
                Ok(Some(format!("{n}")))
            }
        }
        Cell::Date(d) => Ok(Some(fr(*d))),
        Cell::Error(e) => Err(format!("cellule en erreur ({e}) : corrigez la formule ou saisissez la valeur")),
    }
}

/// An identifier that a spreadsheet may have turned into a number: `13059.0`
/// and `1.3059E4` are read as `13059`; a fractional number is refused.
pub fn identifier(c: &Cell) -> Result<Option<String>, String> {
    match c {
        Cell::Number(n) if n.fract() != 0.0 => {
            Err(format!("nombre à virgule « {n} » : un identifiant est un nombre entier"))
        }
        Cell::Date(_) => Err("une date à la place d'un identifiant".into()),
        _ => text(c),
    }
}

/// Excel's day 0 in the 1900 system (which counts a 29/02/1900 that never was).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()
}

pub fn date(c: &Cell) -> Result<Option<NaiveDate>, String> {
    match c {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(n) => {
            if !(1.0..=2_958_465.0).contains(n) {
                return Err(format!("nombre « {n} » : ce n'est pas une date"));
            }
            Ok(Some(excel_epoch() + Duration::days(n.trunc() as i64)))
        }
        Cell::Text(t) => parse_date_text(t.trim()),
        Cell::Error(e) => Err(format!("cellule en erreur ({e})")),
    }
}

/// `27/08/1981`, `27-08-1981`, `27.08.1981`, `1981-08-27`, an optional time after.
/// Two-digit years are refused: `01/02/03` could be three different dates.
pub fn parse_date_text(t: &str) -> Result<Option<NaiveDate>, String> {
    if t.is_empty() {
        return Ok(None);
    }
    let day_part = t.split([' ', 'T']).next().unwrap_or(t);
    let parts: Vec<&str> = day_part.split(['/', '-', '.']).collect();
    let bad = || format!("date illisible « {} » (attendu JJ/MM/AAAA)", super::super::validate::shorten(t));
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        // A serial number typed as text, as some exports do.
        if let Ok(n) = t.parse::<f64>() {
            return date(&Cell::Number(n));
        }
        return Err(bad());
    }
    let (y, m, d) = if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else {
        return Err(format!(
            "année sur deux chiffres « {} » : écrivez l'année en entier (JJ/MM/AAAA)",
            super::super::validate::shorten(t)
        ));
    };
    let (y, m, d): (i32, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    NaiveDate::from_ymd_opt(y, m, d)
        .map(Some)
        .ok_or_else(|| format!("date impossible « {} »", super::super::validate::shorten(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_forms_of_one_date() {
        let d = NaiveDate::from_ymd_opt(1981, 8, 27).unwrap();
        assert_eq!(date(&Cell::Text("27/08/1981".into())).unwrap(), Some(d));
        assert_eq!(date(&Cell::Date(d)).unwrap(), Some(d));
        assert_eq!(date(&Cell::Number(29825.0)).unwrap(), Some(d));
        assert_eq!(date(&Cell::Text("1981-08-27".into())).unwrap(), Some(d));
        assert_eq!(date(&Cell::Text("27.08.1981 00:00:00".into())).unwrap(), Some(d));
        assert_eq!(date(&Cell::Text("29825".into())).unwrap(), Some(d));
    }

    #[test]
    fn impossible_and_ambiguous_dates() {
        assert_eq!(date(&Cell::Text("31/02/1990".into())).unwrap_err(), "date impossible « 31/02/1990 »");
        assert!(date(&Cell::Text("01/02/03".into())).unwrap_err().starts_with("année sur deux chiffres"));
        assert!(date(&Cell::Text("hier".into())).unwrap_err().starts_with("date illisible"));
        assert!(date(&Cell::Number(-5.0)).is_err());
    }

    #[test]
    fn numbers_as_identifiers() {
        assert_eq!(identifier(&Cell::Number(13059.0)).unwrap().as_deref(), Some("13059"));
        assert!(identifier(&Cell::Number(13059.5)).is_err());
        assert_eq!(text(&Cell::Text("  RAM ".into())).unwrap().as_deref(), Some("RAM"));
    }
}
