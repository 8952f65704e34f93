//! The AMO fund's drug reference list (*référentiel des médicaments*): each
//! drug by the 13-digit code of its box (the barcode of its vignette), with
//! its public price, its reference price (the base of reimbursement) and the
//! fund's rate. Imported from the file the fund publishes as versions with
//! their effective dates (`file` reads it, `versions` keeps them); a pharmacy
//! line is priced by the drug of the version in force on its date
//! (`pricing`).

pub mod file;
pub mod pricing;
pub mod proposal;
pub mod versions;
pub mod vignettes;

use crate::liquidation::Rate;
use crate::money::Centimes;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A drug's code: the 13 digits of its box's barcode (its vignette).
pub fn is_code(c: &str) -> bool {
    c.len() == 13 && c.bytes().all(|b| b.is_ascii_digit())
}

/// One drug of a version of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Drug {
    /// The box's 13-digit code (`6118000032779`).
    pub code: String,
    pub name: String,
    pub dci: Option<String>,
    pub dosage: Option<String>,
    pub dosage_unit: Option<String>,
    pub form: Option<String>,
    pub presentation: Option<String>,
    /// Public price (PPV), centimes.
    pub ppv: Option<Centimes>,
    /// Hospital price (PH), centimes.
    pub ph: Option<Centimes>,
    /// Reference price (PRIX_BR), the base of reimbursement, centimes.
    pub prix_br: Option<Centimes>,
    /// `P` princeps, `G` generic.
    pub princeps: Option<String>,
    /// The fund's rate in basis points (7000 = 70 %); 0: not reimbursable.
    pub rate: Option<Rate>,
}

impl Drug {
    /// What the statement and the member read: the name and the
    /// presentation (`IXOR 10 MG, boite de 30`), short enough for a
    /// statement's line.
    pub fn label(&self) -> String {
        match &self.presentation {
            Some(p) => format!("{}, {}", self.name, p.to_lowercase()),
            None => self.name.clone(),
        }
    }

    /// A drug for the unit tests: its code, name, prices and rate, nothing else.
    #[cfg(test)]
    pub fn sample(code: &str, name: &str, ppv: i64, prix_br: Option<i64>, rate: Option<Rate>) -> Drug {
        Drug {
            code: code.into(),
            name: name.into(),
            dci: None,
            dosage: None,
            dosage_unit: None,
            form: None,
            presentation: None,
            ppv: Some(Centimes(ppv)),
            ph: None,
            prix_br: prix_br.map(Centimes),
            princeps: None,
            rate,
        }
    }

    /// The folded words the search reads: name, DCI and code.
    pub fn search_text(&self) -> String {
        crate::kernel::text::fold(&format!("{} {} {}", self.name, self.dci.as_deref().unwrap_or(""), self.code))
    }
}
