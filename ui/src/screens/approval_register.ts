// Registering a prior approval or coverage request at the desk: the member,
// the beneficiary, the acts, the prescriber, the quotation and the pieces.
import { labelOf, RELATIONS } from "../labels";
import { call, ApiFailure } from "../api/client";
import type { Beneficiary, Chosen, FileInput, Piece, Request } from "../api/bindings";
import { field, formError, h, mount, onSubmit, select, showError, value } from "../dom";
import { pathField } from "../widgets";
import { isoDate } from "./dossier_form";
import { PIECES } from "./approval_words";

export async function registerPanel(panel: HTMLElement, go: (id: number) => void): Promise<void> {
  const providers = await call("provider_list", {});
  const form = h("form", { id: "approval-form", class: "card", autocomplete: "off" });
  const who = h("p", { id: "approval-member", class: "hint" }, "Tapez le matricule puis Entrée.");
  let beneficiaries: Beneficiary[] = [];
  const matricule = field("Matricule", "matricule");
  matricule.querySelector("input")?.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    try {
      const page = await call("member_get", { matricule: value(form, "matricule") });
      beneficiaries = page.beneficiaries;
      mount(
        who,
        `${page.member.last_name.toUpperCase()} ${page.member.first_name} — `,
        ...beneficiaries.map((b, i) =>
          h(
            "span",
            { class: "benef" },
            `${i + 1} = ${b.first_name} (${labelOf(RELATIONS, b.relation).toLowerCase()}) `,
          ),
        ),
      );
      showError(form, "");
      (form.elements.namedItem("beneficiary") as HTMLInputElement).focus();
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, "matricule");
    }
  });
  const pieces = h("div", { id: "approval-pieces" });
  const pieceRow = (piece: Piece, label: string): HTMLElement => {
    const row = pathField(label, `piece_${piece}`, label);
    if (piece === "medical_report")
      row.append(
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "confidential_medical_report", checked: true }),
          " pli confidentiel",
        ),
      );
    return row;
  };
  mount(pieces, ...PIECES.map(([p, l]) => pieceRow(p, l)));
  mount(
    form,
    h("h3", {}, "Nouvelle demande d'accord préalable ou de prise en charge"),
    formError(),
    h("div", { class: "row" }, matricule, field("Bénéficiaire n°", "beneficiary", { value: "1" })),
    who,
    h(
      "div",
      { class: "row" },
      select("Nature", "kind", [
        ["prior_approval", "Accord préalable"],
        ["coverage", "Prise en charge (tiers payant)"],
      ]),
      select("Envoyée par", "sent_by", [
        ["member", "L'adhérent"],
        ["provider", "Le prestataire"],
      ]),
    ),
    h(
      "div",
      { class: "row" },
      field("Code acte", "act_code"),
      field("Libellé", "act_label"),
      field("Séances", "sessions"),
      field("Mois", "months"),
    ),
    h(
      "div",
      { class: "row" },
      select("Prestataire conventionné", "provider_id", [
        ["", "—"],
        ...providers.map((p): [string, string] => [String(p.id), `${p.name} (${p.city})`]),
      ]),
      field("Prescripteur", "prescriber"),
    ),
    h(
      "div",
      { class: "row" },
      field("Soins prévus du (jj/mm/aaaa)", "expected_from"),
      field("au (jj/mm/aaaa)", "expected_to"),
      field("Montant du devis (DH)", "quotation"),
    ),
    h(
      "label",
      { class: "field" },
      h("span", {}, "Renseignements médicaux (lus par le médecin conseil seul)"),
      h("textarea", { name: "medical_info", id: "f-medical_info", rows: "2" }),
      h("small", { class: "field-error", "data-error-for": "medical_info" }),
    ),
    h("h4", {}, "Pièces"),
    pieces,
    h("small", { class: "field-error", "data-error-for": "files" }),
    h("button", { type: "submit", class: "primary", id: "approval-save" }, "Enregistrer la demande"),
  );
  onSubmit(form, async () => {
    const n = Number.parseInt(value(form, "beneficiary"), 10);
    const b = beneficiaries[n - 1];
    if (!b) {
      showError(
        form,
        beneficiaries.length === 0
          ? "Tapez d'abord le matricule puis Entrée."
          : `Bénéficiaire n° ${value(form, "beneficiary")} inconnu : de 1 à ${beneficiaries.length}.`,
        beneficiaries.length === 0 ? "matricule" : "beneficiary",
      );
      return;
    }
    const files: Chosen<FileInput>[] = [];
    for (const [p] of PIECES) {
      const path = value(form, `piece_${p}`).trim();
      if (path)
        files.push({
          file: path,
          piece: p,
          confidential:
            p === "medical_report" &&
            (form.elements.namedItem("confidential_medical_report") as HTMLInputElement).checked,
        });
    }
    const int = (name: string): number | null =>
      value(form, name).trim() ? Number.parseInt(value(form, name), 10) : null;
    const provider = value(form, "provider_id");
    const r = await call("approval_register", {
      kind: value(form, "kind") as Request["kind"],
      beneficiary_id: b.id,
      acts: [
        {
          act_code: value(form, "act_code"),
          label: value(form, "act_label"),
          quantity: 1,
          sessions: int("sessions") ?? undefined,
          months: int("months") ?? undefined,
        },
      ],
      provider_id: provider ? Number(provider) : undefined,
      prescriber: value(form, "prescriber"),
      sent_by: value(form, "sent_by") as Request["sent_by"],
      expected_from: isoDate(value(form, "expected_from")),
      expected_to: isoDate(value(form, "expected_to")),
      quotation: value(form, "quotation"),
      medical_info: (form.elements.namedItem("medical_info") as HTMLTextAreaElement).value || null,
      files,
    });
    go(r.id);
    const s = document.getElementById("request-status");
    if (s) s.textContent = `Demande ${r.number} enregistrée.`;
  });
  (form.elements.namedItem("matricule") as HTMLInputElement).focus();
  mount(panel, form);
}
