// The care lines of a dossier and its liquidation, on the dossier page: the
// processor types the lines (keyboard: Enter adds a line) with their
// invoices and what a third party already paid the provider on them, records
// a coverage issued by the AMO fund, liquidates a complete dossier and sees
// each figure with how it was reached and who pays it; a paid dossier's
// statement is saved through the native dialog.
import { labelOf, RELATIONS } from "../labels";
import { call, ApiFailure } from "../api/client";
import type {
  CareLineInput,
  Dossier,
  DossierActions,
  Payer,
  StoredLine,
  ThirdPartyInput,
  ThirdPartyPayment,
} from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, select } from "../dom";
import { isoDate } from "./dossier_form";
import { PDF, saveAs, grid } from "../widgets";
import { originalCheck, vignetteTools } from "./pharmacy";

function rateText(bp: number | null): string {
  if (bp === null) return "";
  return `${(bp / 100).toLocaleString("fr-FR")}\u00a0%`;
}

/** The dossier page's sticky bar: its primary actions go there, and what they did. */
export interface ActionBar {
  actions: HTMLElement;
  status: HTMLElement;
}

export async function liquidationPanel(
  parent: HTMLElement,
  bar: ActionBar,
  allowed: DossierActions,
  d: Dossier,
  reload: () => Promise<void>,
): Promise<void> {
  const lines = await call("care_lines_get", { id: d.id });
  const canEdit = allowed.edit_care_lines;
  // Liquidated lines are shown once, with their figures, under « Liquidation ».
  const liquidated = d.total_reimbursed !== null;
  const status = bar.status;
  const parts: (HTMLElement | null)[] = [h("h3", {}, "Lignes de soins et liquidation")];

  if (canEdit) {
    // Beneficiaries by number, as at the reception desk (1 = lui-même).
    const page = await call("member_get", { id: d.member_id });
    const ids = page.beneficiaries.map((b) => b.id);
    const numberOf = (id: number): string => String(ids.indexOf(id) + 1);
    const choices = page.beneficiaries
      .map((b, i) => `${i + 1} = ${b.last_name} ${b.first_name} (${labelOf(RELATIONS, b.relation).toLowerCase()})`)
      .join(" · ");
    const form = h("form", { id: "care-lines-form", class: "card inline", autocomplete: "off" });
    const body = h("tbody", {});
    const row = (l?: Partial<StoredLine>): HTMLTableRowElement => {
      const cell = (name: string, value: string, size = 10): HTMLTableCellElement =>
        h("td", {}, h("input", { name, value, size, "aria-label": name, spellcheck: "false" }));
      // A drug's line is named by its drug, with what to check before liquidating.
      const drug = l?.drug_code
        ? h(
            "td",
            { class: "drug-label" },
            l.label ?? "",
            ...(l.warnings ?? []).map((w) => h("small", { class: "field-error warning" }, w)),
          )
        : h("td", {});
      return h(
        "tr",
        { class: "care-line" },
        cell("date", l?.date ? frDate(l.date) : frDate(d.first_act_date)),
        cell("beneficiary", numberOf(l?.beneficiary_id ?? d.beneficiary_id), 3),
        cell("act", l?.act ?? "", 10),
        cell("drug_code", l?.drug_code ?? "", 14),
        drug,
        cell("quantity", l?.quantity ? String(l.quantity) : "1", 3),
        cell("charged", l?.charged ? frMoney(l.charged) : "", 9),
        cell("provider", l?.provider ?? "", 18),
        cell("invoice_number", l?.invoice_number ?? "", 11),
      );
    };
    // What the fund or the mutual already paid the provider on an invoice (tiers payant).
    const paidBody = h("tbody", {});
    const paidRow = (p?: ThirdPartyPayment): void => {
      const i = paidBody.children.length;
      const slot = (n: string): HTMLElement =>
        h("small", { class: "field-error", "data-error-for": `third_party[${i}].${n}` });
      const input = (n: string, value: string, size: number, label: string): HTMLTableCellElement =>
        h(
          "td",
          {},
          h("input", { name: `third_party[${i}].${n}`, value, size, "aria-label": label, spellcheck: "false" }),
          slot(n),
        );
      const payer = h(
        "select",
        { name: `third_party[${i}].payer`, "aria-label": "Payé par" },
        h("option", { value: "fonds", selected: p?.payer !== "mutuelle" }, "la caisse AMO"),
        h("option", { value: "mutuelle", selected: p?.payer === "mutuelle" }, "la mutuelle"),
      );
      paidBody.append(
        h(
          "tr",
          { class: "third-party" },
          input("invoice_number", p?.invoice_number ?? "", 11, "N° de facture"),
          h("td", {}, payer, slot("payer")),
          input("amount", p ? frMoney(p.amount) : "", 9, "Montant payé au prestataire"),
          input("reference", p?.reference ?? "", 11, "N° de prise en charge"),
        ),
      );
    };
    for (const p of await call("third_party_payments_get", { id: d.id })) paidRow(p);
    const addPaid = h(
      "button",
      { type: "button", id: "third-party-add", onclick: () => paidRow() },
      "Ajouter un paiement au prestataire",
    );
    const confirmInvoice = h(
      "label",
      { class: "check", id: "confirm-duplicate-invoice", hidden: true },
      h("input", { type: "checkbox", name: "confirm_duplicate_invoice", id: "f-confirm_duplicate_invoice" }),
      "C'est bien une autre facture : enregistrer quand même",
      h("small", { class: "field-error", "data-error-for": "confirm_duplicate_invoice" }),
    );
    for (const l of lines) body.append(row(l));
    if (lines.length === 0) body.append(row());
    const add = h("button", { type: "button", id: "care-line-add" }, "Ajouter une ligne");
    add.addEventListener("click", () => {
      body.append(row());
      (body.lastElementChild?.querySelector("input[name=act]") as HTMLInputElement | null)?.focus();
    });
    mount(
      form,
      formError(),
      h(
        "p",
        { class: "hint", id: "care-line-beneficiaries" },
        `Bénéficiaires : ${choices}. Acte : lettre clé et coefficient (C, B 120, K 50) ou code (PSYMOT) ; ` +
          "un médicament par le code de sa vignette (montant vide : prix public × boîtes).",
      ),
      vignetteTools(d, body, row),
      grid(
        "care-lines",
        [
          "Date",
          "Bénéf. (n°)",
          "Acte",
          "Code vignette",
          "Médicament",
          "Qté",
          "Facturé (DH)",
          "Prestataire",
          "N° facture",
        ],
        body,
      ),
      h("div", { class: "row" }, add),
      h("h4", {}, "Déjà payé au prestataire (tiers payant)"),
      grid("third-party", ["N° facture", "Payé par", "Montant (DH)", "N° de prise en charge"], paidBody),
      h("div", { class: "row" }, addPaid),
      confirmInvoice,
      h("div", { class: "row" }, h("button", { type: "submit", id: "care-lines-save" }, "Enregistrer les lignes")),
    );
    onSubmit(form, async () => {
      const read: CareLineInput[] = Array.from(body.querySelectorAll("tr")).map((tr) => {
        const v = (n: string): string => (tr.querySelector(`input[name=${n}]`) as HTMLInputElement).value;
        return {
          date: isoDate(v("date")),
          // The core refuses an id that is not one of the member's beneficiaries.
          beneficiary_id: ids[Number(v("beneficiary")) - 1] ?? 0,
          act: v("act"),
          quantity: Number(v("quantity")),
          charged: v("charged"),
          drug_code: v("drug_code") || null,
          provider: v("provider") || null,
          invoice_number: v("invoice_number") || null,
        };
      });
      const paid: ThirdPartyInput[] = Array.from(paidBody.querySelectorAll("tr"))
        .map((tr) => {
          const v = (n: string): string =>
            (tr.querySelector(`[name$=".${n}"]`) as HTMLInputElement | HTMLSelectElement).value;
          return {
            invoice_number: v("invoice_number"),
            payer: v("payer") as Payer,
            amount: v("amount"),
            reference: v("reference") || null,
          };
        })
        .filter((p) => p.invoice_number.trim() || p.amount.trim());
      const confirm = (form.elements.namedItem("confirm_duplicate_invoice") as HTMLInputElement).checked;
      try {
        await call("care_lines_save", {
          dossier_id: d.id,
          version: d.version,
          lines: read,
          third_party: paid,
          confirm_duplicate_invoice: confirm,
        });
      } catch (e) {
        if (e instanceof ApiFailure && e.field === "confirm_duplicate_invoice") confirmInvoice.hidden = false;
        throw e;
      }
      await reload();
    });
    parts.push(form, await fundCoverages(d));
  } else if (lines.length && !liquidated) {
    parts.push(linesTable(lines));
  }

  if (allowed.liquidate) {
    const b = h("button", { type: "button", class: "primary", id: "dossier-liquidate" }, "Liquider");
    b.addEventListener("click", async () => {
      try {
        await call("dossier_liquidate", { id: d.id, version: d.version });
        await reload();
      } catch (e) {
        if (e instanceof ApiFailure) status.textContent = e.message;
      }
    });
    bar.actions.prepend(b);
  }
  if (liquidated && lines.length) {
    parts.push(h("h3", {}, "Liquidation"), linesTable(lines));
    parts.push(
      h(
        "p",
        { id: "liquidation-totals" },
        `Remboursé : ${frMoney(d.total_reimbursed ?? 0)} DH`,
        d.status === "paye"
          ? ` · Net payé par la mutuelle : ${frMoney(d.paid_amount ?? 0)} DH · ` +
              `${d.payment_reference ?? "rien à virer"} du ${frDate(d.paid_on)}`
          : "",
      ),
      whoPays(lines),
    );
  }
  if (d.status === "paye") {
    const b = h("button", { type: "button", class: "primary", id: "statement-save" }, "Enregistrer le décompte (PDF)");
    b.addEventListener(
      "click",
      saveAs(
        status,
        { title: "Enregistrer le décompte", defaultPath: `decompte-${d.form_number}.pdf`, filters: PDF },
        (path) => call("statement_dossier", { id: d.id, path }),
        (p) => `Décompte enregistré : ${p}`,
      ),
    );
    bar.actions.prepend(b);
  }
  if (allowed.check_original) parts.push(originalCheck(d, lines));
  mount(parent, ...parts);
}

