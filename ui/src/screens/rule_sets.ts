// Administration → Barèmes: the rule sets in force by date, and the editor
// of the next one. Amounts in dirhams, rates in percent, one field per value,
// acts with their labels; the core reads the form, names any bad value's
// field, and lists the differences from the set in force before it is saved.
import { call, ApiFailure } from "../api/client";
import type { ActForm, PricingForm, RuleSetForm } from "../api/bindings";
import { formError, frDate, h, mount, onSubmit, showError, statusLine } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";

import { KINDS } from "../labels";
const PRICING: [PricingForm, string][] = [
  ["key_letter", "Lettre clé × coefficient"],
  ["unit_price", "Tarif unitaire"],
  ["charged", "Prix facturé"],
  ["agreement", "Tarif de la prise en charge"],
  ["drug", "Liste des médicaments"],
];

/** An input inside a grid cell, with its error slot; `name` is the field the core names. */
function cell(name: string, value: string, size = 8, label = name): HTMLTableCellElement {
  return h(
    "td",
    {},
    h("input", { name, value, size, "aria-label": label, spellcheck: "false", autocomplete: "off" }),
    h("small", { class: "field-error", "data-error-for": name }),
  );
}

/** A labelled percentage field, with its error slot. */
function rateField(name: string, label: string, value: string): HTMLElement {
  return h(
    "label",
    { class: "field" },
    h("span", {}, label),
    h("input", { name, id: `f-${name}`, value, size: 5, spellcheck: "false", autocomplete: "off" }),
    h("small", { class: "field-error", "data-error-for": name }),
  );
}

function emptyForm(): RuleSetForm {
  return {
    effective_from: "",
    key_values: [],
    acts: [],
    rates: KINDS.map(([kind]) => ({ kind, rate: "", amo_share: "", above_tariff: "" })),
    chronic_rate: "100",
    yearly_ceilings: [],
    fund_acts: [],
    drugs_member_share: "100",
    drugs_above_base: "",
  };
}

