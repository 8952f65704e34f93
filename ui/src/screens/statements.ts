// Décomptes: pay the liquidated dossiers in one batch and save its transfer
// list; a transfer the bank returned; a member's statement for a period or
// for one transfer; the statement run of a period into a folder, with its
// progress streamed from Rust; the transmission slips of the AMO parts to
// the fund and its payment confirmation; the providers the mutual pays
// (provider_payments.ts).
import { open, save } from "../api/dialogs";
import { call, callStreamed, stopStreamed, ApiFailure } from "../api/client";
import type { BatchProgress, FundSlip, SessionInfo } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, statusLine, todayIso } from "../dom";
import { isoDate } from "./dossier_form";
import { can } from "../session";
import { grid, saveAs, transfersDialog } from "../widgets";
import { providerPaymentsPanel } from "./provider_payments";

export function statementsSection(content: HTMLElement, session: SessionInfo): void {
  const canProduce = can(session, "statements_produce");
  const pay = h("form", { id: "pay-form", class: "card inline" });
  const payStatus = statusLine("pay-status");
  mount(
    pay,
    h("h3", {}, "Régler les dossiers liquidés"),
    formError(),
    field("Date du paiement (jj/mm/aaaa)", "pay_date", { value: frDate(todayIso()) }),
    h("button", { type: "submit", class: "primary", id: "pay-all" }, "Régler tous les dossiers liquidés"),
  );
  onSubmit(pay, async () => {
    const date = (pay.elements.namedItem("pay_date") as HTMLInputElement).value;
    const b = await call("payment_batch_create", { pay_date: isoDate(date) });
    mount(
      payStatus,
      `Lot ${b.reference} : ${b.dossier_count} dossier${b.dossier_count > 1 ? "s" : ""}, ` +
        `${frMoney(b.total)} DH en ${b.transfer_count} virement${b.transfer_count > 1 ? "s" : ""}. `,
      h(
        "button",
        {
          type: "button",
          id: "transfers-save",
          onclick: async () => {
            const path = await save(transfersDialog(b.reference));
            if (!path) return;
            try {
              const w = await call("payment_batch_export", { id: b.id, path });
              payStatus.append(` Liste enregistrée : ${w.path}`);
            } catch (e) {
              if (e instanceof ApiFailure) payStatus.append(` ${e.message}`);
            }
          },
        },
        "Enregistrer la liste de virements",
      ),
    );
  });

  const member = h("form", { id: "member-statement-form", class: "card inline" });
  const memberStatus = statusLine("member-statement-status");
  mount(
    member,
    h("h3", {}, "Relevé d'un adhérent pour une période"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Matricule", "matricule"),
      field("Du (jj/mm/aaaa)", "from"),
      field("Au (jj/mm/aaaa)", "to"),
    ),
    h("button", { type: "submit", id: "member-statement" }, "Enregistrer le relevé (PDF)"),
  );
  onSubmit(member, async () => {
    const v = (n: string): string => (member.elements.namedItem(n) as HTMLInputElement).value;
    const path = await save({
      title: "Enregistrer le relevé",
      defaultPath: `releve-${v("matricule").trim()}.pdf`,
      filters: [{ name: "PDF", extensions: ["pdf"] }],
    });
    if (!path) return;
    const w = await call("statement_member", {
      matricule: v("matricule"),
      from: isoDate(v("from")),
      to: isoDate(v("to")),
      path,
    });
    memberStatus.textContent = `Relevé enregistré : ${w.path}`;
  });

  const run = h("form", { id: "statement-run-form", class: "card inline" });
  const bar = h("progress", { id: "statement-run-progress", max: "1", value: "0", hidden: true });
  const stop = h(
    "button",
    { type: "button", id: "statement-run-stop", hidden: true, onclick: () => void stopStreamed() },
    "Arrêter",
  );
  const runStatus = statusLine("statement-run-status");
  mount(
    run,
    h("h3", {}, "Relevés des adhérents remboursés sur une période"),
    formError(),
    h("div", { class: "row" }, field("Du (jj/mm/aaaa)", "from"), field("Au (jj/mm/aaaa)", "to")),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", id: "statement-run" }, "Choisir le répertoire et lancer"),
      stop,
    ),
    bar,
  );
  onSubmit(run, async () => {
    const v = (n: string): string => (run.elements.namedItem(n) as HTMLInputElement).value;
    const folder = await open({ directory: true, title: "Répertoire des relevés" });
    if (!folder || Array.isArray(folder)) return;
    bar.hidden = false;
    stop.hidden = false;
    try {
      const r = await callStreamed(
        "statement_batch",
        { from: isoDate(v("from")), to: isoDate(v("to")), folder },
        (p: BatchProgress) => {
          bar.max = Math.max(1, p.total);
          bar.value = p.done;
          runStatus.textContent = `${p.done} / ${p.total}`;
        },
      );
      runStatus.textContent = r.cancelled
        ? `Arrêté : ${r.written} relevé(s) écrit(s) ; relancez pour terminer (les fichiers écrits sont gardés).`
        : `${r.written} relevé(s) écrit(s), ${r.skipped} déjà présent(s), index : ${r.index}`;
    } finally {
      stop.hidden = true;
    }
  });

  const returned = h("form", { id: "payment-return-form", class: "card inline" });
  mount(
    returned,
    h("h3", {}, "Virement retourné par la banque"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Référence du virement", "payment_reference"),
      field("Motif (avis de la banque)", "reason"),
      field("Retourné le (jj/mm/aaaa)", "returned_on", { value: frDate(todayIso()) }),
    ),
    h("button", { type: "submit", id: "payment-return" }, "Remettre ses dossiers à régler"),
  );
  const returnedStatus = statusLine("payment-return-status");
  onSubmit(returned, async () => {
    const v = (n: string): string => (returned.elements.namedItem(n) as HTMLInputElement).value;
    const r = await call("payment_return", {
      payment_reference: v("payment_reference"),
      reason: v("reason"),
      returned_on: isoDate(v("returned_on")),
    });
    returnedStatus.textContent =
      `${r.dossiers} dossier(s) remis à régler ; corrigez le RIB de ` + `l'adhérent avant le prochain lot.`;
  });

  const transfer = h("form", { id: "payment-statement-form", class: "card inline" });
  const transferStatus = statusLine("payment-statement-status");
  mount(
    transfer,
    h("h3", {}, "Décompte d'un virement"),
    formError(),
    field("Référence du virement", "payment_reference"),
    h("button", { type: "submit", id: "payment-statement" }, "Enregistrer le décompte (PDF)"),
  );
  onSubmit(transfer, async () => {
    const reference = (transfer.elements.namedItem("payment_reference") as HTMLInputElement).value.trim();
    const path = await save({
      title: "Enregistrer le décompte du virement",
      defaultPath: `decompte-${reference.replace(/[^A-Za-z0-9-]/g, "_")}.pdf`,
      filters: [{ name: "PDF", extensions: ["pdf"] }],
    });
    if (!path) return;
    const w = await call("statement_payment", { payment_reference: reference, path });
    transferStatus.textContent = `Décompte enregistré : ${w.path}`;
  });

  const slips = h("div", { id: "fund-slips" });
  if (canProduce) void slipsPanel(slips);
  const providers = h("div", { id: "provider-payments" });
  void providerPaymentsPanel(providers, session);

  mount(
    content,
    h("h2", {}, "Décomptes"),
    canProduce ? pay : null,
    canProduce ? payStatus : null,
    canProduce ? returned : null,
    canProduce ? returnedStatus : null,
    member,
    memberStatus,
    transfer,
    transferStatus,
    canProduce ? run : null,
    canProduce ? runStatus : null,
    slips,
    providers,
  );
}

