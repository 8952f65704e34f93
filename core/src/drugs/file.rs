//! Reading the drug list the fund publishes (.csv or .xlsx). Copies found in
//! the wild add a leading unnamed index column, write a missing value as
//! `-`, an empty cell or `nan`, decimals with a point or a comma, and quote
//! names that hold commas: all read. A bad file is refused whole, naming the
//! row and the column; nothing of it is kept.

use super::Drug;
use crate::error::{ApiError, ApiResult};
use crate::money::Centimes;
use crate::sheet::{self, Cell};
use std::collections::HashMap;

/// The published file's columns, in its order.
pub const COLUMNS: [&str; 12] = [
    "CODE",
    "NOM",
    "DCI1",
    "DOSAGE1",
    "UNITE_DOSAGE1",
    "FORME",
    "PRESENTATION",
    "PPV",
    "PH",
    "PRIX_BR",
    "PRINCEPS_GENERIQUE",
    "TAUX_REMBOURSEMENT",
];

/// A list is never this long (the fund's holds about 6,000 drugs).
const MAX_DRUGS: usize = 100_000;
/// Errors named in the message before « et N autres ».
const SHOWN_ERRORS: usize = 5;

/// The drugs of a file, in its order, or the reason it is refused.
pub fn read(bytes: &[u8]) -> ApiResult<Vec<Drug>> {
    let sheets = sheet::from_bytes(bytes)?;
    let Some((sheet, header_at, columns)) = sheets.iter().find_map(|s| header(&s.rows).map(|(i, c)| (s, i, c))) else {
        return Err(missing_columns(&sheets));
    };
    let mut errors: Vec<String> = vec![];
    let mut drugs: Vec<Drug> = vec![];
    let mut rows_of: HashMap<String, u32> = HashMap::new();
    for (number, cells) in &sheet.rows[header_at + 1..] {
        let mut row = Row { number: *number, cells, columns: &columns, errors: &mut errors };
        if let Some(d) = row.drug() {
            if let Some(first) = rows_of.insert(d.code.clone(), *number) {
                errors.push(format!("Ligne {number}, colonne CODE : le code {} est déjà à la ligne {first}.", d.code));
            }
            drugs.push(d);
        }
        if drugs.len() > MAX_DRUGS {
            return Err(ApiError::validation(
                "file",
                format!("Plus de {MAX_DRUGS} médicaments : ce n'est pas le référentiel."),
            ));
        }
    }
    if !errors.is_empty() {
        let shown = errors.iter().take(SHOWN_ERRORS).cloned().collect::<Vec<_>>().join(" ; ");
        let more = match errors.len().saturating_sub(SHOWN_ERRORS) {
            0 => String::new(),
            n => format!(" (et {n} autres erreurs)"),
        };
        return Err(ApiError::validation("file", format!("Référentiel refusé, rien n'a été importé. {shown}{more}")));
    }
    if drugs.is_empty() {
        return Err(ApiError::validation("file", "Le fichier ne contient aucun médicament sous son en-tête."));
    }
    Ok(drugs)
}

/// The header row among the first rows of a sheet (a title may stand above
/// it) and where each column is; unnamed columns (an index) are ignored.
fn header(rows: &[(u32, Vec<Cell>)]) -> Option<(usize, HashMap<&'static str, usize>)> {
    rows.iter().take(20).enumerate().find_map(|(i, (_, cells))| {
        let found: HashMap<&'static str, usize> = COLUMNS
            .iter()
            .filter_map(|name| cells.iter().position(|c| text(c).eq_ignore_ascii_case(name)).map(|at| (*name, at)))
            .collect();
        (found.len() == COLUMNS.len()).then_some((i, found))
    })
}

/// The columns the file lacks, from the row that has the most of them.
fn missing_columns(sheets: &[sheet::Sheet]) -> ApiError {
    let best = sheets
        .iter()
        .flat_map(|s| s.rows.iter().take(20))
        .map(|(_, cells)| {
            COLUMNS
                .iter()
                .filter(|n| !cells.iter().any(|c| text(c).eq_ignore_ascii_case(n)))
                .copied()
                .collect::<Vec<_>>()
        })
        .min_by_key(|m| m.len())
        .unwrap_or_else(|| COLUMNS.to_vec());
    let why = if best.len() > COLUMNS.len() / 2 {
        "ce fichier n'est pas le référentiel des médicaments".to_string()
    } else {
        format!("colonne{} absente{} : {}", plural(best.len()), plural(best.len()), best.join(", "))
    };
    ApiError::validation(
        "file",
        format!("Référentiel refusé, rien n'a été importé : {why} (colonnes attendues : {}).", COLUMNS.join(", ")),
    )
}

fn plural(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.trim().to_string(),
        Cell::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Cell::Number(f) => format!("{f}"),
        Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
        Cell::Empty | Cell::Error(_) => String::new(),
    }
}

/// One data row, its errors gathered in the file's.
struct Row<'a> {
    number: u32,
    cells: &'a [Cell],
    columns: &'a HashMap<&'static str, usize>,
    errors: &'a mut Vec<String>,
}

