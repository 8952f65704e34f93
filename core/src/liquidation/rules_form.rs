//! A rule set as people type it in the editor: amounts in dirhams, rates in
//! percent, one field per value, and acts with their labels. The core reads
//! it (French messages naming the field), turns it into a [`RuleSet`] in
//! centimes and basis points, and says how it differs from the set in force
//! before it is saved. No JSON, centimes or basis points on anyone's screen.

use super::rules::{format_rate, in_force, Act, CareGroup, Ceiling, CeilingScope, Pricing, Rate, RuleSet};
use crate::error::{ApiError, ApiResult};
use crate::money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct KeyValueForm {
    pub letter: String,
    /// In dirhams, as typed (`80`, `1,10`); empty while the letter has no
    /// price yet (its acts are listed as without a tariff).
    pub value: String,
    /// Where the value comes from (`Arrêté 1961-06, grille n° 1`).
    #[serde(default)]
    pub source: String,
}

/// How an act is priced, in the editor's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PricingForm {
    /// Coefficient × the value of its key letter (the act's code).
    KeyLetter,
    /// A reference price per unit.
    UnitPrice,
    /// No price yet: listed to the administrator; its lines wait for one.
    Unpriced,
    /// Only the tariff of a coverage prices it.
    Agreement,
    /// The drug reference list: the drug's reference price and rate.
    Drug,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ActForm {
    pub code: String,
    pub label: String,
    pub family: String,
    pub pricing: PricingForm,
    /// In dirhams, for a unit price.
    #[serde(default)]
    pub unit_price: String,
    pub needs_prior_approval: bool,
    /// Where its unit price comes from.
    #[serde(default)]
    pub source: String,
}

