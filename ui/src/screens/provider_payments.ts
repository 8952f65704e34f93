// Décomptes → Prestataires: the mutual paying providers under its own
// coverages. A provider's invoice recorded against its approval and
// liquidated at once; the invoices waiting, paid in one batch with its
// transfer list and each provider's relevé; the providers' bank accounts,
// changed by one agent and validated by another.
import { open, save } from "../api/dialogs";
import { call, ApiFailure } from "../api/client";
import type { Invoice, ProviderBatch, RibRequest, SessionInfo } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, select, statusLine, todayIso } from "../dom";
import { isoDate } from "./dossier_form";
import { can } from "../session";
import { grid, transfersDialog } from "../widgets";

/** Up to this many lines typed per invoice (empty ones are ignored). */
const LINES = 4;

export async function providerPaymentsPanel(parent: HTMLElement, session: SessionInfo): Promise<void> {
  const providers = (await call("provider_list", {})).filter((p) => p.active);
  const choices: [string, string][] = providers.map((p) => [String(p.id), `${p.name} — ${p.city}`]);
  const reload = (): Promise<void> => providerPaymentsPanel(parent, session);
  const waiting = await call("provider_invoice_list", {});
  mount(
    parent,
    h("h3", {}, "Prestataires payés par la mutuelle (tiers payant)"),
    can(session, "dossiers_process") ? invoiceForm(choices, reload) : null,
    invoicesGrid(waiting),
    can(session, "statements_produce") ? await batchForm(waiting.length) : null,
    can(session, "provider_accounts") ? await ribPanel(choices, reload) : null,
  );
}

function invoiceForm(choices: [string, string][], reload: () => Promise<void>): HTMLFormElement {
  const f = h("form", { id: "provider-invoice-form", class: "card wide", autocomplete: "off" });
  const status = statusLine("provider-invoice-status");
  const rows = Array.from({ length: LINES }, (_, i) =>
    h(
      "div",
      { class: "row" },
      field(`Ligne ${i + 1} : acte`, `act_${i}`),
      field("Date (jj/mm/aaaa)", `date_${i}`),
      field("Quantité", `quantity_${i}`, { value: "1" }),
      field("Montant facturé (DH)", `charged_${i}`),
    ),
  );
  mount(
    f,
    h("h4", {}, "Facture d'un prestataire sous un accord de la mutuelle"),
    formError(),
    h(
      "div",
      { class: "row" },
      select("Prestataire", "provider_id", choices),
      field("N° de l'accord (PEC-… ou AP-…)", "approval_number"),
      field("N° de facture", "invoice_number"),
      field("Date de la facture (jj/mm/aaaa)", "invoice_date", { value: frDate(todayIso()) }),
    ),
    ...rows,
    h("button", { type: "submit", class: "primary", id: "provider-invoice-record" }, "Liquider la facture"),
    status,
  );
  onSubmit(f, async () => {
    const v = (n: string): string => (f.elements.namedItem(n) as HTMLInputElement).value.trim();
    const lines = [];
    for (let i = 0; i < LINES; i++) {
      if (!v(`act_${i}`) && !v(`charged_${i}`)) continue;
      lines.push({
        act_code: v(`act_${i}`),
        date: isoDate(v(`date_${i}`) || v("invoice_date")),
        quantity: Number(v(`quantity_${i}`) || "1"),
        charged: v(`charged_${i}`),
      });
    }
    const i = await call("provider_invoice_record", {
      provider_id: Number(v("provider_id")),
      approval_number: v("approval_number"),
      invoice_number: v("invoice_number"),
      invoice_date: isoDate(v("invoice_date")),
      lines,
    });
    await reload();
    const line = document.getElementById("provider-invoice-status");
    if (line) line.textContent = invoiceWords(i);
  });
  return f;
}

