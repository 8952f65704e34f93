// Administration → Barèmes: the rule sets in force by date, and the editor
// of the next one. Amounts in dirhams, rates in percent, one field per value,
// acts with their labels; the core reads the form, names any bad value's
// field, and lists the differences from the set in force before it is saved.
import { call, ApiFailure } from "../api/client";
import type { ActForm, CeilingForm, CeilingScope, GroupForm, PricingForm, RuleSetForm } from "../api/bindings";
import { field, formError, frDate, h, mount, onSubmit, showError, statusLine } from "../dom";
import {
  cell,
  detail,
  detailRow,
  editorTable,
  errorSlot,
  fitLongTexts,
  longText,
  sized,
  textCell,
  widest,
} from "../editor";
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
  const keySizes = {
    letter: widest(6, start.key_values, (k) => k.letter),
    value: widest(8, start.key_values, (k) => k.value),
  };
  const keyRow = (letter: string, value: string, source: string): void => {
    const i = keyBody.children.length;
    keyBody.append(
      h(
        "tr",
        {},
        cell(`key_values[${i}].letter`, letter, keySizes.letter, "Lettre clé"),
        cell(`key_values[${i}].value`, value, keySizes.value, "Valeur (DH)", true),
        textCell(`key_values[${i}].source`, source, "Source"),
      ),
    );
  };
  start.key_values.forEach((k) => keyRow(k.letter, k.value, k.source ?? ""));

  // An act is two lines: what is typed most on the first, its group and
  // source under it.
  const actBody = h("tbody", {});
  let actCount = 0;
  const actSizes = {
    code: widest(7, start.acts, (a) => a.code),
    family: widest(12, start.acts, (a) => a.family),
    price: widest(7, start.acts, (a) => a.unit_price),
  };
  const actRow = (a: ActForm): void => {
    const i = actCount++;
    const pricing = h(
      "select",
      { name: `acts[${i}].pricing`, "aria-label": "Tarification" },
      ...PRICING.map(([v, l]) => h("option", { value: v, selected: v === a.pricing }, l)),
    );
    actBody.append(
      h(
        "tr",
        { class: "item" },
        cell(`acts[${i}].code`, a.code, actSizes.code, "Code"),
        textCell(`acts[${i}].label`, a.label, "Libellé"),
        h("td", { class: "fit" }, pricing, errorSlot(`acts[${i}].pricing`)),
        cell(`acts[${i}].unit_price`, a.unit_price, actSizes.price, "Tarif unitaire (DH)", true),
        h(
          "td",
          { class: "fit check" },
          h("input", {
            type: "checkbox",
            name: `acts[${i}].needs_prior_approval`,
            checked: a.needs_prior_approval,
            "aria-label": "Accord préalable",
          }),
        ),
      ),
      detailRow(
        4,
        detail(
          "Groupe de soins",
          sized(`acts[${i}].family`, a.family, actSizes.family, "Groupe de soins"),
          errorSlot(`acts[${i}].family`),
        ),
        detail(
          "Source",
          longText(`acts[${i}].source`, a.source ?? "", "Source du tarif"),
          errorSlot(`acts[${i}].source`),
        ),
      ),
    );
  };
  start.acts.forEach(actRow);

  const groupBody = h("tbody", {});
  const groupCodeSize = widest(14, start.groups, (g) => g.code);
  let groupCount = 0;
  const groupRow = (g: GroupForm): void => {
    const i = groupCount++;
    groupBody.append(
      h(
        "tr",
        { class: "item" },
        cell(`groups[${i}].code`, g.code, groupCodeSize, "Code du groupe"),
        textCell(`groups[${i}].label`, g.label, "Libellé du groupe"),
        cell(`groups[${i}].amo_rate`, g.amo_rate, 5, `Taux AMO ${g.code}`, true),
        cell(`groups[${i}].member_share`, g.member_share, 5, `Part mutuelle sous la base ${g.code}`, true),
        cell(`groups[${i}].above_base`, g.above_base ?? "", 5, `Part mutuelle au-delà de la base ${g.code}`, true),
      ),
      detailRow(
        4,
        detail(
          "Source du taux AMO",
          longText(`groups[${i}].source`, g.source ?? "", `Source du taux AMO ${g.code}`),
          errorSlot(`groups[${i}].source`),
        ),
      ),
    );
  };
  start.groups.forEach(groupRow);

  const ceilingBody = h("tbody", {});
  const ceilingFamilySize = widest(Math.max(14, groupCodeSize), start.ceilings, (c) => c.family);
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
        cell(`ceilings[${i}].family`, c.family, ceilingFamilySize, "Groupe de soins"),
        cell(`ceilings[${i}].amount`, c.amount, 9, "Plafond (DH)", true),
        cell(`ceilings[${i}].years`, c.years, 3, "Sur combien d'années", true),
        h("td", { class: "fit" }, scope),
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
        textCell(`fund_acts[${i}].acts`, acts, "Actes couverts"),
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
    field("Date d'effet (jj/mm/aaaa)", "effective_from", { size: 12 }),
    h("h4", {}, "Lettres clés"),
    h("p", { class: "hint" }, "Une valeur laissée vide est à saisir : les actes de cette lettre attendent leur tarif."),
    editorTable(
      "rule-keys",
      [
        ["Lettre", true],
        ["Valeur (DH)", true],
        ["Source", false],
      ],
      keyBody,
    ),
    add("rule-key-add", "Ajouter une lettre clé", () => keyRow("", "", "")),
    h("h4", {}, "Actes"),
    h(
      "p",
      { class: "hint" },
      "Le libellé est celui que lit l'adhérent sur son décompte ; le tarif unitaire sert aux actes tarifés à l'unité.",
    ),
    editorTable(
      "rule-acts",
      [
        ["Code", true],
        ["Libellé", false],
        ["Tarification", true],
        ["Tarif (DH)", true],
        ["Accord préalable", true],
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
      "La caisse paie son taux AMO de la base (les médicaments au taux du référentiel ; 100 % des actes liés à " +
        "une maladie chronique qu'elle exonère) ; la mutuelle ajoute sa part de ce qui reste à l'adhérent sous la " +
        "base, et de ce qui la dépasse au-delà. La nature de la feuille ne décide que des pièces à joindre.",
    ),
    editorTable(
      "rule-groups",
      [
        ["Code", true],
        ["Libellé", false],
        ["Taux AMO", true],
        ["Mutuelle sous la base", true],
        ["Mutuelle au-delà", true],
      ],
      groupBody,
    ),
    add("rule-group-add", "Ajouter un groupe", () =>
      groupRow({ code: "", label: "", amo_rate: "", member_share: "", above_base: "", source: "" }),
    ),
    h("h4", {}, "Plafonds de la part de la mutuelle"),
    h("p", { class: "hint" }, "Un groupe de soins sans plafond : la part de la mutuelle n'y a pas de limite."),
    editorTable(
      "rule-ceilings",
      [
        ["Groupe de soins", true],
        ["Plafond (DH)", true],
        ["Sur (années)", true],
        ["Compté", true],
      ],
      ceilingBody,
    ),
    add("rule-ceiling-add", "Ajouter un plafond", () =>
      ceilingRow({ family: "", amount: "", years: "1", scope: "beneficiary" }),
    ),
    h("h4", {}, "Codes actes de la caisse AMO"),
    editorTable(
      "rule-fund-acts",
      [
        ["Code de la caisse", true],
        ["Actes du barème couverts", false],
      ],
      fundBody,
    ),
    add("rule-fund-act-add", "Ajouter un code", () => fundRow("", "")),
    h("div", { class: "row" }, h("button", { type: "submit", id: "rule-set-preview" }, "Voir les différences")),
    differences,
    confirm,
  );

  const read = (): RuleSetForm => {
    const v = (name: string): string =>
      (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null)?.value ?? "";
    const count = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    const rows = (body: HTMLElement): number[] => count(body.children.length);
    return {
      effective_from: isoDate(v("effective_from")),
      key_values: rows(keyBody)
        .map((i) => ({
          letter: v(`key_values[${i}].letter`),
          value: v(`key_values[${i}].value`),
          source: v(`key_values[${i}].source`),
        }))
        .filter((k) => k.letter.trim() || k.value.trim()),
      acts: count(actCount)
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
      groups: count(groupCount)
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

  const rate = (bp: number | undefined): string =>
    bp === undefined ? "—" : `${(bp / 100).toLocaleString("fr-FR")}\u00a0%`;
  const rows = sets.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, frDate(r.effective_from)),
      h(
        "td",
        {},
        Object.entries(r.key_values)
          .map(([k, v]) => `${k}\u00a0${(v / 100).toFixed(2).replace(".", ",")}`)
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
  fitLongTexts(form);
}