/// The rates of one group of care, in percent as typed (`80`, `72,5`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GroupForm {
    /// The key the acts name (`consultation`, `protheses_dentaires`).
    pub code: String,
    pub label: String,
    /// The fund's share of the base.
    pub amo_rate: String,
    /// The mutual's share of what the member bears under the base.
    pub member_share: String,
    /// The mutual's share of what is charged above the base.
    #[serde(default)]
    pub above_base: String,
    /// Where its AMO rate comes from (`Décret 2-05-736, art. 1er, 1°`).
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CeilingForm {
    /// The group of care it caps.
    pub family: String,
    /// In dirhams, of the mutual's part.
    pub amount: String,
    /// Over how many years (`1`: each year; `2`: every two years).
    pub years: String,
    pub scope: CeilingScope,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FundActForm {
    /// The fund's act code (`IMP2`).
    pub code: String,
    /// The acts it covers, separated by commas or spaces (`PSYMOT, ORTHO`).
    pub acts: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSetForm {
    pub effective_from: NaiveDate,
    pub key_values: Vec<KeyValueForm>,
    pub acts: Vec<ActForm>,
    pub groups: Vec<GroupForm>,
    pub ceilings: Vec<CeilingForm>,
    pub fund_acts: Vec<FundActForm>,
}

/// `80`, `72,5`, `80 %` → basis points, 0 to 100 %.
pub fn parse_rate(field: &str, label: &str, raw: &str) -> ApiResult<Rate> {
    let t = raw.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || {
        ApiError::validation(
            field,
            format!("{label} : « {} » n'est pas un pourcentage (exemples : 80, 72,5).", raw.trim()),
        )
    };
    let (u, f) = t.split_once([',', '.']).unwrap_or((t, ""));
    if u.is_empty()
        || !u.chars().all(|c| c.is_ascii_digit())
        || !f.chars().all(|c| c.is_ascii_digit())
        || f.len() > 2
        || u.len() > 3
    {
        return Err(bad());
    }
    let bp = u.parse::<u32>().map_err(|_| bad())? * 100 + format!("{f:0<2}").parse::<u32>().map_err(|_| bad())?;
    if bp > 10_000 {
        return Err(ApiError::validation(field, format!("{label} : {} dépasse 100 %.", format_rate(bp))));
    }
    Ok(bp)
}

fn positive(field: &str, label: &str, raw: &str) -> ApiResult<money::Centimes> {
    let v = money::parse(field, label, raw)?;
    if v <= 0 {
        return Err(ApiError::validation(field, format!("{label} : le montant doit être positif.")));
    }
    Ok(v)
}

fn code(field: &str, label: &str, raw: &str) -> ApiResult<String> {
    let c = raw.trim().to_uppercase();
    if c.is_empty() || c.len() > 12 || !c.chars().all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '-') {
        return Err(ApiError::validation(
            field,
            format!("{label} : un code de lettres et de chiffres (exemples : C, PSYMOT, IMP2)."),
        ));
    }
    Ok(c)
}

/// Reads the editor's form into a rule set, each value checked where it was typed.
pub fn read(f: &RuleSetForm) -> ApiResult<RuleSet> {
    let mut key_values = BTreeMap::new();
    let mut letters = std::collections::BTreeSet::new();
    let mut sources = BTreeMap::new();
    for (i, k) in f.key_values.iter().enumerate() {
        let letter = code(&format!("key_values[{i}].letter"), &format!("Lettre clé {}", i + 1), &k.letter)?;
        if !letters.insert(letter.clone()) {
            return Err(ApiError::validation(
                &format!("key_values[{i}].letter"),
                format!("La lettre clé {letter} est saisie deux fois."),
            ));
        }
        if !k.value.trim().is_empty() {
            let label = format!("Valeur de la lettre clé {letter}");
            key_values.insert(letter.clone(), positive(&format!("key_values[{i}].value"), &label, &k.value)?);
        }
        source(&mut sources, &format!("key_values[{i}].source"), &letter, &k.source)?;
    }
    let mut acts: Vec<Act> = vec![];
    for (i, a) in f.acts.iter().enumerate() {
        let field = |n: &str| format!("acts[{i}].{n}");
        let c = code(&field("code"), &format!("Acte {}, code", i + 1), &a.code)?;
        if acts.iter().any(|x| x.code == c) {
            return Err(ApiError::validation(&field("code"), format!("L'acte {c} est saisi deux fois.")));
        }
        let label = crate::kernel::text::clean(&field("label"), &format!("Acte {c}, libellé"), &a.label, 120)?;
        if label.is_empty() {
            return Err(ApiError::validation(
                &field("label"),
                format!("Acte {c} : libellé obligatoire (ce que lit l'adhérent sur son décompte)."),
            ));
        }
        let family = crate::kernel::text::fold(&a.family).replace(' ', "_");
        if family.is_empty() {
            return Err(ApiError::validation(
                &field("family"),
                format!("Acte {c} : groupe de soins obligatoire (consultation, biologie, optique…)."),
            ));
        }
        if !f.groups.iter().any(|g| crate::kernel::text::fold(&g.code).replace(' ', "_") == family) {
            return Err(ApiError::validation(
                &field("family"),
                format!("Acte {c} : le groupe de soins « {family} » n'est pas dans la liste des groupes."),
            ));
        }
        let pricing = match a.pricing {
            PricingForm::KeyLetter => {
                if !letters.contains(&c) {
                    return Err(ApiError::validation(
                        &field("pricing"),
                        format!("Acte {c} : la lettre clé {c} n'est pas dans la liste des lettres clés."),
                    ));
                }
                Pricing::KeyLetter
            }
            PricingForm::UnitPrice => Pricing::Reference {
                unit_price: Some(positive(&field("unit_price"), &format!("Acte {c}, tarif unitaire"), &a.unit_price)?),
            },
            PricingForm::Unpriced => Pricing::Reference { unit_price: None },
            PricingForm::Agreement => Pricing::Agreement,
            PricingForm::Drug => Pricing::Drug,
        };
        if matches!(pricing, Pricing::Reference { .. }) {
            source(&mut sources, &field("source"), &c, &a.source)?;
        }
        acts.push(Act { code: c, label, family, pricing, needs_prior_approval: a.needs_prior_approval });
    }
    let mut groups = BTreeMap::new();
    for (i, g) in f.groups.iter().enumerate() {
        let field = |n: &str| format!("groups[{i}].{n}");
        let c = crate::kernel::text::fold(&g.code).replace(' ', "_");
        if c.is_empty() {
            return Err(ApiError::validation(&field("code"), format!("Groupe {} : code obligatoire.", i + 1)));
        }
        let label = crate::kernel::text::clean(&field("label"), &format!("Groupe {c}, libellé"), &g.label, 80)?;
        let group = CareGroup {
            label: if label.is_empty() { c.clone() } else { label },
            amo_rate: parse_rate(&field("amo_rate"), &format!("Taux AMO ({c})"), &g.amo_rate)?,
            member_share_rate: parse_rate(
                &field("member_share"),
                &format!("Part de la mutuelle sous la base ({c})"),
                &g.member_share,
            )?,
            above_base_rate: parse_rate(
                &field("above_base"),
                &format!("Part de la mutuelle au-delà de la base ({c})"),
                &g.above_base,
            )?,
        };
        if groups.insert(c.clone(), group).is_some() {
            return Err(ApiError::validation(&field("code"), format!("Le groupe {c} est saisi deux fois.")));
        }
        source(&mut sources, &field("source"), &group_source(&c), &g.source)?;
    }
    let mut ceilings: Vec<Ceiling> = vec![];
    for (i, c) in f.ceilings.iter().enumerate() {
        let field = |n: &str| format!("ceilings[{i}].{n}");
        let group = crate::kernel::text::fold(&c.family).replace(' ', "_");
        if !groups.contains_key(&group) {
            return Err(ApiError::validation(
                &field("family"),
                format!("Plafond {} : choisissez un groupe de soins de la liste des groupes.", i + 1),
            ));
        }
        let years = match c.years.trim() {
            "" => 1,
            t => t.parse::<u32>().ok().filter(|y| (1..=Ceiling::LONGEST).contains(y)).ok_or_else(|| {
                let longest = Ceiling::LONGEST;
                ApiError::validation(&field("years"), format!("Plafond {group} : une période de 1 à {longest} ans."))
            })?,
        };
        let amount = positive(&field("amount"), &format!("Plafond {group}"), &c.amount)?;
        if ceilings.iter().any(|x| x.group == group && x.years == years && x.scope == c.scope) {
            return Err(ApiError::validation(&field("family"), format!("Le plafond {group} est saisi deux fois.")));
        }
        ceilings.push(Ceiling { group, amount, years, scope: c.scope });
    }
    let mut fund_acts = BTreeMap::new();
    for (i, fa) in f.fund_acts.iter().enumerate() {
        let c = code(&format!("fund_acts[{i}].code"), &format!("Code de la caisse {}", i + 1), &fa.code)?;
        let covered: Vec<String> =
            fa.acts.split([',', ' ', ';']).filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_uppercase()).collect();
        if covered.is_empty() {
            return Err(ApiError::validation(
                &format!("fund_acts[{i}].acts"),
                format!("Code {c} de la caisse : les actes qu'il couvre (exemple : PSYMOT, ORTHO)."),
            ));
        }
        if let Some(u) = covered.iter().find(|a| !acts.iter().any(|x| &x.code == *a)) {
            return Err(ApiError::validation(
                &format!("fund_acts[{i}].acts"),
                format!("Code {c} de la caisse : l'acte {u} n'est pas au barème."),
            ));
        }
        fund_acts.insert(c, covered);
    }
    Ok(RuleSet { effective_from: f.effective_from, key_values, acts, groups, ceilings, fund_acts, sources })
}

