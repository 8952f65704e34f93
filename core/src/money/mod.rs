//! Money: Moroccan dirhams as integer centimes, never floating point. Amounts
//! are read as staff type them (`2100`, `2 100,00`, `2100.5`) and written the
//! French way (`2 100,00`).

mod centimes;

pub use centimes::Centimes;

use crate::error::{ApiError, ApiResult};

/// Reads an amount typed by a person; `field` and `label` name it in the message.
pub fn parse(field: &str, label: &str, raw: &str) -> ApiResult<Centimes> {
    let bad = || {
        ApiError::validation(field, format!("{label} : « {} » n'est pas un montant (exemple : 2 100,00).", raw.trim()))
    };
    let s: String = raw
        .trim()
        .trim_end_matches("DH")
        .trim_end_matches("Dhs")
        .trim_end_matches("MAD")
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if s.is_empty() {
        return Err(ApiError::validation(field, format!("{label} : montant obligatoire.")));
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (units, cents) = match s.find([',', '.']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    if units.is_empty() && cents.is_empty()
        || !units.chars().all(|c| c.is_ascii_digit())
        || !cents.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if cents.len() > 2 {
        return Err(ApiError::validation(
            field,
            format!("{label} : au plus deux chiffres après la virgule (centimes)."),
        ));
    }
    if units.len() > 12 {
        return Err(ApiError::validation(field, format!("{label} : montant démesuré.")));
    }
    let u: i64 = if units.is_empty() { 0 } else { units.parse().map_err(|_| bad())? };
    let c: i64 = format!("{cents:0<2}").parse().map_err(|_| bad())?;
    let v = u * 100 + c;
    Ok(Centimes(if negative { -v } else { v }))
}

/// `1 100,00`: a space between thousands, a comma before the centimes.
pub fn format(c: Centimes) -> String {
    hundredths(c.0)
}

/// Any number kept in hundredths (centimes, a coefficient's `120,00`),
/// written as [`format`] writes an amount.
pub fn hundredths(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    let units = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}", a % 100)
}

/// `1100,00`: no thousands separator, for files other programs read (a
/// bank's transfer import, an index).
pub fn plain(c: Centimes) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.0.unsigned_abs();
    format!("{sign}{},{:02}", a / 100, a % 100)
}

/// Shares `total` among parts in proportion to `weights`, to the centime,
/// the shares adding up exactly to `total` (largest remainder: the centimes
/// left after rounding down go to the largest fractions, the first on ties).
/// All weights zero: nothing is shared.
pub fn split(total: Centimes, weights: &[Centimes]) -> Vec<Centimes> {
    let sum: i128 = weights.iter().map(|w| w.0.max(0) as i128).sum();
    if sum == 0 {
        return vec![Centimes::ZERO; weights.len()];
    }
    let mut shares: Vec<(usize, i64, i128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let p = total.0 as i128 * w.0.max(0) as i128;
            (i, (p / sum) as i64, p % sum)
        })
        .collect();
    let mut left = total.0 - shares.iter().map(|s| s.1).sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        shares[i].1 += 1;
        left -= 1;
    }
    shares.into_iter().map(|s| Centimes(s.1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(v: &[i64]) -> Vec<Centimes> {
        v.iter().map(|c| Centimes(*c)).collect()
    }

    #[test]
    fn shares_add_up_to_the_total() {
        // The fund's 700,00 and the coverage's 800,00 over 600,00 and 500,00 charged.
        assert_eq!(split(Centimes(70_000), &cs(&[60_000, 50_000])), cs(&[38_182, 31_818]));
        assert_eq!(split(Centimes(80_000), &cs(&[60_000, 50_000])), cs(&[43_636, 36_364]));
        assert_eq!(split(Centimes(100), &cs(&[1, 1, 1])), cs(&[34, 33, 33]));
        assert_eq!(split(Centimes(500), &cs(&[0, 0])), cs(&[0, 0]));
        assert_eq!(split(Centimes(0), &cs(&[5, 7])), cs(&[0, 0]));
    }

    #[test]
    fn reads_what_people_type() {
        assert_eq!(parse("t", "Total", "2100").unwrap(), 210_000);
        assert_eq!(parse("t", "Total", "2 100,00").unwrap(), 210_000);
        assert_eq!(parse("t", "Total", "2100.5").unwrap(), 210_050);
        assert_eq!(parse("t", "Total", "0,07").unwrap(), 7);
        assert_eq!(parse("t", "Total", "1 100,00 DH").unwrap(), 110_000);
        assert_eq!(parse("t", "Total", "-12").unwrap(), -1200);
        let e = parse("total", "Total des frais engagés", "12,345").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("total"));
        assert!(e.message.contains("deux chiffres"), "{}", e.message);
        assert!(parse("t", "Total", "douze").unwrap_err().message.contains("n'est pas un montant"));
        assert!(parse("t", "Total", "").unwrap_err().message.contains("obligatoire"));
        assert!(parse("t", "Total", "1e5").is_err());
    }

    #[test]
    fn writes_the_french_way() {
        assert_eq!(format(Centimes(110_000)), "1 100,00");
        assert_eq!(format(Centimes(210_000)), "2 100,00");
        assert_eq!(format(Centimes(5)), "0,05");
        assert_eq!(format(Centimes(123_456_789)), "1 234 567,89");
        assert_eq!(format(Centimes(-70_000)), "-700,00");
        // For other programs: no thousands separator.
        assert_eq!(plain(Centimes(110_000)), "1100,00");
        assert_eq!(plain(Centimes(5)), "0,05");
        assert_eq!(plain(Centimes(-50)), "-0,50");
    }
}
