//! Tests of `rules_form.rs`.

use super::*;
use crate::money::Centimes;

fn form() -> RuleSetForm {
    RuleSetForm {
        effective_from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        key_values: vec![
            KeyValueForm { letter: "c".into(), value: "90".into(), source: "Arrêté 1961-06, grille n° 1".into() },
            KeyValueForm { letter: "P".into(), value: "1,10".into(), source: String::new() },
            KeyValueForm { letter: "B".into(), value: String::new(), source: String::new() },
        ],
        acts: vec![
            ActForm {
                code: "C".into(),
                label: "Consultation".into(),
                family: "consultation".into(),
                pricing: PricingForm::KeyLetter,
                unit_price: String::new(),
                needs_prior_approval: false,
                source: String::new(),
            },
            ActForm {
                code: "ORTHO".into(),
                label: "Orthophonie (séance)".into(),
                family: "Rééducation".into(),
                pricing: PricingForm::UnitPrice,
                unit_price: "50".into(),
                needs_prior_approval: true,
                source: "Grille n° 1 (AMO 50,00)".into(),
            },
            ActForm {
                code: "B".into(),
                label: "Biologie".into(),
                family: "consultation".into(),
                pricing: PricingForm::KeyLetter,
                unit_price: String::new(),
                needs_prior_approval: false,
                source: String::new(),
            },
        ],
        groups: vec![
            GroupForm {
                code: "consultation".into(),
                label: "Consultations".into(),
                amo_rate: "80".into(),
                member_share: "72,5 %".into(),
                above_base: String::new(),
                source: "Décret 2-05-736, art. 1er, 1°".into(),
            },
            GroupForm {
                code: "reeducation".into(),
                label: "Rééducation".into(),
                amo_rate: "80".into(),
                member_share: "100".into(),
                above_base: "50".into(),
                source: String::new(),
            },
        ],
        ceilings: vec![CeilingForm {
            family: "reeducation".into(),
            amount: "1 200".into(),
            years: "2".into(),
            scope: CeilingScope::Family,
        }],
        fund_acts: vec![FundActForm { code: "imp2".into(), acts: "ORTHO".into() }],
    }
}

#[test]
fn the_form_is_read_in_centimes_and_basis_points() {
    let r = read(&form()).unwrap();
    assert_eq!((r.key_values["C"], r.key_values["P"]), (Centimes(9_000), Centimes(110)));
    assert_eq!(r.acts[1].pricing, Pricing::Reference { unit_price: Some(Centimes(5_000)) });
    assert_eq!(r.acts[1].family, "reeducation");
    let c = &r.groups["consultation"];
    assert_eq!((c.amo_rate, c.member_share_rate, c.above_base_rate), (8_000, 7_250, 0));
    assert_eq!(
        r.ceilings,
        vec![Ceiling { group: "reeducation".into(), amount: Centimes(120_000), years: 2, scope: CeilingScope::Family }]
    );
    assert_eq!(r.fund_acts["IMP2"], vec!["ORTHO".to_string()]);
    assert_eq!(r.sources["C"], "Arrêté 1961-06, grille n° 1");
    assert_eq!(r.sources["ORTHO"], "Grille n° 1 (AMO 50,00)");
    assert_eq!(r.sources["groupe:consultation"], "Décret 2-05-736, art. 1er, 1°");
    // A letter typed without a value: its act has no price yet.
    assert!(!r.key_values.contains_key("B"));
    assert_eq!(r.unpriced().iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), vec!["B"]);
}

#[test]
fn each_bad_value_names_its_field() {
    type Case<'a> = (Box<dyn Fn(&mut RuleSetForm)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            Box::new(|f| f.groups[0].amo_rate = "120".into()),
            "groups[0].amo_rate",
            "Taux AMO (consultation) : 120 % dépasse 100 %.",
        ),
        (
            Box::new(|f| f.groups[0].member_share = "quatre-vingts".into()),
            "groups[0].member_share",
            "Part de la mutuelle sous la base (consultation) : « quatre-vingts » n'est pas un pourcentage \
            (exemples : 80, 72,5).",
        ),
        (
            Box::new(|f| f.acts[1].unit_price = "-50".into()),
            "acts[1].unit_price",
            "Acte ORTHO, tarif unitaire : le montant doit être positif.",
        ),
        (
            Box::new(|f| f.key_values[0].value = "0".into()),
            "key_values[0].value",
            "Valeur de la lettre clé C : le montant doit être positif.",
        ),
        (
            Box::new(|f| f.acts[0].label = " ".into()),
            "acts[0].label",
            "Acte C : libellé obligatoire (ce que lit l'adhérent sur son décompte).",
        ),
        (
            Box::new(|f| f.fund_acts[0].acts = "PSYMOT".into()),
            "fund_acts[0].acts",
            "Code IMP2 de la caisse : l'acte PSYMOT n'est pas au barème.",
        ),
        (
            Box::new(|f| f.acts[0].code = "Z".into()),
            "acts[0].pricing",
            "Acte Z : la lettre clé Z n'est pas dans la liste des lettres clés.",
        ),
        (
            Box::new(|f| f.acts[0].family = "optique".into()),
            "acts[0].family",
            "Acte C : le groupe de soins « optique » n'est pas dans la liste des groupes.",
        ),
    ];
    for (i, (patch, field, message)) in cases.into_iter().enumerate() {
        let mut f = form();
        patch(&mut f);
        let e = read(&f).expect_err(&format!("case {i} accepted"));
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some(field), message), "case {i}");
    }
}

#[test]
fn the_differences_are_said_in_words() {
    let old = read(&form()).unwrap();
    let mut f = form();
    f.key_values[0].value = "100".into();
    f.groups[0].amo_rate = "90".into();
    f.acts[1].needs_prior_approval = false;
    f.acts.push(ActForm {
        code: "PSYMOT".into(),
        label: "Psychomotricité (séance)".into(),
        family: "reeducation".into(),
        pricing: PricingForm::Agreement,
        unit_price: String::new(),
        needs_prior_approval: true,
        source: String::new(),
    });
    f.ceilings.clear();
    let new = read(&f).unwrap();
    assert_eq!(
        differences(Some(&old), &new),
        vec![
            "Lettre clé C : 90,00 DH → 100,00 DH",
            "Acte ORTHO : accord préalable plus exigé",
            "Acte PSYMOT ajouté : Psychomotricité (séance) (reeducation, tarif de la prise en charge, accord \
            préalable)",
            "Groupe consultation, taux AMO : 80 % → 90 %",
            "Plafond reeducation de 1 200,00 DH par famille tous les 2 ans : retiré",
        ]
    );
    assert_eq!(differences(Some(&old), &old), vec!["Aucune différence avec le barème en vigueur."]);
    // Shown in the editor and read back, a set is the same set, sources and unpriced letters included.
    assert_eq!(read(&to_form(&new)).unwrap(), new);
}
