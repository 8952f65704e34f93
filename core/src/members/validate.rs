//! The identifiers of a member, each checked with a French message naming its
//! field (see DOMAIN.md: RIB, CNIE, matricule).

use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use chrono::NaiveDate;

/// Member number: letters, digits, `-` and `/`, at most 20; upper-cased.
/// A spreadsheet's `13059.0` is read as `13059` before it gets here.
pub fn matricule(field: &str, raw: &str) -> ApiResult<String> {
    let m: String = raw.trim().to_uppercase();
    if m.is_empty() {
        return Err(ApiError::validation(field, "Le matricule est obligatoire."));
    }
    if m.chars().count() > 20 || !m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
        return Err(ApiError::validation(
            field,
            format!(
                "Matricule invalide « {} » : lettres, chiffres, « - » et « / » seulement, 20 au plus.",
                shorten(raw)
            ),
        ));
    }
    Ok(m)
}

/// National ID card number: one or two letters then digits (`BK123456`,
/// `A123456`); stored upper-case without spaces.
pub fn cnie(field: &str, raw: &str) -> ApiResult<String> {
    let c: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let letters = c.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = c.chars().skip(letters).take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&letters) || !(1..=8).contains(&digits) || letters + digits != c.chars().count() {
        return Err(ApiError::validation(
            field,
            format!(
                "CNIE invalide « {} » : une ou deux lettres suivies de chiffres (exemple : BK123456).",
                shorten(raw)
            ),
        ));
    }
    Ok(c)
}

/// A date of birth: a real date, not in the future, not before 1900.
pub fn birth_date(field: &str, d: NaiveDate, today: NaiveDate) -> ApiResult<NaiveDate> {
    if d > today {
        return Err(ApiError::validation(field, format!("Date de naissance dans le futur : {}.", fr(d))));
    }
    if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) {
        return Err(ApiError::validation(field, format!("Date de naissance improbable : {}.", fr(d))));
    }
    Ok(d)
}

/// A well-formed address: one `@`, a local part, a domain with a dot; stored lower-case.
pub fn email(field: &str, raw: &str) -> ApiResult<String> {
    let e = raw.trim().to_lowercase();
    let bad = || {
        ApiError::validation(field, format!("Adresse e-mail invalide « {} » (exemple : nom@domaine.ma).", shorten(raw)))
    };
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let ok_chars = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c));
    if e.len() > 254
        || local.is_empty()
        || domain.contains('@')
        || !ok_chars(local)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(bad());
    }
    Ok(e)
}

/// A Moroccan phone number, stored as `+212XXXXXXXXX` (mobile 6/7, fixed 5).
/// Accepts `06 61 23 45 67`, `0661-234567`, `+212 661 234 567`, `00212661234567`,
/// and `661234567` as a spreadsheet that dropped the leading zero stores it.
pub fn gsm(field: &str, raw: &str) -> ApiResult<String> {
    let bad = || {
        ApiError::validation(
            field,
            format!("Numéro de téléphone invalide « {} » (exemple : 06 61 23 45 67).", shorten(raw)),
        )
    };
    let t = raw.trim();
    let plus = t.starts_with('+');
    if !t.chars().all(|c| c.is_ascii_digit() || " .-/()+".contains(c)) || t.matches('+').count() > usize::from(plus) {
        return Err(bad());
    }
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = if plus || digits.starts_with("00") {
        digits.trim_start_matches("00").strip_prefix("212").ok_or_else(bad)?.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else {
        digits
    };
    if national.len() != 9 || !matches!(national.as_bytes()[0], b'5' | b'6' | b'7') {
        return Err(bad());
    }
    Ok(format!("+212{national}"))
}

pub use crate::kernel::rib::{check as rib, printed as format_rib};

/// Quotes at most 40 characters of user input in a message.
pub fn shorten(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > 40 {
        format!("{}…", t.chars().take(40).collect::<String>())
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rib_of_the_seed_passes_and_a_wrong_key_is_named() {
        assert_eq!(rib("rib", "007 780 000 000 3654300171 71").unwrap(), "007780000000365430017171");
        let e = rib("rib", "007 780 000 000 3654300171 72").unwrap_err();
        assert_eq!(e.message, "RIB invalide : la clé 72 ne correspond pas (clé attendue 71). Vérifiez le numéro.");
        let e = rib("rib", "007 780 000").unwrap_err();
        assert_eq!(e.message, "RIB invalide : il faut 24 chiffres (il y en a 9).");
        assert!(rib("rib", "00778000000036543001717A").is_err());
        assert_eq!(format_rib("007780000000365430017171"), "007 780 0000003654300171 71");
    }

    #[test]
    fn cnie_forms() {
        assert_eq!(cnie("cnie", " bk 123456 ").unwrap(), "BK123456");
        assert_eq!(cnie("cnie", "A123456").unwrap(), "A123456");
        for bad in ["123456", "ABC12345", "BK", "BK12A45", "BK123456789"] {
            assert!(cnie("cnie", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalise_to_one_format() {
        for ok in ["06 61 23 45 67", "0661-234567", "+212 661 234 567", "00212661234567", "661234567", "0522 12 34 56"]
        {
            let g = gsm("gsm", ok).unwrap();
            assert!(g.starts_with("+212") && g.len() == 13, "{ok} -> {g}");
        }
        assert_eq!(gsm("gsm", "06 61 23 45 67").unwrap(), "+212661234567");
        for bad in ["12345", "0861234567", "+33 6 12 34 56 78", "06 61 23 45 6x", "06+61234567"] {
            assert!(gsm("gsm", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email("email", " Nom.Prenom@Mutuelle.MA ").unwrap(), "nom.prenom@mutuelle.ma");
        for bad in ["nom", "nom@", "@x.ma", "a b@x.ma", "a@x", "a@@x.ma", "a@x..ma", "a@.x.ma"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matricules_and_dates() {
        assert_eq!(matricule("matricule", " 13059 ").unwrap(), "13059");
        assert_eq!(matricule("matricule", "").unwrap_err().message, "Le matricule est obligatoire.");
        assert!(matricule("matricule", "13 059").is_err());
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert!(birth_date("b", NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), today).is_err());
        assert!(birth_date("b", NaiveDate::from_ymd_opt(1981, 8, 27).unwrap(), today).is_ok());
    }
}