/// The key of a group's source among the set's sources.
pub fn group_source(code: &str) -> String {
    format!("groupe:{code}")
}

/// Keeps the source typed beside a value.
fn source(sources: &mut BTreeMap<String, String>, field: &str, code: &str, raw: &str) -> ApiResult<()> {
    let s = crate::kernel::text::clean(field, &format!("Source de {code}"), raw, 200)?;
    if !s.is_empty() {
        sources.insert(code.to_string(), s);
    }
    Ok(())
}

/// A percent as the editor shows it: `80`, `72,5`.
fn rate_text(bp: Rate) -> String {
    format_rate(bp).trim_end_matches(" %").to_string()
}

/// A rule set as the editor shows it, to start the next one from.
pub fn to_form(r: &RuleSet) -> RuleSetForm {
    let price = money::format;
    RuleSetForm {
        effective_from: r.effective_from,
        key_values: letters(r)
            .into_iter()
            .map(|l| KeyValueForm {
                value: r.key_values.get(&l).map(|v| price(*v)).unwrap_or_default(),
                source: r.sources.get(&l).cloned().unwrap_or_default(),
                letter: l,
            })
            .collect(),
        acts: r
            .acts
            .iter()
            .map(|a| {
                let (pricing, unit_price) = match &a.pricing {
                    Pricing::KeyLetter => (PricingForm::KeyLetter, String::new()),
                    Pricing::Reference { unit_price: Some(p) } => (PricingForm::UnitPrice, price(*p)),
                    Pricing::Reference { unit_price: None } => (PricingForm::Unpriced, String::new()),
                    Pricing::Agreement => (PricingForm::Agreement, String::new()),
                    Pricing::Drug => (PricingForm::Drug, String::new()),
                };
                ActForm {
                    code: a.code.clone(),
                    label: a.label.clone(),
                    family: a.family.clone(),
                    pricing,
                    unit_price,
                    needs_prior_approval: a.needs_prior_approval,
                    source: match a.pricing {
                        Pricing::Reference { .. } => r.sources.get(&a.code).cloned().unwrap_or_default(),
                        _ => String::new(),
                    },
                }
            })
            .collect(),
        groups: r
            .groups
            .iter()
            .map(|(c, g)| GroupForm {
                code: c.clone(),
                label: g.label.clone(),
                amo_rate: rate_text(g.amo_rate),
                member_share: rate_text(g.member_share_rate),
                above_base: rate_text(g.above_base_rate),
                source: r.sources.get(&group_source(c)).cloned().unwrap_or_default(),
            })
            .collect(),
        ceilings: r
            .ceilings
            .iter()
            .map(|c| CeilingForm {
                family: c.group.clone(),
                amount: price(c.amount),
                years: c.years.to_string(),
                scope: c.scope,
            })
            .collect(),
        fund_acts: r.fund_acts.iter().map(|(c, a)| FundActForm { code: c.clone(), acts: a.join(", ") }).collect(),
    }
}

