//! Who is covered on a given day (law 65-00 and the mutual's statutes): the
//! member while he belongs to the mutual (active or retired); his spouse;
//! his children up to the statutes' age (21), up to the students' age (26)
//! with a schooling certificate for that school year, without limit when
//! disabled on a certificate; the family of a deceased member keeps its
//! rights; nobody while the member's rights are suspended. Liquidation,
//! care lines and prior approvals ask it; the member's page shows it. The
//! reasons are the words the member reads.

use super::Relation;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::storage::time::row_date as date;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use ts_rs::TS;

/// The ages of the statutes, from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CoverageRule {
    pub effective_from: NaiveDate,
    #[ts(type = "number")]
    pub child_age: u32,
    #[ts(type = "number")]
    pub student_age: u32,
}

/// Why a member's rights are suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    CotisationsImpayees,
    Disponibilite,
    FinEmploi,
}

impl SuspensionReason {
    pub fn code(self) -> &'static str {
        match self {
            SuspensionReason::CotisationsImpayees => "cotisations_impayees",
            SuspensionReason::Disponibilite => "disponibilite",
            SuspensionReason::FinEmploi => "fin_emploi",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SuspensionReason::CotisationsImpayees => "cotisations impayées",
            SuspensionReason::Disponibilite => "mise en disponibilité",
            SuspensionReason::FinEmploi => "fin d'emploi",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::CotisationsImpayees, Self::Disponibilite, Self::FinEmploi].into_iter().find(|r| r.code() == s)
    }
    /// As an employer's roster writes it (`Cotisations impayées`, `Mise en disponibilité`, `Fin de contrat`).
    pub fn read(s: &str) -> Option<Self> {
        match crate::kernel::text::key(s).as_str() {
            "cotisationsimpayees" | "cotisationimpayee" | "impayes" | "impaye" | "nonpaiement" => {
                Some(Self::CotisationsImpayees)
            }
            "disponibilite" | "miseendisponibilite" | "misendisponibilite" | "congesanssolde" | "congessanssolde" => {
                Some(Self::Disponibilite)
            }
            "finemploi" | "findemploi" | "findecontrat" | "fincontrat" | "licenciement" | "demission" => {
                Some(Self::FinEmploi)
            }
            _ => Self::parse(s.trim()),
        }
    }
}

/// A period of suspended rights; `end` open while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Suspension {
    #[ts(type = "number")]
    pub id: i64,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub reason: SuspensionReason,
    pub reason_label: String,
}

struct Person {
    relation: Relation,
    first_name: String,
    birth_date: Option<NaiveDate>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    disabled_since: Option<NaiveDate>,
    /// His fund, and its insured (name, number), when recorded.
    fund: (Option<String>, Option<String>, Option<String>),
    /// School years with a certificate on file (from, to).
    schooling: Vec<(NaiveDate, NaiveDate)>,
}

/// What decides the coverage of one member's family.
pub struct Coverage {
    member_end: Option<NaiveDate>,
    deceased_on: Option<NaiveDate>,
    suspensions: Vec<Suspension>,
    rules: Vec<CoverageRule>,
    people: BTreeMap<i64, Person>,
}

/// A beneficiary's coverage as his member's page shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BeneficiaryCoverage {
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub covered: bool,
    /// « Couvert », « Couverte jusqu'au 01/06/2039 (21 ans ; au-delà, certificat de scolarité) »,
    /// or the reason he is not.
    pub text: String,
    /// His AMO fund when it is not the members' (`CNSS`, `aucune`), and the
    /// fund's insured with his number when that is not the member.
    pub amo_fund: Option<String>,
    pub fund_insured_name: Option<String>,
    pub fund_insured_number: Option<String>,
}

/// The day someone born on `birth` turns `age`.
fn birthday(birth: NaiveDate, age: u32) -> NaiveDate {
    birth.checked_add_months(Months::new(age * 12)).unwrap_or(NaiveDate::MAX)
}

pub async fn rules<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<CoverageRule>> {
    let rows = sqlx::query("SELECT effective_from, child_age, student_age FROM coverage_rules ORDER BY effective_from")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CoverageRule {
                effective_from: date(r, "effective_from")?.ok_or_else(|| ApiError::internal("coverage rule date"))?,
                child_age: r.try_get::<i64, _>("child_age")? as u32,
                student_age: r.try_get::<i64, _>("student_age")? as u32,
            })
        })
        .collect()
}

pub async fn suspensions<'e, E: sqlx::Executor<'e, Database = Any>>(
    ex: E,
    member_id: i64,
) -> ApiResult<Vec<Suspension>> {
    let rows = sqlx::query(
        "SELECT id, start_date, end_date, reason FROM coverage_suspensions WHERE member_id = $1 ORDER BY \
            start_date, id",
    )
    .bind(member_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let reason = SuspensionReason::parse(&r.try_get::<String, _>("reason")?)
                .ok_or_else(|| ApiError::internal("unknown suspension reason"))?;
            Ok(Suspension {
                id: r.try_get("id")?,
                start: date(r, "start_date")?.ok_or_else(|| ApiError::internal("suspension start"))?,
                end: date(r, "end_date")?,
                reason,
                reason_label: reason.label().into(),
            })
        })
        .collect()
}

