// The dossier page, assembled from its parts: identity and status, the
// moves open to the caller, what the member sees, the medical side, the
// checklist, the care lines and liquidation, the scans and the history.
// What the caller may do comes from the core (`page.can`).
import { labelOf } from "../../labels";
import { call } from "../../api/client";
import type { DossierPage } from "../../api/bindings";
import { frDate, frMoney, h, mount, statusLine, unbroken } from "../../dom";
import { KINDS } from "../dossier_form";
import { liquidationPanel } from "../liquidation";
import { PDF, saveAs } from "../../widgets";
import { checklistPart } from "./checklist";
import { historyPart } from "./history";
import { medicalPart } from "./medical";
import { movesPart } from "./moves";
import { scansPart } from "./scans";

/** The dossier page; `back` returns to where the processor came from. */
export async function dossierPage(panel: HTMLElement, id: number, back: () => void): Promise<void> {
  const p: DossierPage = await call("dossier_get", { id });
  const d = p.dossier;
  const reload = (): Promise<void> => dossierPage(panel, id, back);
  const status = statusLine("dossier-status");

  const facts = h(
    "dl",
    { class: "facts", id: "dossier-facts" },
    ...(
      [
        ["Feuille de soins", d.form_number],
        ["Adhérent", `${d.member_name} — matricule ${d.matricule}`],
        ["Bénéficiaire", d.beneficiary_name],
        ["Nature", labelOf(KINDS, d.kind)],
        ["Premier acte", frDate(d.first_act_date)],
        ["Total des frais engagés", `${frMoney(d.total_claimed)} DH`],
        ["Pièces", String(d.pieces)],
        ["Reçu le", frDate(d.received_on)],
        [
          "Arrivée",
          d.scanned_on
            ? `scan du ${frDate(d.scanned_on)}` +
              (d.original_received_on ? `, original reçu le ${frDate(d.original_received_on)}` : ", original attendu")
            : `urne ${d.urn_name ?? ""}`,
        ],
        ["Fin de validité", frDate(d.validity_end)],
        ["Date limite de l'original", d.scanned_on ? frDate(d.original_deadline) : "—"],
        ["Gestionnaire", d.assigned_name ?? "—"],
      ] as [string, string][]
    ).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
  const statusBox = h(
    "p",
    { id: "dossier-status-badge" },
    h("span", { class: `badge ${d.status}` }, d.status_label),
    d.late ? h("span", { class: "badge late" }, "hors délai") : null,
    d.reason ? h("span", { id: "dossier-reason" }, ` — ${d.reason}`) : null,
    d.checklist_override
      ? h("span", { class: "hint" }, ` (complet malgré des pièces manquantes : ${d.checklist_override})`)
      : null,
  );

  const { actions, moveForm } = await movesPart(p, status, reload);
  const receipt = h("button", { type: "button", id: "dossier-receipt" }, "Accusé de réception (PDF)");
  receipt.addEventListener(
    "click",
    saveAs(
      status,
      { title: "Enregistrer l'accusé de réception", defaultPath: `accuse-${d.form_number}.pdf`, filters: PDF },
      (path) => call("dossier_receipt", { id: d.id, path }),
      (p) => `Accusé de réception enregistré : ${p}`,
    ),
  );
  actions.append(receipt, h("button", { type: "button", onclick: back }, "Retour à la file"));

  const portal = h(
    "div",
    { class: "portal", id: "member-view" },
    h("strong", {}, "Ce que l'adhérent voit : "),
    `${p.member_view.status}`,
    p.member_view.reason ? h("p", {}, ...unbroken(p.member_view.reason)) : null,
    p.member_view.missing.length ? h("ul", {}, ...p.member_view.missing.map((m) => h("li", {}, m))) : null,
    p.member_view.how_to_complete ? h("p", { class: "hint" }, ...unbroken(p.member_view.how_to_complete)) : null,
    p.member_view.original_expected
      ? h("p", { class: "hint", id: "member-view-original" }, p.member_view.original_expected)
      : null,
  );

  const liquidation = h("div", { id: "liquidation" });
  // Always in reach, however far down the page: the moves, the primary action and what they did.
  const bar = h("div", { class: "action-bar", id: "dossier-actions" }, moveForm, actions, status);
  if (p.can.show_care_lines) void liquidationPanel(liquidation, { actions, status }, p.can, d, reload);
  const payNext = p.can.pay
    ? h("p", { class: "hint", id: "dossier-pay-next" }, "Liquidé : le prochain lot de paiement le réglera (Décomptes).")
    : null;
  mount(
    panel,
    h("h3", { id: "dossier-title" }, `Dossier ${d.form_number}`),
    statusBox,
    payNext,
    facts,
    portal,
    medicalPart(p, status),
    checklistPart(p, reload),
    // Seen before liquidating, and printed on the statement.
    p.declared_difference && p.can.show_care_lines
      ? h("p", { class: "form-error", id: "declared-difference", role: "status" }, p.declared_difference)
      : null,
    liquidation,
    ...scansPart(p, status),
    h("h3", {}, "Historique"),
    await historyPart(p),
    bar,
  );
}
