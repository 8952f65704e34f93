//! An act as the processor types it on a care line: a key letter or a code,
//! then a coefficient (`C`, `B 120`, `K 50`, `AMM 8,5`, `PSYMOT`), read into
//! its code and the coefficient in hundredths, or refused in French.

/// `B 120` → (`B`, 12 000 hundredths); `C` → (`C`, 100); `AMM 8,5` → (`AMM`, 850).
pub fn parse_act(text: &str) -> Result<(String, i64), String> {
    let t = text.trim();
    let mut parts = t.split_whitespace();
    let code = parts.next().ok_or_else(|| "Acte obligatoire (exemples : C, B 120, K 50).".to_string())?.to_uppercase();
    let coef = match parts.next() {
        None => 100,
        Some(c) => {
            let c = c.replace(',', ".");
            let (u, f) = c.split_once('.').unwrap_or((&c, ""));
            if u.is_empty() && f.is_empty()
                || !u.chars().all(|x| x.is_ascii_digit())
                || !f.chars().all(|x| x.is_ascii_digit())
                || f.len() > 2
                || u.len() > 6
            {
                return Err(format!("Coefficient illisible dans « {t} » (exemples : B 120, K 50, AMM 8,5)."));
            }
            let u: i64 =
                if u.is_empty() { 0 } else { u.parse().map_err(|_| format!("Coefficient illisible dans « {t} »."))? };
            let f: i64 = format!("{f:0<2}").parse().unwrap_or(0);
            u * 100 + f
        }
    };
    if parts.next().is_some() {
        return Err(format!("Acte illisible « {t} » : une lettre clé ou un code, puis éventuellement un coefficient."));
    }
    if coef == 0 {
        return Err(format!("Coefficient nul dans « {t} »."));
    }
    Ok((code, coef))
}