impl Coverage {
    pub async fn of_member(tx: &mut Transaction<'static, Any>, member_id: i64) -> ApiResult<Coverage> {
        Self::read(tx, member_id).await
    }

    pub async fn read(c: &mut sqlx::AnyConnection, member_id: i64) -> ApiResult<Coverage> {
        let m = sqlx::query("SELECT end_date, deceased_on FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Aucun adhérent n° {member_id}.")))?;
        let rows = sqlx::query(
            "SELECT id, relation, first_name, birth_date, coverage_start, coverage_end, disabled_since, amo_fund, \
                fund_insured_name, fund_insured_number FROM beneficiaries WHERE member_id = $1",
        )
        .bind(member_id)
        .fetch_all(&mut *c)
        .await?;
        let mut people = BTreeMap::new();
        for r in rows {
            let relation = Relation::parse(&r.try_get::<String, _>("relation")?)
                .ok_or_else(|| ApiError::internal("unknown relation"))?;
            people.insert(
                r.try_get::<i64, _>("id")?,
                Person {
                    relation,
                    first_name: r.try_get("first_name")?,
                    birth_date: date(&r, "birth_date")?,
                    start: date(&r, "coverage_start")?,
                    end: date(&r, "coverage_end")?,
                    disabled_since: date(&r, "disabled_since")?,
                    fund: (r.try_get("amo_fund")?, r.try_get("fund_insured_name")?, r.try_get("fund_insured_number")?),
                    schooling: vec![],
                },
            );
        }
        let certificates = sqlx::query(
            "SELECT s.beneficiary_id, s.valid_from, s.valid_to FROM schooling_certificates s JOIN beneficiaries b ON \
                b.id = s.beneficiary_id WHERE b.member_id = $1",
        )
        .bind(member_id)
        .fetch_all(&mut *c)
        .await?;
        for r in certificates {
            if let (Some(p), Some(from), Some(to)) = (
                people.get_mut(&r.try_get::<i64, _>("beneficiary_id")?),
                date(&r, "valid_from")?,
                date(&r, "valid_to")?,
            ) {
                p.schooling.push((from, to));
            }
        }
        Ok(Coverage {
            member_end: date(&m, "end_date")?,
            deceased_on: date(&m, "deceased_on")?,
            suspensions: suspensions(&mut *c, member_id).await?,
            rules: rules(&mut *c).await?,
            people,
        })
    }

    /// The member's death, if recorded.
    pub fn deceased_on(&self) -> Option<NaiveDate> {
        self.deceased_on
    }

    /// The member's periods of suspended rights, as read.
    pub fn into_suspensions(self) -> Vec<Suspension> {
        self.suspensions
    }

    /// `None`: not a beneficiary of this member; otherwise whether he is covered on `day`.
    pub fn covered(&self, beneficiary: i64, day: NaiveDate) -> Option<bool> {
        self.check(beneficiary, day).map(|r| r.is_ok())
    }

    /// Why a care line of `beneficiary` on `day` is not covered (not of this
    /// member's family, or not covered that day); `None` when it is.
    pub fn not_covered(&self, beneficiary: i64, day: NaiveDate) -> Option<String> {
        match self.check(beneficiary, day) {
            Some(Ok(())) => None,
            Some(Err(why)) => Some(why),
            None => Some("Ce bénéficiaire n'est pas de la famille de l'adhérent.".into()),
        }
    }

    /// `None`: not a beneficiary of this member; `Err`: why he is not covered on `day`.
    pub fn check(&self, beneficiary: i64, day: NaiveDate) -> Option<Result<(), String>> {
        let p = self.people.get(&beneficiary)?;
        Some(self.person(p, day))
    }

    fn person(&self, p: &Person, day: NaiveDate) -> Result<(), String> {
        let name = &p.first_name;
        if let Some(s) = p.start.filter(|s| day < *s) {
            return Err(format!("{name} n'est couvert(e) qu'à partir du {}.", fr(s)));
        }
        if let Some(e) = p.end.filter(|e| day > *e) {
            return Err(format!("La couverture de {name} a pris fin le {}.", fr(e)));
        }
        match (p.relation, self.deceased_on) {
            (Relation::LuiMeme, Some(d)) if day > d => {
                return Err(format!(
                    "Adhérent décédé le {} : plus de soins remboursés à son nom après cette date.",
                    fr(d)
                ))
            }
            // The family of a deceased member keeps its rights.
            (_, Some(_)) => {}
            (_, None) => {
                if let Some(e) = self.member_end.filter(|e| day > *e) {
                    return Err(format!(
                        "L'adhérent a quitté la mutuelle le {} : sa famille et lui ne sont plus couverts depuis.",
                        fr(e)
                    ));
                }
            }
        }
        if let Some(s) = self.suspensions.iter().find(|s| s.start <= day && s.end.is_none_or(|e| day <= e)) {
            return Err(match s.end {
                Some(e) => format!(
                    "Droits suspendus du {} au {} ({}) : soins non remboursés.",
                    fr(s.start),
                    fr(e),
                    s.reason.label()
                ),
                None => {
                    format!("Droits suspendus depuis le {} ({}) : soins non remboursés.", fr(s.start), s.reason.label())
                }
            });
        }
        if p.relation != Relation::Enfant || p.disabled_since.is_some_and(|d| d <= day) {
            return Ok(());
        }
        let (Some(birth), Some(rule)) =
            (p.birth_date, self.rules.iter().filter(|r| r.effective_from <= day).max_by_key(|r| r.effective_from))
        else {
            return Ok(());
        };
        let child_end = birthday(birth, rule.child_age);
        if day < child_end {
            return Ok(());
        }
        let student_end = birthday(birth, rule.student_age);
        if day < student_end && p.schooling.iter().any(|(f, t)| *f <= day && day <= *t) {
            return Ok(());
        }
        if day < student_end {
            Err(format!(
                "{name} a eu {} ans le {} : plus couvert(e) depuis cette date, sauf certificat de scolarité.",
                rule.child_age,
                fr(child_end)
            ))
        } else {
            Err(format!(
                "{name} a eu {} ans le {} : plus couvert(e) depuis cette date, sauf handicap reconnu.",
                rule.student_age,
                fr(student_end)
            ))
        }
    }

    /// Each beneficiary's coverage on `today`, and its end when one is known.
    pub fn summary(&self, today: NaiveDate) -> Vec<BeneficiaryCoverage> {
        self.people
            .iter()
            .map(|(id, p)| {
                let (covered, text) = match self.person(p, today) {
                    Err(why) => (false, why),
                    Ok(()) => (true, self.until(p, today)),
                };
                BeneficiaryCoverage {
                    beneficiary_id: *id,
                    covered,
                    text,
                    amo_fund: p.fund.0.clone(),
                    fund_insured_name: p.fund.1.clone(),
                    fund_insured_number: p.fund.2.clone(),
                }
            })
            .collect()
    }

    fn until(&self, p: &Person, today: NaiveDate) -> String {
        let end = p.end.into_iter().chain(self.member_end.filter(|_| self.deceased_on.is_none())).min();
        let rule = self.rules.iter().filter(|r| r.effective_from <= today).max_by_key(|r| r.effective_from);
        let age_end = match (p.relation, p.birth_date, rule, p.disabled_since) {
            (Relation::Enfant, Some(b), Some(r), None) => {
                let child_end = birthday(b, r.child_age);
                Some(if today < child_end {
                    (child_end, format!("{} ans ; au-delà, certificat de scolarité", r.child_age))
                } else {
                    let year = p.schooling.iter().filter(|(f, t)| *f <= today && today <= *t).map(|(_, t)| *t).max();
                    let student_end = birthday(b, r.student_age);
                    match year {
                        Some(t) if t < student_end => (t.succ_opt().unwrap_or(t), "certificat de scolarité".into()),
                        _ => (student_end, format!("{} ans", r.student_age)),
                    }
                })
            }
            _ => None,
        };
        let disabled = match p.disabled_since {
            Some(d) if p.relation == Relation::Enfant => format!(" (handicap reconnu depuis le {})", fr(d)),
            _ => String::new(),
        };
        match (end, age_end) {
            (Some(e), Some((a, _))) if e < a => format!("Couvert(e) jusqu'au {}", fr(e)),
            (_, Some((a, why))) => format!("Couvert(e) jusqu'au {} ({why})", fr(a.pred_opt().unwrap_or(a))),
            (Some(e), None) => format!("Couvert(e) jusqu'au {}{disabled}", fr(e)),
            (None, None) => format!("Couvert(e){disabled}"),
        }
    }
}

/// Reads a school year typed as `2039-2040` (or `2039/2040`): 1 September to 31 August.
pub fn school_year(field: &str, raw: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    let bad = || ApiError::validation(field, format!("Année scolaire « {} » : écrivez-la 2039-2040.", raw.trim()));
    let (a, b) = raw.trim().split_once(['-', '/']).ok_or_else(bad)?;
    let (a, b): (i32, i32) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
    if b != a + 1 || !(1990..=2200).contains(&a) {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(a, 9, 1).ok_or_else(bad)?;
    let to = NaiveDate::from_ymd_opt(b, 8, 31).ok_or_else(bad)?;
    Ok((from, to))
}