/** What the processor reads once an invoice is liquidated. */
function invoiceWords(i: Invoice): string {
  return (
    `Facture ${i.invoice_number} de ${i.provider_name} liquidée : facturé ${frMoney(i.total_charged)} DH, ` +
    `part AMO ${frMoney(i.total_amo)} DH (avancée pour ${i.fund_name}), part mutuelle ` +
    `${frMoney(i.total_complementary)} DH ; à payer au prestataire ${frMoney(i.mutual_pays)} DH, ` +
    `reste à l'adhérent ${frMoney(i.total_remainder)} DH.`
  );
}

function invoicesGrid(list: Invoice[]): HTMLElement {
  if (list.length === 0) return h("p", { class: "hint", id: "provider-invoices-none" }, "Aucune facture en attente.");
  return grid(
    "provider-invoices",
    ["Facture", "Prestataire", "Accord", "Adhérent", "Bénéficiaire", "Facturé", "À payer", "Reste adhérent"],
    list.map((i) =>
      h(
        "tr",
        {},
        h("td", {}, `${i.invoice_number} du ${frDate(i.invoice_date)}`),
        h("td", {}, i.provider_name),
        h("td", {}, i.approval_number),
        h("td", {}, `${i.member_name} (${i.matricule})`),
        h("td", {}, i.beneficiary_name),
        h("td", {}, frMoney(i.total_charged)),
        h("td", {}, frMoney(i.mutual_pays)),
        h("td", {}, frMoney(i.total_remainder)),
      ),
    ),
  );
}

async function batchForm(waiting: number): Promise<HTMLElement> {
  const f = h("form", { id: "provider-batch-form", class: "card inline" });
  const status = statusLine("provider-batch-status");
  const batches = await call("provider_batch_list", {});
  mount(
    f,
    h("h4", {}, "Régler les prestataires"),
    formError(),
    field("Date du paiement (jj/mm/aaaa)", "pay_date", { value: frDate(todayIso()) }),
    h(
      "button",
      { type: "submit", class: "primary", id: "provider-batch-create", disabled: waiting === 0 },
      "Régler les factures en attente",
    ),
  );
  onSubmit(f, async () => {
    const day = (f.elements.namedItem("pay_date") as HTMLInputElement).value;
    const b = await call("provider_batch_create", { pay_date: isoDate(day) });
    status.textContent =
      `Lot ${b.reference} : ${b.invoice_count} facture(s), ${frMoney(b.total)} DH en ` +
      `${b.transfer_count} virement(s).`;
    const list = document.getElementById("provider-batches");
    if (list) list.replaceWith(await batchesGrid([b, ...batches], status));
  });
  return h("div", {}, f, status, await batchesGrid(batches, status));
}

async function batchesGrid(batches: ProviderBatch[], status: HTMLElement): Promise<HTMLElement> {
  const rows = await Promise.all(
    batches.map(async (b) => {
      const paid = await call("provider_invoice_list", { batch_id: b.id });
      const providers = [...new Map(paid.map((i) => [i.provider_id, i.provider_name])).entries()];
      const transfers = h(
        "button",
        {
          type: "button",
          onclick: async () => {
            const path = await save(transfersDialog(b.reference));
            if (!path) return;
            await said(status, async () => {
              const w = await call("provider_batch_export", { id: b.id, path });
              return `Liste enregistrée : ${w.path}`;
            });
          },
        },
        "Liste de virements",
      );
      const releves = providers.map(([id, name]) =>
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              const path = await save({
                title: `Relevé de ${name}`,
                defaultPath: `releve-${b.reference}-${id}.pdf`,
                filters: [{ name: "PDF", extensions: ["pdf"] }],
              });
              if (!path) return;
              await said(status, async () => {
                const w = await call("provider_statement", { batch_id: b.id, provider_id: id, path });
                return `Relevé enregistré : ${w.path}`;
              });
            },
          },
          `Relevé ${name}`,
        ),
      );
      return h(
        "tr",
        {},
        h("td", {}, b.reference),
        h("td", {}, frDate(b.pay_date)),
        h("td", {}, String(b.invoice_count)),
        h("td", {}, frMoney(b.total)),
        h("td", {}, transfers, ...releves),
      );
    }),
  );
  return grid("provider-batches", ["Lot", "Réglé le", "Factures", "Total (DH)", ""], rows);
}

