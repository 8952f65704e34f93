// Administration → Barèmes: the rule sets in force by date, and the editor
// of the next one. Amounts in dirhams, rates in percent, one field per value,
// acts with their labels; the core reads the form, names any bad value's
// field, and lists the differences from the set in force before it is saved.
import { call, ApiFailure } from "../api/client";
import type { ActForm, CeilingForm, CeilingScope, GroupForm, PricingForm, RuleSetForm } from "../api/bindings";
import { formError, frDate, h, mount, onSubmit, showError, statusLine } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";

const PRICING: [PricingForm, string][] = [
  ["key_letter", "Lettre clé × coefficient"],
  ["unit_price", "Tarif unitaire"],
  ["unpriced", "Tarif à saisir"],
  ["agreement", "Tarif de la prise en charge"],
  ["drug", "Liste des médicaments"],
];

const SCOPES: [CeilingScope, string][] = [
  ["beneficiary", "Par bénéficiaire"],
  ["family", "Par famille"],
];

/** An input inside a grid cell, with its error slot; `name` is the field the core names.
 * At least `size` characters wide, and as wide as its value (a group's code,
 * an act's label): nothing typed is hidden behind the field's edge. */
function cell(name: string, value: string, size = 8, label = name): HTMLTableCellElement {
  const width = Math.min(Math.max(size, value.length + 1), 48);
  return h(
    "td",
    {},
    h("input", { name, value, size: width, "aria-label": label, spellcheck: "false", autocomplete: "off" }),
    h("small", { class: "field-error", "data-error-for": name }),
  );
}

function emptyForm(): RuleSetForm {
  return {
    effective_from: "",
    key_values: [],
    acts: [],
    groups: [],
    ceilings: [],
    fund_acts: [],
  };
}

