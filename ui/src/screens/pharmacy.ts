// Pharmacy lines at the claims desk: the vignette field a handheld barcode
// scanner types into (13 digits and Enter: the drug's line appears, the same
// code again adds a box), the lines the vignettes of the dossier's scans
// propose (the processor takes them into the form, checks, then saves), and
// the original paper's vignettes checked against the lines saved.
import { call } from "../api/client";
import type { Dossier, StoredLine } from "../api/bindings";
import { frMoney, h, statusLine } from "../dom";
import { grid } from "../widgets";

type Row = (l?: Partial<StoredLine>) => HTMLTableRowElement;

function rateText(bp: number | null): string {
  return bp === null ? "—" : `${(bp / 100).toLocaleString("fr-FR")}\u00a0%`;
}

const input = (tr: Element, name: string): HTMLInputElement =>
  tr.querySelector(`input[name=${name}]`) as HTMLInputElement;

/** Adds `boxes` of the drug `code` to the lines: to its line if there is one, else a new line. */
async function addDrug(d: Dossier, body: HTMLElement, row: Row, code: string, boxes: number): Promise<string> {
  const existing = Array.from(body.querySelectorAll("tr")).find((tr) => input(tr, "drug_code").value === code);
  if (existing) {
    const q = input(existing, "quantity");
    q.value = String(Number(q.value) + boxes);
    // The amount follows the boxes (public price × boxes) unless typed from the invoice.
    input(existing, "charged").value = "";
    return `${code} : ${q.value} boîtes.`;
  }
  // The line is there at once (the next vignette may come before the list
  // answers); the drug's name and prices follow.
  const first = body.querySelector("tr");
  const blank =
    first && body.children.length === 1 && !input(first, "act").value.trim() && !input(first, "drug_code").value.trim();
  if (blank) first.remove();
  const tr = row({ drug_code: code, quantity: boxes });
  body.append(tr);
  const found = await call("drug_find", { query: code, day: d.first_act_date });
  const drug = found.drugs.find((x) => x.code === code);
  const cell = tr.querySelector(".drug-label") as HTMLElement;
  if (drug) {
    cell.textContent = drug.label;
    return (
      `${drug.label} : prix public ${drug.ppv === null ? "—" : frMoney(drug.ppv)} DH, ` +
      `prix de référence ${drug.prix_br === null ? "—" : frMoney(drug.prix_br)} DH, taux ${rateText(drug.rate)}.`
    );
  }
  const why = `Code ${code} absent du référentiel des médicaments en vigueur : saisissez le montant facturé.`;
  cell.replaceChildren(h("small", { class: "field-error warning" }, why));
  input(tr, "charged").focus();
  return why;
}

/** The vignette field, and the reading of the dossier's scans. */
export function vignetteTools(d: Dossier, body: HTMLElement, row: Row): HTMLElement {
  const scanner = h("input", {
    id: "vignette-scan",
    name: "vignette",
    size: 16,
    inputmode: "numeric",
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "Code de la vignette",
  });
  const status = statusLine("vignette-status");
  scanner.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const code = scanner.value.trim();
    scanner.value = "";
    status.textContent = /^\d{13}$/.test(code)
      ? await addDrug(d, body, row, code, 1)
      : `« ${code} » n'est pas un code de vignette (13 chiffres).`;
  });
  // The vignettes on the scans propose lines; nothing is saved before the processor takes and saves them.
  const proposal = h("div", { id: "vignette-proposal" });
  const read = h("button", { type: "button", id: "vignettes-read" }, "Lire les vignettes des scans");
  read.addEventListener("click", async () => {
    read.disabled = true;
    try {
      const p = await call("dossier_vignettes_read", { id: d.id });
      const rows = p.lines.map((l) =>
        h(
          "tr",
          {},
          h("td", { class: "code" }, l.drug_code),
          h("td", {}, l.label ?? h("small", { class: "field-error warning" }, "absent du référentiel")),
          h("td", { class: "num" }, String(l.boxes)),
          h("td", {}, l.pages.join(", ")),
        ),
      );
      const take = h("button", { type: "button", id: "vignettes-take" }, "Reprendre ces lignes");
      take.addEventListener("click", async () => {
        for (const l of p.lines) await addDrug(d, body, row, l.drug_code, l.boxes);
        status.textContent = "Lignes reprises des scans : vérifiez-les, puis enregistrez.";
        proposal.replaceChildren();
      });
      proposal.replaceChildren(
        h("p", { id: "vignette-summary" }, p.summary),
        ...(p.lines.length
          ? [grid("vignette-lines", ["Code", "Médicament", "Boîtes", "Pages"], h("tbody", {}, ...rows)), take]
          : []),
      );
    } finally {
      read.disabled = false;
    }
  });
  return h(
    "div",
    { class: "vignettes" },
    h("label", { class: "field" }, h("span", {}, "Vignette (scanner ou code, puis Entrée)"), scanner, status),
    h("div", { class: "row" }, read),
    proposal,
  );
}

/** The original paper's vignettes, scanned one by one, against the drug lines saved. */
export function originalCheck(d: Dossier, lines: StoredLine[]): HTMLElement | null {
  if (!lines.some((l) => l.drug_code)) return null;
  const codes: string[] = [];
  const field = h("input", {
    id: "original-scan",
    size: 16,
    inputmode: "numeric",
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "Vignette de l'original",
  });
  const status = statusLine("original-status");
  field.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const code = field.value.trim();
    field.value = "";
    if (/^\d{13}$/.test(code)) codes.push(code);
    status.textContent = `${codes.length} vignette(s) de l'original lue(s).`;
  });
  const compare = h("button", { type: "button", id: "original-compare" }, "Comparer aux lignes");
  compare.addEventListener("click", async () => {
    const r = await call("dossier_original_check", { dossier_id: d.id, codes });
    status.replaceChildren(
      r.matches
        ? "L'original porte les mêmes médicaments et les mêmes boîtes que les lignes."
        : h("span", { class: "field-error" }, `Différences : ${r.differences.join(" ")}`),
    );
  });
  return h(
    "div",
    { class: "card inline", id: "original-check" },
    h("h4", {}, "Contrôle de l'original"),
    h("label", { class: "field" }, h("span", {}, "Vignettes de l'original (scanner, puis Entrée)"), field),
    h("div", { class: "row" }, compare),
    status,
  );
}