/** Who pays what, summed over the lines: a small table, one row per payer. */
function whoPays(lines: StoredLine[]): HTMLElement {
  const sum = (f: (l: StoredLine) => number | null): number => lines.reduce((t, l) => t + (f(l) ?? 0), 0);
  const amoToMember = sum((l) => l.amo_to_member);
  const row = (who: string, ...cells: (number | null)[]): HTMLTableRowElement =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, who),
      ...cells.map((c) => h("td", { class: "num" }, c === null ? "" : `${frMoney(c)} DH`)),
    );
  return h(
    "table",
    { class: "grid payers", id: "liquidation-payers" },
    h("caption", {}, "Qui paie quoi"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, ""),
        h("th", { scope: "col", class: "num" }, "Sa part"),
        h("th", { scope: "col", class: "num" }, "Payé au prestataire"),
        h("th", { scope: "col", class: "num" }, "Versé à l'adhérent"),
      ),
    ),
    h(
      "tbody",
      {},
      row(
        "Caisse AMO",
        sum((l) => l.amo),
        sum((l) => l.paid_by_fund),
        amoToMember,
      ),
      row(
        "Mutuelle",
        sum((l) => l.complementary),
        sum((l) => l.paid_by_mutual),
        sum((l) => (l.accepted === false ? 0 : l.reimbursed)) - amoToMember,
      ),
      row(
        "Adhérent (reste à charge)",
        sum((l) => l.remainder),
        null,
        null,
      ),
    ),
  );
}

