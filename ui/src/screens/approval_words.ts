// The words and pieces the screens of « Accords et prises en charge » share:
// statuses, pieces, units, who may do what (the core decides; the window only
// leaves out forms a role could not use), and a grant's cells.
import type { Grant, Piece, RequestedAct, SessionInfo, Unit } from "../api/bindings";
import { frDate, frMoney, h } from "../dom";
import { can } from "../session";

export const STATUS_OPTIONS: [string, string][] = [
  ["", "Tous les statuts"],
  ["en_attente", "En attente de l'avis du médecin conseil"],
  ["incomplet", "Incomplètes : pièces à fournir"],
  ["accorde", "Accordées"],
  ["refuse", "Refusées"],
];

export const PIECES: [Piece, string][] = [
  ["cnie", "Copie de la CNIE (obligatoire)"],
  ["badge", "Copie du badge (obligatoire)"],
  ["prescription", "Prescription médicale"],
  ["quotation", "Devis"],
  ["medical_report", "Rapport médical"],
  ["other", "Autre pièce"],
];

export const UNITS: [Unit, string][] = [
  ["sessions", "Séances"],
  ["months", "Mois"],
  ["amount", "Montant"],
];

export function isMedical(session: SessionInfo): boolean {
  return can(session, "medical_review");
}

export function canRegister(session: SessionInfo): boolean {
  return can(session, "approvals_register");
}

/** A grant's counts with their unit (« 9 séances », « 10 mois », « 1 500,00 DH »). */
export function counted(g: Grant, n: number): string {
  if (g.unit === "amount") return `${frMoney(n)} DH`;
  if (g.unit === "months") return `${n} mois`;
  return `${n} séance${n > 1 ? "s" : ""}`;
}

/** A grant's cells; its act named in words when the request says them (`Psychomotricité (PSYMOT)`). */
export function grantCells(g: Grant, acts: RequestedAct[] = []): HTMLElement[] {
  const label = acts.find((a) => a.act_code === g.act_code)?.label;
  return [
    h("td", {}, label && label !== g.act_code ? `${label} (${g.act_code})` : g.act_code),
    h("td", { class: "nowrap" }, `${frDate(g.valid_from)} – ${frDate(g.valid_to)}`),
    h("td", { class: "num" }, counted(g, g.granted)),
    h("td", { class: "num" }, counted(g, g.used)),
    h("td", { class: "left num" }, counted(g, g.left)),
    h("td", { class: "num" }, `${frMoney(g.mutual_share)} / ${frMoney(g.member_share)}`),
  ];
}

export const GRANT_HEADERS = ["Acte", "Validité", "Accordé", "Utilisé", "Reste", "Part mutuelle / adhérent (DH)"];