impl Row<'_> {
    fn cell(&self, column: &str) -> &Cell {
        self.columns.get(column).and_then(|i| self.cells.get(*i)).unwrap_or(&Cell::Empty)
    }

    /// A value, or `None` where the file writes a missing one.
    fn value(&self, column: &str) -> Option<String> {
        let t = text(self.cell(column));
        (!matches!(t.to_lowercase().as_str(), "" | "-" | "nan" | "null" | "none")).then_some(t)
    }

    fn fail(&mut self, column: &str, why: String) {
        self.errors.push(format!("Ligne {}, colonne {column} : {why}", self.number));
    }

    fn drug(&mut self) -> Option<Drug> {
        let before = self.errors.len();
        let code = self.code();
        let name = self.value("NOM");
        if name.is_none() {
            self.fail("NOM", "nom du médicament absent.".into());
        }
        let ppv = self.price("PPV");
        let ph = self.price("PH");
        let prix_br = self.price("PRIX_BR");
        let rate = self.rate();
        let princeps = match self.value("PRINCEPS_GENERIQUE").map(|p| p.to_uppercase()) {
            None => None,
            Some(p) if p == "P" || p == "G" => Some(p),
            Some(p) => {
                self.fail("PRINCEPS_GENERIQUE", format!("« {p} » : P (princeps) ou G (générique) attendu."));
                None
            }
        };
        if self.errors.len() > before {
            return None;
        }
        Some(Drug {
            code: code?,
            name: name?,
            dci: self.value("DCI1"),
            dosage: self.value("DOSAGE1"),
            dosage_unit: self.value("UNITE_DOSAGE1"),
            form: self.value("FORME"),
            presentation: self.value("PRESENTATION"),
            ppv,
            ph,
            prix_br,
            princeps,
            rate,
        })
    }

    /// 13 digits; a spreadsheet may hold it as a number (`6118000032779.0`).
    fn code(&mut self) -> Option<String> {
        let raw = self.value("CODE");
        let code = raw.as_deref().map(|c| c.strip_suffix(".0").unwrap_or(c).replace(' ', ""));
        match code {
            Some(c) if super::is_code(&c) => Some(c),
            Some(c) => {
                self.fail("CODE", format!("« {c} » n'est pas un code de médicament (13 chiffres)."));
                None
            }
            None => {
                self.fail("CODE", "code absent.".into());
                None
            }
        }
    }

    /// Centimes from `108,00`, `108.00`, `1 234,5`, `108` or a number cell.
    fn price(&mut self, column: &str) -> Option<Centimes> {
        if let Cell::Number(f) = self.cell(column) {
            let f = *f;
            if f.is_finite() && (0.0..1e9).contains(&f) {
                return Some(Centimes((f * 100.0).round() as i64));
            }
            self.fail(column, format!("« {f} » n'est pas un prix."));
            return None;
        }
        let raw = self.value(column)?;
        match centimes(&raw) {
            Some(c) => Some(c),
            None => {
                self.fail(column, format!("« {raw} » n'est pas un prix (exemple : 108,00)."));
                None
            }
        }
    }

    /// Basis points from `70%`, `70 %`, `70`, `0,7` or a percentage cell (0.7).
    fn rate(&mut self) -> Option<u32> {
        const C: &str = "TAUX_REMBOURSEMENT";
        let percent = match self.cell(C) {
            Cell::Number(f) if *f <= 1.0 => Some(f * 100.0),
            Cell::Number(f) => Some(*f),
            _ => {
                let raw = self.value(C)?;
                let t = raw.trim_end_matches('%').trim().replace(',', ".");
                match t.parse::<f64>() {
                    Ok(v) if !raw.contains('%') && v > 0.0 && v <= 1.0 && t.contains('.') => Some(v * 100.0),
                    Ok(v) => Some(v),
                    Err(_) => {
                        self.fail(C, format!("« {raw} » n'est pas un pourcentage (exemple : 70%)."));
                        return None;
                    }
                }
            }
        }?;
        if !(0.0..=100.0).contains(&percent) || !percent.is_finite() {
            self.fail(C, format!("{percent} % : un taux est compris entre 0 % et 100 %."));
            return None;
        }
        Some((percent * 100.0).round() as u32)
    }
}

