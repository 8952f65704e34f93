// The care lines of a dossier and its liquidation, on the dossier page: the
// processor types the lines (keyboard: Enter adds a line), saves them,
// liquidates a complete dossier and sees each figure with how it was reached;
// a paid dossier's statement is saved through the native dialog.
import { save } from "@tauri-apps/plugin-dialog";
import { call, ApiFailure } from "../api/client";
import type { CareLineInput, Dossier, SessionInfo, StoredLine } from "../api/bindings";
import { formError, frDate, frMoney, h, mount, onSubmit, statusLine } from "../dom";
import { isoDate } from "./dossier_form";

function rateText(bp: number | null): string {
  if (bp === null) return "";
  return `${(bp / 100).toLocaleString("fr-FR")} %`;
}

export async function liquidationPanel(parent: HTMLElement, session: SessionInfo, d: Dossier, reload: () => Promise<void>): Promise<void> {
  const lines = await call("care_lines_get", { id: d.id });
  const canEdit = session.staff.roles.includes("claims") && (d.status === "en_cours" || d.status === "complet");
  const status = statusLine("liquidation-status");
  const parts: (HTMLElement | null)[] = [h("h3", {}, "Lignes de soins et liquidation")];

  if (canEdit) {
    // Beneficiaries by number, as at the reception desk (1 = lui-même).
    const page = await call("member_get", { id: d.member_id });
    const ids = page.beneficiaries.map((b) => b.id);
    const numberOf = (id: number): string => String(ids.indexOf(id) + 1);
    const choices = page.beneficiaries
      .map((b, i) => `${i + 1} = ${b.last_name} ${b.first_name} (${b.relation === "lui_meme" ? "lui-même" : b.relation})`)
      .join(" · ");
    const form = h("form", { id: "care-lines-form", class: "card inline", autocomplete: "off" });
    const body = h("tbody", {});
    const row = (l?: StoredLine): HTMLTableRowElement => {
      const cell = (name: string, value: string, size = 10): HTMLTableCellElement =>
        h("td", {}, h("input", { name, value, size, "aria-label": name, spellcheck: "false" }));
      return h(
        "tr",
        { class: "care-line" },
        cell("date", l ? frDate(l.date) : frDate(d.first_act_date)),
        cell("beneficiary", numberOf(l ? l.beneficiary_id : d.beneficiary_id), 3),
        cell("act", l?.act ?? "", 10),
        cell("quantity", l ? String(l.quantity) : "1", 3),
        cell("charged", l ? frMoney(l.charged) : "", 9),
        cell("provider", l?.provider ?? "", 18),
      );
    };
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
      h("p", { class: "hint", id: "care-line-beneficiaries" }, `Bénéficiaires : ${choices}. Acte : lettre clé et coefficient (C, B 120, K 50) ou code (PSYMOT).`),
      h(
        "table",
        { class: "grid", id: "care-lines" },
        h("thead", {}, h("tr", {}, ...["Date", "Bénéf. (n°)", "Acte", "Qté", "Facturé (DH)", "Prestataire"].map((t) => h("th", {}, t)))),
        body,
      ),
      h("div", { class: "row" }, add, h("button", { type: "submit", id: "care-lines-save" }, "Enregistrer les lignes")),
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
          provider: v("provider") || null,
        };
      });
      await call("care_lines_save", { dossier_id: d.id, version: d.version, lines: read });
      await reload();
    });
    parts.push(form);
  } else if (lines.length) {
    parts.push(linesTable(lines));
  }

  if (d.status === "complet" && session.staff.roles.includes("claims")) {
    const b = h("button", { type: "button", class: "primary", id: "dossier-liquidate" }, "Liquider");
    b.addEventListener("click", async () => {
      try {
        await call("dossier_liquidate", { id: d.id, version: d.version });
        await reload();
      } catch (e) {
        if (e instanceof ApiFailure) status.textContent = e.message;
      }
    });
    parts.push(h("div", { class: "row" }, b));
  }
  if ((d.status === "liquide" || d.status === "paye") && lines.length) {
    parts.push(h("h3", {}, "Liquidation"), linesTable(lines));
    parts.push(
      h(
        "p",
        { id: "liquidation-totals" },
        `Remboursé : ${frMoney(d.total_reimbursed ?? 0)} DH`,
        d.status === "paye" ? ` · Net payé : ${frMoney(d.paid_amount ?? 0)} DH · ${d.payment_reference ?? ""} du ${frDate(d.paid_on)}` : "",
      ),
    );
  }
  if (d.status === "paye") {
    const b = h("button", { type: "button", id: "statement-save" }, "Enregistrer le décompte (PDF)");
    b.addEventListener("click", async () => {
      const path = await save({ title: "Enregistrer le décompte", defaultPath: `decompte-${d.form_number}.pdf`, filters: [{ name: "PDF", extensions: ["pdf"] }] });
      if (!path) return;
      try {
        const w = await call("statement_dossier", { id: d.id, path });
        status.textContent = `Décompte enregistré : ${w.path}`;
      } catch (e) {
        if (e instanceof ApiFailure) status.textContent = e.message;
      }
    });
    parts.push(h("div", { class: "row" }, b));
  }
  parts.push(status);
  mount(parent, ...parts);
}

/** The lines with their figures; the explanation of each shows under it. */
function linesTable(lines: StoredLine[]): HTMLTableElement {
  const rows: HTMLElement[] = [];
  for (const l of lines) {
    rows.push(
      h(
        "tr",
        { class: l.accepted === false ? "rejected" : "" },
        h("td", {}, frDate(l.date)),
        h("td", {}, l.quantity > 1 ? `${l.quantity} × ${l.act}` : l.act),
        h("td", {}, frMoney(l.charged)),
        h("td", {}, l.base === null ? "" : frMoney(l.base)),
        h("td", {}, rateText(l.rate)),
        h("td", {}, l.amo === null ? "" : frMoney(l.amo)),
        h("td", {}, l.complementary === null ? "" : frMoney(l.complementary)),
        h("td", { class: "reimbursed" }, l.accepted === false ? (l.reason ?? "Rejetée") : l.reimbursed === null ? "" : frMoney(l.reimbursed)),
      ),
    );
    if (l.explanation.length) rows.push(h("tr", { class: "explanation" }, h("td", { colspan: "8" }, h("small", { class: "hint" }, l.explanation.join(" · ")))));
  }
  return h(
    "table",
    { class: "grid", id: "liquidation-lines" },
    h("thead", {}, h("tr", {}, ...["Date", "Acte", "Facturé", "Base", "Taux", "Part AMO", "Part compl.", "Remboursé"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows),
  );
}