export async function ruleSetsPanel(panel: HTMLElement): Promise<void> {
  const sets = await call("rule_set_list", {});
  const unpriced = await call("rule_set_unpriced", {});
  const start = sets.length ? await call("rule_set_form", {}) : emptyForm();
  const form = h("form", { id: "rule-set-form", class: "card inline wide-form", autocomplete: "off" });
  const status = statusLine("rule-set-status");

  const keyBody = h("tbody", {});
  const keyRow = (letter: string, value: string, source: string): void => {
    const i = keyBody.children.length;
    keyBody.append(
      h(
        "tr",
        {},
        cell(`key_values[${i}].letter`, letter, 6, "Lettre clé"),
        cell(`key_values[${i}].value`, value, 8, "Valeur (DH)"),
        cell(`key_values[${i}].source`, source, 30, "Source"),
      ),
    );
  };
  start.key_values.forEach((k) => keyRow(k.letter, k.value, k.source ?? ""));

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
        cell(`acts[${i}].family`, a.family, 12, "Groupe de soins"),
        h("td", {}, pricing, h("small", { class: "field-error", "data-error-for": `acts[${i}].pricing` })),
        cell(`acts[${i}].unit_price`, a.unit_price, 7, "Tarif unitaire (DH)"),
        cell(`acts[${i}].source`, a.source ?? "", 20, "Source du tarif"),
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

  const groupBody = h("tbody", {});
  const groupRow = (g: GroupForm): void => {
    const i = groupBody.children.length;
    groupBody.append(
      h(
        "tr",
        {},
        cell(`groups[${i}].code`, g.code, 14, "Code du groupe"),
        cell(`groups[${i}].label`, g.label, 24, "Libellé du groupe"),
        cell(`groups[${i}].amo_rate`, g.amo_rate, 5, `Taux AMO ${g.code}`),
        cell(`groups[${i}].member_share`, g.member_share, 5, `Part mutuelle sous la base ${g.code}`),
        cell(`groups[${i}].above_base`, g.above_base ?? "", 5, `Part mutuelle au-delà de la base ${g.code}`),
        cell(`groups[${i}].source`, g.source ?? "", 24, `Source du taux AMO ${g.code}`),
      ),
    );
  };
  start.groups.forEach(groupRow);

  const ceilingBody = h("tbody", {});
  const ceilingRow = (c: CeilingForm): void => {
    const i = ceilingBody.children.length;
    const scope = h(
      "select",
      { name: `ceilings[${i}].scope`, "aria-label": "Compté" },
      ...SCOPES.map(([v, l]) => h("option", { value: v, selected: v === c.scope }, l)),
    );
    ceilingBody.append(
      h(
        "tr",
        {},
        cell(`ceilings[${i}].family`, c.family, 14, "Groupe de soins"),
        cell(`ceilings[${i}].amount`, c.amount, 9, "Plafond (DH)"),
        cell(`ceilings[${i}].years`, c.years, 3, "Sur combien d'années"),
        h("td", {}, scope),
      ),
    );
  };
  start.ceilings.forEach(ceilingRow);

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
    grid("rule-keys", ["Lettre", "Valeur (DH), vide : à saisir", "Source"], keyBody),
    add("rule-key-add", "Ajouter une lettre clé", () => keyRow("", "", "")),
    h("h4", {}, "Actes"),
    grid(
      "rule-acts",
      [
        "Code",
        "Libellé (lu par l'adhérent)",
        "Groupe de soins",
        "Tarification",
        "Tarif unitaire (DH)",
        "Source",
        "Accord préalable",
      ],
      actBody,
    ),
    add("rule-act-add", "Ajouter un acte", () =>
      actRow({
        code: "",
        label: "",
        family: "",
        pricing: "key_letter",
        unit_price: "",
        needs_prior_approval: false,
        source: "",
      }),
    ),
    h("h4", {}, "Groupes de soins (%)"),
    h(
      "p",
      { class: "hint" },
      "La caisse paie son taux de la base (les médicaments au taux du référentiel ; 100 % des actes liés à une " +
        "maladie chronique qu'elle exonère) ; la mutuelle ajoute sa part de ce qui reste à l'adhérent sous la " +
        "base, et de ce qui la dépasse. La nature de la feuille ne décide que des pièces à joindre.",
    ),
    grid(
      "rule-groups",
      ["Code", "Libellé", "Taux AMO", "Part mutuelle sous la base", "Part mutuelle au-delà de la base", "Source"],
      groupBody,
    ),
    add("rule-group-add", "Ajouter un groupe", () =>
      groupRow({ code: "", label: "", amo_rate: "", member_share: "", above_base: "", source: "" }),
    ),
    h("h4", {}, "Plafonds de la part de la mutuelle"),
    grid(
      "rule-ceilings",
      ["Groupe de soins", "Plafond de la part mutuelle (DH)", "Sur (années)", "Compté"],
      ceilingBody,
    ),
    add("rule-ceiling-add", "Ajouter un plafond", () =>
      ceilingRow({ family: "", amount: "", years: "1", scope: "beneficiary" }),
    ),
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
        .map((i) => ({
          letter: v(`key_values[${i}].letter`),
          value: v(`key_values[${i}].value`),
          source: v(`key_values[${i}].source`),
        }))
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
          source: v(`acts[${i}].source`),
        }))
        .filter((a) => a.code.trim() || a.label.trim()),
      groups: rows(groupBody)
        .map((i) => ({
          code: v(`groups[${i}].code`),
          label: v(`groups[${i}].label`),
          amo_rate: v(`groups[${i}].amo_rate`),
          member_share: v(`groups[${i}].member_share`),
          above_base: v(`groups[${i}].above_base`),
          source: v(`groups[${i}].source`),
        }))
        .filter((g) => g.code.trim() || g.label.trim()),
      ceilings: rows(ceilingBody)
        .map((i) => ({
          family: v(`ceilings[${i}].family`),
          amount: v(`ceilings[${i}].amount`),
          years: v(`ceilings[${i}].years`),
          scope: v(`ceilings[${i}].scope`) as CeilingScope,
        }))
        .filter((c) => c.family.trim() || c.amount.trim()),
      fund_acts: rows(fundBody)
        .map((i) => ({ code: v(`fund_acts[${i}].code`), acts: v(`fund_acts[${i}].acts`) }))
        .filter((f) => f.code.trim() || f.acts.trim()),
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
      h(
        "td",
        {},
        Object.values(r.groups)
          .map((g) => `${g.label} ${rate(g.amo_rate)} (mutuelle ${rate(g.member_share_rate)})`)
          .join(" · "),
      ),
    ),
  );
  const missing = unpriced.summary
    ? h(
        "div",
        { class: "card warning", id: "rule-unpriced" },
        h("strong", {}, unpriced.summary),
        h(
          "p",
          { class: "hint" },
          "Aucune source publique ne donne leur valeur : saisissez-la d'après le barème de la mutuelle dans un " +
            "nouveau barème. Leurs lignes attendent ce tarif pour être liquidées.",
        ),
        h("ul", {}, ...unpriced.acts.map((a) => h("li", {}, `${a.code} — ${a.label}`))),
      )
    : h("span", {});
  mount(
    panel,
    status,
    missing,
    form,
    grid("rule-sets", ["À partir du", "Lettres clés (DH)", "Actes", "Groupes : taux AMO (part mutuelle)"], rows),
  );
}