/** The coverages issued by the AMO fund for the member, and the form to record one from the fund's letter. */
/** The fund's coverages of the member, and the form to record one (shown only where care lines are typed). */
async function fundCoverages(d: Dossier): Promise<HTMLElement> {
  const list = await call("fund_coverage_list", { member_id: d.member_id });
  const page = await call("member_get", { id: d.member_id });
  const ids = page.beneficiaries.map((b) => b.id);
  const rows = list.map((c) =>
    h(
      "tr",
      {},
      h("td", {}, c.number),
      h("td", {}, `${c.fund_act} (${c.acts.join(", ")})`),
      h(
        "td",
        {},
        c.insured_name
          ? `${c.beneficiary_name} (assuré : ${c.insured_name}, n° ${c.insured_number ?? ""})`
          : c.beneficiary_name,
      ),
      h("td", {}, `${frDate(c.valid_from)} – ${frDate(c.valid_to)}`),
      h("td", {}, `${c.used} / ${c.quantity} ${c.unit === "months" ? "mois" : "séances"}`),
      h("td", {}, `${frMoney(c.tariff)} (caisse ${frMoney(c.fund_share)}, assuré ${frMoney(c.member_share)})`),
    ),
  );
  const wrap = h("div", { id: "fund-coverages" }, h("h4", {}, "Prises en charge de la caisse AMO"));
  if (rows.length) {
    wrap.append(
      grid("fund-coverage-list", ["N°", "Code acte", "Bénéficiaire", "Validité", "Utilisé", "Tarif (DH)"], rows),
    );
  }
  const form = h("form", { id: "fund-coverage-form", class: "card inline", autocomplete: "off" });
  mount(
    form,
    h("h4", {}, "Enregistrer une prise en charge de la caisse (sa lettre)"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("N° de l'accord", "number"),
      field("Code acte", "fund_act"),
      field("Bénéficiaire (n°)", "beneficiary_id", { value: String(ids.indexOf(d.beneficiary_id) + 1) }),
    ),
    h(
      "div",
      { class: "row" },
      field("Prestataire payé", "provider"),
      select("Compté en", "unit", [
        ["months", "mois"],
        ["sessions", "séances"],
      ]),
      field("Nombre", "quantity"),
    ),
    h("div", { class: "row" }, field("Valable du (jj/mm/aaaa)", "valid_from"), field("au", "valid_to")),
    h(
      "div",
      { class: "row" },
      field("Tarif (DH par mois ou séance)", "tariff"),
      field("Part de la caisse", "fund_share"),
      field("Part de l'assuré", "member_share"),
    ),
    h(
      "div",
      { class: "row" },
      field("Assuré de la caisse (si autre que l'adhérent)", "insured_name"),
      field("Son n° d'immatriculation", "insured_number"),
    ),
    h("button", { type: "submit", id: "fund-coverage-save" }, "Enregistrer la prise en charge"),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    await call("fund_coverage_add", {
      number: v("number"),
      fund_act: v("fund_act"),
      beneficiary_id: ids[Number(v("beneficiary_id")) - 1] ?? 0,
      provider: v("provider"),
      unit: v("unit") === "sessions" ? "sessions" : "months",
      quantity: Number(v("quantity")),
      valid_from: isoDate(v("valid_from")),
      valid_to: isoDate(v("valid_to")),
      tariff: v("tariff"),
      fund_share: v("fund_share"),
      member_share: v("member_share"),
      insured_name: v("insured_name"),
      insured_number: v("insured_number"),
    });
    wrap.replaceWith(await fundCoverages(d));
  });
  wrap.append(form);
  return wrap;
}