/** Runs `act`, saying what it answered, or its refusal. */
async function said(status: HTMLElement, act: () => Promise<string>): Promise<void> {
  try {
    status.textContent = await act();
  } catch (e) {
    if (e instanceof ApiFailure) status.textContent = e.message;
    else throw e;
  }
}

async function ribPanel(choices: [string, string][], reload: () => Promise<void>): Promise<HTMLElement> {
  const requests = await call("provider_rib_request_list", {});
  const f = h("form", { id: "provider-rib-form", class: "card inline", autocomplete: "off" });
  const status = statusLine("provider-rib-status");
  mount(
    f,
    h("h4", {}, "RIB d'un prestataire (validé par un autre agent)"),
    formError(),
    h(
      "div",
      { class: "row" },
      select("Prestataire", "provider_id", choices),
      field("Nouveau RIB (24 chiffres)", "rib"),
    ),
    h("button", { type: "submit", id: "provider-rib-request" }, "Joindre l'attestation et enregistrer"),
  );
  onSubmit(f, async () => {
    const v = (n: string): string => (f.elements.namedItem(n) as HTMLInputElement).value;
    const file = await open({
      title: "Attestation de RIB du prestataire",
      filters: [{ name: "PDF ou image", extensions: ["pdf", "jpg", "jpeg", "png"] }],
    });
    if (!file || Array.isArray(file)) return;
    const r = await call("provider_rib_request", { provider_id: Number(v("provider_id")), rib: v("rib"), file });
    await reload();
    const line = document.getElementById("provider-rib-status");
    if (line) line.textContent = `Demande n° ${r.id} enregistrée : un autre agent la valide.`;
  });
  return h("div", {}, f, status, ribGrid(requests, status, reload));
}

function ribGrid(list: RibRequest[], status: HTMLElement, reload: () => Promise<void>): HTMLElement {
  // The panel is drawn again once decided: what happened goes on the new status line.
  const decide = (r: RibRequest, decision: { type: "validate" } | { type: "refuse"; reason: string }) => async () => {
    try {
      await call("provider_rib_decide", { id: r.id, version: r.version, decision });
      await reload();
      const line = document.getElementById("provider-rib-status");
      if (line)
        line.textContent = decision.type === "validate" ? `RIB de ${r.provider_name} validé.` : "Demande refusée.";
    } catch (e) {
      if (e instanceof ApiFailure) status.textContent = e.message;
      else throw e;
    }
  };
  return grid(
    "provider-rib-requests",
    ["N°", "Prestataire", "Nouveau RIB", "Actuel", "Attestation", "Par", "Statut", ""],
    list.map((r) => {
      const reason = h("input", { size: 18, placeholder: "Motif du refus", "aria-label": "Motif du refus" });
      const pending = r.status === "en_attente";
      return h(
        "tr",
        {},
        h("td", {}, String(r.id)),
        h("td", {}, r.provider_name),
        h("td", {}, r.rib),
        h("td", {}, r.current),
        h("td", {}, r.certificate),
        h("td", {}, r.created_by),
        h("td", {}, pending ? "en attente" : r.status === "valide" ? `validé par ${r.decided_by ?? ""}` : "refusé"),
        h(
          "td",
          {},
          pending ? h("button", { type: "button", onclick: decide(r, { type: "validate" }) }, "Valider") : null,
          pending ? reason : null,
          pending
            ? h(
                "button",
                { type: "button", onclick: () => void decide(r, { type: "refuse", reason: reason.value })() },
                "Refuser",
              )
            : null,
        ),
      );
    }),
  );
}
