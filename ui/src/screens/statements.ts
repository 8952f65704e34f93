// Décomptes: pay the liquidated dossiers in one batch and save its transfer
// list; a member's statement for a period; the statement run of a period
// into a folder, with its progress streamed from Rust.
import { open, save } from "@tauri-apps/plugin-dialog";
import { call, callStreamed, stopStreamed, ApiFailure } from "../api/client";
import type { BatchProgress, SessionInfo } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, statusLine, todayIso } from "../dom";
import { isoDate } from "./dossier_form";

export function statementsSection(content: HTMLElement, session: SessionInfo): void {
  const canProduce = session.staff.roles.includes("claims");
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
      `Lot ${b.reference} : ${b.dossier_count} dossier${b.dossier_count > 1 ? "s" : ""}, ${frMoney(b.total)} DH. `,
      h("button", {
        type: "button",
        id: "transfers-save",
        onclick: async () => {
          const path = await save({ title: "Enregistrer la liste de virements", defaultPath: `virements-${b.reference}.xlsx`, filters: [{ name: "Classeur Excel ou CSV", extensions: ["xlsx", "csv"] }] });
          if (!path) return;
          try {
            const w = await call("payment_batch_export", { id: b.id, path });
            payStatus.append(` Liste enregistrée : ${w.path}`);
          } catch (e) {
            if (e instanceof ApiFailure) payStatus.append(` ${e.message}`);
          }
        },
      }, "Enregistrer la liste de virements"),
    );
  });

  const member = h("form", { id: "member-statement-form", class: "card inline" });
  const memberStatus = statusLine("member-statement-status");
  mount(
    member,
    h("h3", {}, "Relevé d'un adhérent pour une période"),
    formError(),
    h("div", { class: "row" }, field("Matricule", "matricule"), field("Du (jj/mm/aaaa)", "from"), field("Au (jj/mm/aaaa)", "to")),
    h("button", { type: "submit", id: "member-statement" }, "Enregistrer le relevé (PDF)"),
  );
  onSubmit(member, async () => {
    const v = (n: string): string => (member.elements.namedItem(n) as HTMLInputElement).value;
    const path = await save({ title: "Enregistrer le relevé", defaultPath: `releve-${v("matricule").trim()}.pdf`, filters: [{ name: "PDF", extensions: ["pdf"] }] });
    if (!path) return;
    const w = await call("statement_member", { matricule: v("matricule"), from: isoDate(v("from")), to: isoDate(v("to")), path });
    memberStatus.textContent = `Relevé enregistré : ${w.path}`;
  });

  const run = h("form", { id: "statement-run-form", class: "card inline" });
  const bar = h("progress", { id: "statement-run-progress", max: "1", value: "0", hidden: true });
  const stop = h("button", { type: "button", id: "statement-run-stop", hidden: true, onclick: () => void stopStreamed() }, "Arrêter");
  const runStatus = statusLine("statement-run-status");
  mount(
    run,
    h("h3", {}, "Relevés de tous les adhérents réglés sur une période"),
    formError(),
    h("div", { class: "row" }, field("Du (jj/mm/aaaa)", "from"), field("Au (jj/mm/aaaa)", "to")),
    h("div", { class: "row" }, h("button", { type: "submit", id: "statement-run" }, "Choisir le dossier et lancer"), stop),
    bar,
  );
  onSubmit(run, async () => {
    const v = (n: string): string => (run.elements.namedItem(n) as HTMLInputElement).value;
    const folder = await open({ directory: true, title: "Dossier des relevés" });
    if (!folder || Array.isArray(folder)) return;
    bar.hidden = false;
    stop.hidden = false;
    try {
      const r = await callStreamed("statement_batch", { from: isoDate(v("from")), to: isoDate(v("to")), folder }, (p: BatchProgress) => {
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        runStatus.textContent = `${p.done} / ${p.total}`;
      });
      runStatus.textContent = r.cancelled
        ? `Arrêté : ${r.written} relevé(s) écrit(s) ; relancez pour terminer (les fichiers écrits sont gardés).`
        : `${r.written} relevé(s) écrit(s), ${r.skipped} déjà présent(s), index : ${r.index}`;
    } finally {
      stop.hidden = true;
    }
  });

  mount(
    content,
    h("h2", {}, "Décomptes"),
    canProduce ? pay : null,
    canProduce ? payStatus : null,
    member,
    memberStatus,
    canProduce ? run : null,
    canProduce ? runStatus : null,
  );
}