/// A price written by hand or by a program: digits, one decimal mark (point
/// or comma), spaces between thousands; zeros beyond the centimes dropped.
fn centimes(raw: &str) -> Option<Centimes> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    let (units, decimals) = match s.rfind([',', '.']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s.as_str(), ""),
    };
    let decimals =
        if decimals.len() > 2 && decimals[2..].bytes().all(|b| b == b'0') { &decimals[..2] } else { decimals };
    if units.is_empty() && decimals.is_empty()
        || units.len() > 9
        || decimals.len() > 2
        || !units.bytes().all(|b| b.is_ascii_digit())
        || !decimals.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let u: i64 = if units.is_empty() { 0 } else { units.parse().ok()? };
    let c: i64 = format!("{decimals:0<2}").parse().ok()?;
    Some(Centimes(u * 100 + c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = ",CODE,NOM,DCI1,DOSAGE1,UNITE_DOSAGE1,FORME,PRESENTATION,PPV,PH,PRIX_BR,\
        PRINCEPS_GENERIQUE,TAUX_REMBOURSEMENT\n";

    fn csv(rows: &[&str]) -> Vec<u8> {
        let mut s = HEADER.to_string();
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s.into_bytes()
    }

    fn refused(bytes: &[u8]) -> String {
        read(bytes).expect_err("the file must be refused").message
    }

    #[test]
    fn the_quirks_of_published_copies_are_read() {
        let drugs = read(&csv(&[
            "0,6118000032779,IXOR 10 MG,ROSUVASTATINE,10,MG,COMPRIME PELLICULE,BOITE DE 30,\"108,00\",-,60.00,P,70%",
            "1,6118000041252,\"ADRENALINE 0,50 MG\",ADRENALINE,\"0,5\",MG,SOLUTION INJECTABLE,B/1,nan,,,G,0%",
            "2,6118001290017,AUGMENTIN,AMOXICILLINE,600 / 5,MG / MG,SUSPENSION,FLACON 60 ML,45.5,30.000,40,G,70 %",
            "3,6118000170019,VITAMINE D,CHOLECALCIFEROL,200000,µG,AMPOULE,B/1,18,,18,G,0",
        ]))
        .unwrap();
        assert_eq!(drugs.len(), 4);
        let ixor = &drugs[0];
        assert_eq!(
            (ixor.code.as_str(), ixor.ppv, ixor.prix_br, ixor.rate),
            ("6118000032779", Some(Centimes(10_800)), Some(Centimes(6_000)), Some(7_000))
        );
        assert_eq!(ixor.ph, None);
        assert_eq!(ixor.princeps.as_deref(), Some("P"));
        assert_eq!(ixor.label(), "IXOR 10 MG, boite de 30");
        let adr = &drugs[1];
        assert_eq!((adr.name.as_str(), adr.ppv, adr.prix_br, adr.rate), ("ADRENALINE 0,50 MG", None, None, Some(0)));
        assert_eq!((drugs[2].dosage.as_deref(), drugs[2].dosage_unit.as_deref()), (Some("600 / 5"), Some("MG / MG")));
        assert_eq!(
            (drugs[2].ppv, drugs[2].ph, drugs[2].rate),
            (Some(Centimes(4_550)), Some(Centimes(3_000)), Some(7_000))
        );
        assert_eq!(drugs[3].dosage_unit.as_deref(), Some("µG"));
    }

    #[test]
    fn a_bad_file_is_refused_naming_row_and_column() {
        let twice = refused(&csv(&[
            "0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,60,P,70%",
            "1,6118000032779,IXOR BIS,R,10,MG,CP,B/30,108,,60,P,70%",
        ]));
        assert!(twice.contains("Ligne 3, colonne CODE : le code 6118000032779 est déjà à la ligne 2"), "{twice}");
        let price = refused(&csv(&["0,6118000032779,IXOR,R,10,MG,CP,B/30,cent huit,,60,P,70%"]));
        assert!(price.contains("Ligne 2, colonne PPV : « cent huit » n'est pas un prix"), "{price}");
        let rate = refused(&csv(&["0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,60,P,soixante-dix"]));
        assert!(
            rate.contains("Ligne 2, colonne TAUX_REMBOURSEMENT : « soixante-dix » n'est pas un pourcentage"),
            "{rate}"
        );
        let over = refused(&csv(&["0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,60,P,170%"]));
        assert!(over.contains("colonne TAUX_REMBOURSEMENT : 170 %"), "{over}");
        let code = refused(&csv(&["0,61180000327,IXOR,R,10,MG,CP,B/30,108,,60,P,70%"]));
        assert!(code.contains("Ligne 2, colonne CODE : « 61180000327 » n'est pas un code"), "{code}");
        let missing = refused(
            b"CODE,NOM,DCI1,DOSAGE1,UNITE_DOSAGE1,FORME,PRESENTATION,PPV,PH,PRINCEPS_GENERIQUE,\
            TAUX_REMBOURSEMENT\n6118000032779,IXOR,R,10,MG,CP,B/30,108,,P,70%\n",
        );
        assert!(missing.contains("colonne absente : PRIX_BR"), "{missing}");
        let roster = refused("Matricule;Nom;Prénom;CNIE\n13059;Alami;Karim;BK123456\n".as_bytes());
        assert!(roster.contains("n'est pas le référentiel des médicaments"), "{roster}");
        let pdf = refused(b"%PDF-1.7\n1 0 obj\n");
        assert!(pdf.contains("n'est pas un tableur"), "{pdf}");
    }

    #[test]
    fn prices_read_as_centimes_never_floats() {
        assert_eq!(centimes("108,00"), Some(Centimes(10_800)));
        assert_eq!(centimes("1 234,5"), Some(Centimes(123_450)));
        assert_eq!(centimes("60.000"), Some(Centimes(6_000)));
        assert_eq!(centimes("0.1"), Some(Centimes(10)));
        assert_eq!(centimes("12,345"), None);
        assert_eq!(centimes("1.2.3"), None);
    }
}