/** Transmission slips of the AMO parts to the fund, and the fund's confirmation. */
async function slipsPanel(parent: HTMLElement): Promise<void> {
  const list = await call("fund_slip_list", {});
  const form = h("form", { id: "fund-slip-form", class: "card inline" });
  const status = statusLine("fund-slip-status");
  mount(
    form,
    h("h3", {}, "Bordereaux d'envoi à la caisse AMO"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Réglés du (jj/mm/aaaa)", "from"),
      field("au", "to"),
      field("Caisse (si plusieurs)", "fund_name"),
    ),
    h("button", { type: "submit", id: "fund-slip-create" }, "Établir le bordereau"),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    const fund = v("fund_name").trim();
    const s = await call("fund_slip_create", {
      from: isoDate(v("from")),
      to: isoDate(v("to")),
      fund_name: fund === "" ? null : fund,
    });
    await slipsPanel(parent);
    const line = document.getElementById("fund-slip-status");
    if (line)
      line.textContent = `Bordereau ${s.reference} : ${s.dossier_count} dossier(s), parts AMO ` + `${slipAmounts(s)}.`;
  });
  const rows = list.map((s) => {
    const saveSlip = h(
      "button",
      {
        type: "button",
        onclick: saveAs(
          status,
          {
            title: "Enregistrer le bordereau",
            defaultPath: `${s.reference}.pdf`,
            filters: [{ name: "PDF, classeur Excel ou CSV", extensions: ["pdf", "xlsx", "csv"] }],
          },
          (path) => call("fund_slip_export", { id: s.id, path }),
          (path) => `Bordereau enregistré : ${path}`,
        ),
      },
      "Enregistrer",
    );
    const ref = h("input", {
      size: 14,
      "aria-label": `Référence du paiement de ${s.fund_name}`,
      placeholder: "Réf. du paiement",
      id: `fund-slip-ref-${s.id}`,
    });
    const confirm = h(
      "button",
      {
        type: "button",
        onclick: async () => {
          const reference = ref.value;
          if (!reference.trim()) {
            status.textContent = `Saisissez la référence du paiement de ${s.fund_name} pour ${s.reference}.`;
            ref.focus();
            return;
          }
          const file = await open({
            title: "Fichier de retour de la caisse (Annuler : tout le bordereau)",
            filters: [{ name: "Classeur ou CSV", extensions: ["csv", "xlsx", "xls", "ods"] }],
          });
          try {
            const done = await call("fund_slip_confirm", {
              id: s.id,
              paid_on: todayIso(),
              reference,
              file: typeof file === "string" ? file : null,
            });
            await slipsPanel(parent);
            const line = document.getElementById("fund-slip-status");
            if (line)
              line.textContent =
                `${done.reference} : ${done.confirmed_count} / ` +
                `${slipLines(done)} lignes confirmées par la caisse.`;
          } catch (e) {
            if (e instanceof ApiFailure) status.textContent = e.message;
          }
        },
      },
      "Confirmer le paiement",
    );
    return h(
      "tr",
      {},
      h("td", {}, s.reference),
      h("td", {}, `${frDate(s.period_from)} – ${frDate(s.period_to)}`),
      h("td", {}, String(s.dossier_count)),
      h("td", {}, slipAmounts(s)),
      h(
        "td",
        {},
        s.confirmed_on ? `payé le ${frDate(s.confirmed_on)}` : `${s.confirmed_count} / ${slipLines(s)} confirmés`,
      ),
      h("td", {}, saveSlip, s.confirmed_on ? null : ref, s.confirmed_on ? null : confirm),
    );
  });
  mount(
    parent,
    form,
    status,
    rows.length
      ? grid("fund-slip-list", ["Bordereau", "Période", "Dossiers", "Parts AMO (DH)", "Paiement", ""], rows)
      : null,
  );
}

/** A slip's parts, and when it carries parts taken back, what they leave: `64,00 DH − 64,00 DH rendus = 0,00 DH`. */
function slipAmounts(s: FundSlip): string {
  if (s.return_count === 0) return `${frMoney(s.total_amo)} DH`;
  return `${frMoney(s.total_amo)} DH − ${frMoney(s.total_returned)} DH à récupérer = ${frMoney(s.net)} DH`;
}

/** The lines the fund confirms: its dossiers and the parts it takes back. */
function slipLines(s: FundSlip): number {
  return s.dossier_count + s.return_count;
}