/// The key letters of a set: those with a value and the key-letter acts without one.
fn letters(r: &RuleSet) -> std::collections::BTreeSet<String> {
    let priced = r.key_values.keys().cloned();
    priced.chain(r.acts.iter().filter(|a| a.pricing == Pricing::KeyLetter).map(|a| a.code.clone())).collect()
}

fn pricing_text(p: &Pricing) -> String {
    match p {
        Pricing::KeyLetter => "lettre clé".into(),
        Pricing::Reference { unit_price: Some(v) } => format!("{} DH l'unité", money::format(*v)),
        Pricing::Reference { unit_price: None } => "tarif à saisir".into(),
        Pricing::Agreement => "tarif de la prise en charge".into(),
        Pricing::Drug => "référentiel des médicaments".into(),
    }
}

/// How `new` differs from `old`, one French sentence per change.
pub fn differences(old: Option<&RuleSet>, new: &RuleSet) -> Vec<String> {
    let Some(old) = old else { return vec!["Premier barème : tout est nouveau.".into()] };
    let mut out = vec![];
    let dh = |v: Option<&money::Centimes>| v.map(|x| format!("{} DH", money::format(*x))).unwrap_or_else(|| "—".into());
    let pct = |v: Option<&Rate>| v.map(|x| format_rate(*x)).unwrap_or_else(|| "—".into());
    let letters: std::collections::BTreeSet<&String> = old.key_values.keys().chain(new.key_values.keys()).collect();
    for l in letters {
        let (a, b) = (old.key_values.get(l), new.key_values.get(l));
        if a != b {
            out.push(format!("Lettre clé {l} : {} → {}", dh(a), dh(b)));
        }
    }
    for a in &new.acts {
        match old.act(&a.code) {
            None => out.push(format!(
                "Acte {} ajouté : {} ({}, {}{})",
                a.code,
                a.label,
                a.family,
                pricing_text(&a.pricing),
                if a.needs_prior_approval { ", accord préalable" } else { "" }
            )),
            Some(o) => {
                if o.label != a.label {
                    out.push(format!("Acte {} : libellé « {} » → « {} »", a.code, o.label, a.label));
                }
                if o.family != a.family {
                    out.push(format!("Acte {} : groupe {} → {}", a.code, o.family, a.family));
                }
                if o.pricing != a.pricing {
                    out.push(format!("Acte {} : {} → {}", a.code, pricing_text(&o.pricing), pricing_text(&a.pricing)));
                }
                if o.needs_prior_approval != a.needs_prior_approval {
                    out.push(format!(
                        "Acte {} : {}",
                        a.code,
                        if a.needs_prior_approval {
                            "accord préalable désormais exigé"
                        } else {
                            "accord préalable plus exigé"
                        }
                    ));
                }
            }
        }
    }
    for o in &old.acts {
        if new.act(&o.code).is_none() {
            out.push(format!("Acte {} retiré : {}", o.code, o.label));
        }
    }
    let groups: std::collections::BTreeSet<&String> = old.groups.keys().chain(new.groups.keys()).collect();
    for g in groups {
        let (a, b) = (old.groups.get(g), new.groups.get(g));
        for (what, x, y) in [
            ("taux AMO", a.map(|x| &x.amo_rate), b.map(|x| &x.amo_rate)),
            ("part de la mutuelle sous la base", a.map(|x| &x.member_share_rate), b.map(|x| &x.member_share_rate)),
            ("part de la mutuelle au-delà de la base", a.map(|x| &x.above_base_rate), b.map(|x| &x.above_base_rate)),
        ] {
            if x != y {
                out.push(format!("Groupe {g}, {what} : {} → {}", pct(x), pct(y)));
            }
        }
    }
    for c in old.ceilings.iter().filter(|c| !new.ceilings.contains(c)) {
        out.push(format!("{} : retiré", c.describe()));
    }
    for c in new.ceilings.iter().filter(|c| !old.ceilings.contains(c)) {
        out.push(format!("{} : ajouté", c.describe()));
    }
    let codes: std::collections::BTreeSet<&String> = old.fund_acts.keys().chain(new.fund_acts.keys()).collect();
    for c in codes {
        let (a, b) = (old.fund_acts.get(c), new.fund_acts.get(c));
        if a != b {
            let show = |v: Option<&Vec<String>>| v.map(|x| x.join(", ")).unwrap_or_else(|| "—".into());
            out.push(format!("Code {c} de la caisse : {} → {}", show(a), show(b)));
        }
    }
    if out.is_empty() {
        out.push("Aucune différence avec le barème en vigueur.".into());
    }
    out
}

/// The differences of `new` from the set in force on its date (or the latest before it).
pub fn against_in_force(sets: &[RuleSet], new: &RuleSet) -> Vec<String> {
    differences(in_force(sets, new.effective_from).or_else(|| sets.last()), new)
}

#[cfg(test)]
#[path = "rules_form_tests.rs"]
mod tests;
