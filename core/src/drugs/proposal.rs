//! What the vignettes on a dossier's scans propose: one pharmacy line per
//! drug found, its boxes counted, with the pages it stands on; the codes the
//! list does not have and the pages that could not be read, said plainly.
//! The processor confirms or corrects the lines before they are saved and
//! liquidated. And the original paper, when it comes, checked against the
//! lines saved: the vignettes scanned on it, box by box.

use super::{versions, vignettes};
use crate::dossiers::repo::get;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::storage::Db;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// A pharmacy line the scans propose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProposedLine {
    pub drug_code: String,
    #[ts(type = "number")]
    pub boxes: i64,
    /// The drug's name and presentation, or `None` when the list does not have it.
    pub label: Option<String>,
    /// The pages (across the dossier's scans, from 1) its vignettes stand on.
    pub pages: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VignetteProposal {
    pub lines: Vec<ProposedLine>,
    /// `5 vignettes lues ; 1 code absent du référentiel : 6118000099999 ; page 2 illisible.`
    pub summary: String,
    #[ts(type = "number")]
    pub pages: u32,
    /// The scanned files read (their ids), sealed ones left aside.
    #[ts(type = "Array<number>")]
    pub files: Vec<i64>,
}

/// Reads every unsealed scan of the dossier and proposes its pharmacy lines.
pub async fn propose(db: &Db, dossier_id: i64) -> ApiResult<VignetteProposal> {
    let d = get(db.pool(), dossier_id).await?.ok_or_else(|| ApiError::not_found("Dossier introuvable."))?;
    let scans = crate::dossiers::repo::scans_of(db.pool(), dossier_id).await?;
    let sealed = scans.iter().filter(|s| s.confidential).count();
    let mut contents = vec![];
    for s in scans.iter().filter(|s| !s.confidential) {
        contents.push((s.id, crate::dossiers::repo::scan_content(db.pool(), s.id).await?.1));
    }
    let files: Vec<i64> = contents.iter().map(|(id, _)| *id).collect();
    // Decoding is CPU work: off the async threads.
    let read = tokio::task::spawn_blocking(move || {
        contents.iter().flat_map(|(_, bytes)| vignettes::pages(bytes)).collect::<Vec<_>>()
    })
    .await
    .map_err(ApiError::internal)?;
    let all = versions::versions(&mut *db.pool().acquire().await?).await?;
    let version = versions::in_force(&all, d.first_act_date);
    let mut by_code: BTreeMap<String, ProposedLine> = BTreeMap::new();
    let mut order: Vec<String> = vec![];
    let mut unreadable: Vec<String> = vec![];
    let mut count = 0;
    for (i, page) in read.iter().enumerate() {
        let n = i as u32 + 1;
        match page {
            vignettes::Page::Read(codes) => {
                for code in codes {
                    count += 1;
                    let line = by_code.entry(code.clone()).or_insert_with(|| {
                        order.push(code.clone());
                        ProposedLine { drug_code: code.clone(), boxes: 0, label: None, pages: vec![] }
                    });
                    line.boxes += 1;
                    if !line.pages.contains(&n) {
                        line.pages.push(n);
                    }
                }
            }
            vignettes::Page::Unreadable(why) => unreadable.push(format!("page {n} illisible ({why})")),
        }
    }
    let mut absent = vec![];
    for code in &order {
        let drug = match version {
            Some(v) => versions::drug(&mut *db.pool().acquire().await?, v.id, code).await?,
            None => None,
        };
        match drug {
            Some(d) => by_code.get_mut(code).expect("proposed").label = Some(d.label()),
            None => absent.push(code.clone()),
        }
    }
    let mut parts = vec![match count {
        0 => "Aucune vignette lue".to_string(),
        1 => "1 vignette lue".to_string(),
        n => format!("{n} vignettes lues"),
    }];
    if !absent.is_empty() {
        let when = fr(d.first_act_date);
        parts.push(match absent.len() {
            1 => format!("1 code absent du référentiel en vigueur le {when} : {}", absent[0]),
            n => format!("{n} codes absents du référentiel en vigueur le {when} : {}", absent.join(", ")),
        });
    }
    parts.extend(unreadable);
    if sealed > 0 {
        parts.push(format!("{sealed} pièce(s) sous pli confidentiel non lue(s)"));
    }
    if read.is_empty() && sealed == 0 {
        parts.push("le dossier n'a pas de scan".into());
    }
    Ok(VignetteProposal {
        lines: order.iter().map(|c| by_code[c].clone()).collect(),
        summary: format!("{}.", parts.join(" ; ")),
        pages: read.len() as u32,
        files,
    })
}

/// The vignettes scanned on the original paper, against the lines saved.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OriginalCheck {
    #[ts(type = "number")]
    pub dossier_id: i64,
    /// Each vignette's code, as the scanner typed it (a code twice: two boxes).
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct OriginalChecked {
    /// The original carries the same drugs and boxes as the lines.
    pub matches: bool,
    /// One sentence per difference: `6118000032779 : 2 boîtes saisies, 1 vignette sur l'original.`
    pub differences: Vec<String>,
}

/// Boxes per code on the lines against vignettes per code on the original.
pub fn compare(lines: &[(String, i64)], codes: &[String]) -> OriginalChecked {
    let mut typed: BTreeMap<&str, i64> = BTreeMap::new();
    for (c, boxes) in lines {
        *typed.entry(c).or_default() += boxes;
    }
    let mut paper: BTreeMap<&str, i64> = BTreeMap::new();
    for c in codes {
        *paper.entry(c.trim()).or_default() += 1;
    }
    let mut differences = vec![];
    let codes: std::collections::BTreeSet<&str> = typed.keys().chain(paper.keys()).copied().collect();
    for c in codes {
        let (t, p) = (typed.get(c).copied().unwrap_or(0), paper.get(c).copied().unwrap_or(0));
        if t != p {
            let boxes = |n: i64| if n > 1 { format!("{n} boîtes saisies") } else { format!("{n} boîte saisie") };
            let stuck = |n: i64| if n > 1 { format!("{n} vignettes") } else { format!("{n} vignette") };
            differences.push(format!("{c} : {}, {} sur l'original.", boxes(t), stuck(p)));
        }
    }
    OriginalChecked { matches: differences.is_empty(), differences }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_is_checked_box_by_box() {
        let lines = vec![("6118000032779".to_string(), 2), ("6118001290017".to_string(), 1)];
        let same = compare(&lines, &["6118000032779".into(), "6118001290017".into(), "6118000032779".into()]);
        assert!(same.matches && same.differences.is_empty());
        let other = compare(&lines, &["6118000032779".into(), "6118000211118".into()]);
        assert_eq!(
            other.differences,
            vec![
                "6118000032779 : 2 boîtes saisies, 1 vignette sur l'original.",
                "6118000211118 : 0 boîte saisie, 1 vignette sur l'original.",
                "6118001290017 : 1 boîte saisie, 0 vignette sur l'original.",
            ]
        );
    }
}
