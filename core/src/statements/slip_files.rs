//! A transmission slip written out: PDF for the fund's desk, `.xlsx` or
//! `.csv` for its systems. A part taken back is a negative line whose last
//! column says why; the totals give the parts, what is taken back and the net.

use super::slips::{FundSlip, SlipLine};
use crate::error::{ApiError, ApiResult};
use crate::export::{xlsx_bytes, Cell};
use crate::kernel::dates::fr;
use crate::money::format as dh;
use crate::pdf::{Align, Writer};

const HEADERS: [&str; 8] = [
    "Feuille de soins",
    "Matricule",
    "Adhérent",
    "Bénéficiaire",
    "Réglé le",
    "Base AMO (DH)",
    "Part AMO (DH)",
    "Versée à l'adhérent par",
];

/// The slip for a file named `name`: PDF, `.xlsx` or `.csv` by its extension.
pub fn bytes(
    name: &str,
    head: &crate::pdf::letterhead::Letterhead,
    slip: &FundSlip,
    lines: &[SlipLine],
) -> ApiResult<Vec<u8>> {
    let ext = crate::export::extension(name);
    let payer = |l: &SlipLine| {
        if let Some(why) = &l.returned {
            why.clone()
        } else if l.paid_to_member_by == "prestataire" {
            "la mutuelle, au prestataire (à rembourser)".to_string()
        } else if l.paid_to_member_by == "mutuelle" {
            "la mutuelle (à rembourser)".to_string()
        } else {
            slip.fund_name.clone()
        }
    };
    Ok(match ext.as_str() {
        "pdf" => pdf(head, slip, lines),
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = lines
                .iter()
                .map(|l| {
                    vec![
                        l.form_number.as_str().into(),
                        l.matricule.as_str().into(),
                        l.member_name.as_str().into(),
                        l.beneficiary_name.as_str().into(),
                        Cell::Date(l.paid_on),
                        Cell::Money(l.base),
                        Cell::Money(l.amo),
                        payer(l).into(),
                    ]
                })
                .collect();
            xlsx_bytes("Bordereau", &HEADERS, &rows)?
        }
        "csv" => {
            use crate::export::CsvCell::{Figure, Text};
            let payers: Vec<String> = lines.iter().map(payer).collect();
            let rows: Vec<_> = lines
                .iter()
                .zip(&payers)
                .map(|(l, p)| {
                    vec![
                        Text(&l.form_number),
                        Text(&l.matricule),
                        Text(&l.member_name),
                        Text(&l.beneficiary_name),
                        Figure(l.paid_on.map(fr).unwrap_or_default()),
                        Figure(dh(l.base)),
                        Figure(dh(l.amo)),
                        Text(p),
                    ]
                })
                .collect();
            crate::export::csv_bytes(&HEADERS, &rows)?
        }
        _ => return Err(ApiError::validation("name", "Le bordereau s'enregistre en .pdf, .xlsx ou .csv.")),
    })
}

fn pdf(head: &crate::pdf::letterhead::Letterhead, slip: &FundSlip, lines: &[SlipLine]) -> Vec<u8> {
    let title = format!("Bordereau d'envoi n° {}", slip.reference);
    let mut w = Writer::new(&title, &format!("{} — {title}", head.name));
    crate::pdf::letterhead::top(&mut w, head);
    w.heading(&title);
    w.field("Destinataire", &slip.fund_name);
    w.field("Période de règlement", &format!("du {} au {}", fr(slip.period_from), fr(slip.period_to)));
    w.field("Dossiers", &slip.dossier_count.to_string());
    if slip.return_count > 0 {
        w.field("Parts AMO à récupérer", &slip.return_count.to_string());
    }
    w.gap(6.0);
    let cols = [
        ("Feuille de soins", Align::Left),
        ("Matricule", Align::Left),
        ("Bénéficiaire", Align::Left),
        ("Réglé le", Align::Left),
        ("Base\nAMO", Align::Right),
        ("Part\nAMO", Align::Right),
    ];
    let rows: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| l.returned.is_none())
        .map(|l| {
            vec![
                l.form_number.clone(),
                l.matricule.clone(),
                l.beneficiary_name.clone(),
                l.paid_on.map(fr).unwrap_or_default(),
                dh(l.base),
                dh(l.amo),
            ]
        })
        .collect();
    let total =
        vec!["Total".into(), String::new(), String::new(), String::new(), dh(slip.total_base), dh(slip.total_amo)];
    w.fitted_table(&cols, &rows, Some(total));
    let returned: Vec<&SlipLine> = lines.iter().filter(|l| l.returned.is_some()).collect();
    if !returned.is_empty() {
        w.heading("Parts AMO à récupérer (dossiers rejetés après paiement)");
        let cols = [
            ("Feuille de soins", Align::Left),
            ("Matricule", Align::Left),
            ("Bénéficiaire", Align::Left),
            ("Motif", Align::Left),
            ("Part\nAMO", Align::Right),
        ];
        let rows: Vec<Vec<String>> = returned
            .iter()
            .map(|l| {
                vec![
                    l.form_number.clone(),
                    l.matricule.clone(),
                    l.beneficiary_name.clone(),
                    l.returned.clone().unwrap_or_default(),
                    dh(l.amo),
                ]
            })
            .collect();
        let total = vec!["Total".into(), String::new(), String::new(), String::new(), dh(-slip.total_returned)];
        w.fitted_table(&cols, &rows, Some(total));
    }
    w.field("Total des parts AMO", &format!("{} DH", dh(slip.total_amo)));
    if slip.return_count > 0 {
        w.field("À déduire : parts AMO à récupérer", &format!("{} DH", dh(-slip.total_returned)));
        w.field("Net dû par la caisse", &format!("{} DH", dh(slip.net)));
    }
    w.paragraph(
        "Merci de nous retourner la confirmation du paiement de ces parts AMO, dossier par dossier (feuille \
        de soins et montant).",
    );
    w.finish().render()
}