/** Amount columns: right-aligned, figures in columns, never wrapped. */
const num = { class: "num" };

/** The lines with their figures and a totals row; how each was reached folds under it. */
function linesTable(lines: StoredLine[]): HTMLTableElement {
  const money = (c: number | null): HTMLTableCellElement => h("td", num, c === null ? "" : frMoney(c));
  const rows: HTMLElement[] = [];
  for (const l of lines) {
    rows.push(
      h(
        "tr",
        { class: l.accepted === false ? "rejected" : "" },
        h("td", {}, frDate(l.date)),
        h("td", {}, l.quantity > 1 ? `${l.quantity} × ${l.label}` : l.label),
        money(l.charged),
        money(l.paid_by_fund + l.paid_by_mutual),
        money(l.base),
        h("td", num, l.exempted ? "exonéré (ALD)" : rateText(l.rate)),
        money(l.amo),
        money(l.complementary),
        l.accepted === false
          ? h("td", { class: "reimbursed" }, l.reason ?? "Rejetée")
          : h("td", { class: "reimbursed num" }, l.reimbursed === null ? "" : frMoney(l.reimbursed)),
        money(l.remainder),
      ),
    );
    if (l.explanation.length)
      rows.push(
        h(
          "tr",
          { class: "explanation" },
          h(
            "td",
            { colspan: "10" },
            h("details", {}, h("summary", {}, "Calcul"), h("small", { class: "hint" }, l.explanation.join(" · "))),
          ),
        ),
      );
  }
  const sum = (f: (l: StoredLine) => number | null): number => lines.reduce((t, l) => t + (f(l) ?? 0), 0);
  const total = (f: (l: StoredLine) => number | null): HTMLTableCellElement => h("td", num, frMoney(sum(f)));
  const table = grid(
    "liquidation-lines",
    ["Date", "Acte", "Frais", "Tiers payant", "Base", "Taux", "Part AMO", "Part mutuelle", "Remboursé", "Reste"],
    rows,
  );
  // The headers of amount columns align with their figures; each says in full what it is.
  const full = [
    "",
    "",
    "Frais engagés",
    "Déjà payé au prestataire (tiers payant)",
    "Base de remboursement",
    "Taux de la part AMO",
    "",
    "",
    "Remboursé à l'adhérent",
    "Reste à la charge de l'adhérent",
  ];
  table.querySelectorAll("th").forEach((th, i) => {
    if (i >= 2) th.classList.add("num");
    if (full[i]) th.title = full[i] ?? "";
  });
  table.append(
    h(
      "tfoot",
      {},
      h(
        "tr",
        { id: "liquidation-total-row" },
        h("th", { colspan: "2", scope: "row" }, "Total"),
        total((l) => l.charged),
        total((l) => l.paid_by_fund + l.paid_by_mutual),
        total((l) => l.base),
        h("td", {}),
        total((l) => l.amo),
        total((l) => l.complementary),
        total((l) => (l.accepted === false ? 0 : l.reimbursed)),
        total((l) => l.remainder),
      ),
    ),
  );
  return table;
}