export async function ruleSetsPanel(panel: HTMLElement): Promise<void> {
  const sets = await call("rule_set_list", {});
  const start = sets.length ? await call("rule_set_form", {}) : emptyForm();
  const form = h("form", { id: "rule-set-form", class: "card inline wide-form", autocomplete: "off" });
  const status = statusLine("rule-set-status");

  const keyBody = h("tbody", {});
  const keyRow = (letter: string, value: string): void => {
    const i = keyBody.children.length;
    keyBody.append(
      h(
        "tr",
        {},
        cell(`key_values[${i}].letter`, letter, 6, "Lettre clé"),
        cell(`key_values[${i}].value`, value, 8, "Valeur (DH)"),
      ),
    );
  };
  start.key_values.forEach((k) => keyRow(k.letter, k.value));

  const actBody = h("tbody", {});
  const actRow = (a: ActForm): void => {
    const i = actBody.children.length;
    const pricing = h(
      "select",
      { name: `acts[${i}].pricing`, "aria-label": "Tarification" },
      ...PRICING.map(([v, l]) => h("option", { value: v, selected: v === a.pricing }, l)),
    );
    actBody.append(
      h(
        "tr",
        {},
        cell(`acts[${i}].code`, a.code, 7, "Code"),
        cell(`acts[${i}].label`, a.label, 26, "Libellé"),
        cell(`acts[${i}].family`, a.family, 12, "Famille"),
        h("td", {}, pricing, h("small", { class: "field-error", "data-error-for": `acts[${i}].pricing` })),
        cell(`acts[${i}].unit_price`, a.unit_price, 7, "Tarif unitaire (DH)"),
        h(
          "td",
          {},
          h("input", {
            type: "checkbox",
            name: `acts[${i}].needs_prior_approval`,
            checked: a.needs_prior_approval,
            "aria-label": "Accord préalable",
          }),
        ),
      ),
    );
  };
  start.acts.forEach(actRow);

  const rateBody = h("tbody", {});
  KINDS.forEach(([kind, label], i) => {
    const r = start.rates.find((x) => x.kind === kind) ?? { kind, rate: "", amo_share: "", above_tariff: "" };
    rateBody.append(
      h(
        "tr",
        { "data-kind": kind },
        h("td", {}, label),
        cell(`rates[${i}].rate`, r.rate, 5, `Taux remboursé ${label}`),
        cell(`rates[${i}].amo_share`, r.amo_share, 5, `Part AMO ${label}`),
        cell(`rates[${i}].above_tariff`, r.above_tariff, 5, `Au-delà du tarif ${label}`),
      ),
    );
  });

  const ceilingBody = h("tbody", {});
  const ceilingRow = (family: string, amount: string): void => {
    const i = ceilingBody.children.length;
    ceilingBody.append(
      h(
        "tr",
        {},
        cell(`yearly_ceilings[${i}].family`, family, 14, "Famille"),
        cell(`yearly_ceilings[${i}].amount`, amount, 9, "Plafond (DH)"),
      ),
    );
  };
  start.yearly_ceilings.forEach((c) => ceilingRow(c.family, c.amount));

  const fundBody = h("tbody", {});
  const fundRow = (code: string, acts: string): void => {
    const i = fundBody.children.length;
    fundBody.append(
      h(
        "tr",
        {},
        cell(`fund_acts[${i}].code`, code, 7, "Code de la caisse"),
        cell(`fund_acts[${i}].acts`, acts, 24, "Actes couverts"),
      ),
    );
  };
  start.fund_acts.forEach((f) => fundRow(f.code, f.acts));

  const add = (id: string, label: string, more: () => void): HTMLButtonElement =>
    h("button", { type: "button", id, onclick: more }, label);
  const differences = h("ul", { id: "rule-set-differences" });
  const confirm = h(
    "button",
    { type: "button", class: "primary", id: "rule-set-confirm", hidden: true },
    "Confirmer et enregistrer le barème",
  );

  mount(
    form,
    h("h3", {}, "Nouveau barème"),
    h(
      "p",
      { class: "hint" },
      "Il s'applique aux soins datés de sa date d'effet ou après, jamais aux dossiers déjà " +
        "liquidés. Montants en dirhams, taux en pourcentage.",
    ),
    formError(),
    h(
      "label",
      { class: "field" },
      h("span", {}, "Date d'effet (jj/mm/aaaa)"),
      h("input", {
        name: "effective_from",
        id: "f-effective_from",
        value: "",
        spellcheck: "false",
        autocomplete: "off",
      }),
      h("small", { class: "field-error", "data-error-for": "effective_from" }),
    ),
    h("h4", {}, "Lettres clés"),
    grid("rule-keys", ["Lettre", "Valeur (DH)"], keyBody),
    add("rule-key-add", "Ajouter une lettre clé", () => keyRow("", "")),
    h("h4", {}, "Actes"),
    grid(
      "rule-acts",
      ["Code", "Libellé (lu par l'adhérent)", "Famille", "Tarification", "Tarif unitaire (DH)", "Accord préalable"],
      actBody,
    ),
    add("rule-act-add", "Ajouter un acte", () =>
      actRow({ code: "", label: "", family: "", pricing: "key_letter", unit_price: "", needs_prior_approval: false }),
    ),
    h("h4", {}, "Taux par nature de soins (%)"),
    grid("rule-rates", ["Nature", "Taux remboursé", "Part AMO", "Part mutuelle au-delà du tarif"], rateBody),
    h(
      "label",
      { class: "field" },
      h("span", {}, "Taux maladie chronique ALD/ALC (%)"),
      h("input", { name: "chronic_rate", id: "f-chronic_rate", value: start.chronic_rate, size: 5 }),
      h("small", { class: "field-error", "data-error-for": "chronic_rate" }),
    ),
    h("h4", {}, "Médicaments : part de la mutuelle (%)"),
    h(
      "p",
      { class: "hint" },
      "La caisse rembourse le prix de référence du médicament au taux du référentiel ; la mutuelle ajoute sa part.",
    ),
    rateField("drugs_member_share", "De ce que l'adhérent paie sous le prix de référence", start.drugs_member_share),
    rateField("drugs_above_base", "De ce qui dépasse le prix de référence", start.drugs_above_base),
    h("h4", {}, "Plafonds annuels par bénéficiaire"),
    grid("rule-ceilings", ["Famille d'actes", "Plafond (DH)"], ceilingBody),
    add("rule-ceiling-add", "Ajouter un plafond", () => ceilingRow("", "")),
    h("h4", {}, "Codes actes de la caisse AMO"),
    grid("rule-fund-acts", ["Code de la caisse", "Actes du barème couverts"], fundBody),
    add("rule-fund-act-add", "Ajouter un code", () => fundRow("", "")),
    h("div", { class: "row" }, h("button", { type: "submit", id: "rule-set-preview" }, "Voir les différences")),
    differences,
    confirm,
  );

  const read = (): RuleSetForm => {
    const v = (name: string): string =>
      (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value ?? "";
    const rows = (body: HTMLElement): number[] => Array.from(body.children).map((_, i) => i);
    return {
      effective_from: isoDate(v("effective_from")),
      key_values: rows(keyBody)
        .map((i) => ({ letter: v(`key_values[${i}].letter`), value: v(`key_values[${i}].value`) }))
        .filter((k) => k.letter.trim() || k.value.trim()),
      acts: rows(actBody)
        .map((i) => ({
          code: v(`acts[${i}].code`),
          label: v(`acts[${i}].label`),
          family: v(`acts[${i}].family`),
          pricing: v(`acts[${i}].pricing`) as PricingForm,
          unit_price: v(`acts[${i}].unit_price`),
          needs_prior_approval: (form.elements.namedItem(`acts[${i}].needs_prior_approval`) as HTMLInputElement)
            .checked,
        }))
        .filter((a) => a.code.trim() || a.label.trim()),
      rates: KINDS.map(([kind], i) => ({
        kind,
        rate: v(`rates[${i}].rate`),
        amo_share: v(`rates[${i}].amo_share`),
        above_tariff: v(`rates[${i}].above_tariff`),
      })),
      chronic_rate: v("chronic_rate"),
      yearly_ceilings: rows(ceilingBody)
        .map((i) => ({ family: v(`yearly_ceilings[${i}].family`), amount: v(`yearly_ceilings[${i}].amount`) }))
        .filter((c) => c.family.trim() || c.amount.trim()),
      fund_acts: rows(fundBody)
        .map((i) => ({ code: v(`fund_acts[${i}].code`), acts: v(`fund_acts[${i}].acts`) }))
        .filter((f) => f.code.trim() || f.acts.trim()),
      drugs_member_share: v("drugs_member_share"),
      drugs_above_base: v("drugs_above_base"),
    };
  };
  // Any change after a preview asks for a new one.
  form.addEventListener("input", () => {
    confirm.hidden = true;
  });
  onSubmit(form, async () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(read().effective_from)) {
      showError(form, "Date d'effet : jj/mm/aaaa (exemple : 01/01/2027).", "effective_from");
      return;
    }
    const p = await call("rule_set_preview", read());
    showError(form, "");
    mount(differences, ...p.differences.map((d) => h("li", {}, d)));
    confirm.hidden = false;
    confirm.focus();
  });
  confirm.addEventListener("click", async () => {
    try {
      const saved = await call("rule_set_save", read());
      await ruleSetsPanel(panel);
      const s = document.getElementById("rule-set-status");
      if (s) s.textContent = `Barème du ${frDate(saved[saved.length - 1]?.effective_from)} enregistré.`;
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  });

  const rate = (bp: number | undefined): string => (bp === undefined ? "—" : `${(bp / 100).toLocaleString("fr-FR")} %`);
  const rows = sets.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, frDate(r.effective_from)),
      h(
        "td",
        {},
        Object.entries(r.key_values)
          .map(([k, v]) => `${k} ${(v / 100).toFixed(2).replace(".", ",")}`)
          .join(" · "),
      ),
      h("td", {}, String(r.acts.length)),
      h("td", {}, KINDS.map(([k, l]) => `${l} ${rate(r.rates[k])} (AMO ${rate(r.amo_shares[k])})`).join(" · ")),
      h("td", {}, rate(r.chronic_rate)),
    ),
  );
  mount(
    panel,
    status,
    form,
    grid("rule-sets", ["À partir du", "Lettres clés (DH)", "Actes", "Taux remboursé (part AMO)", "ALD/ALC"], rows),
  );
}
