// A request's page: its facts, the grants with what is used and left, the
// medical side (the advisor only), the decision form, the complement, the
// letter and the receipt.
import { call } from "../api/client";
import type { Decision, Request, SessionInfo, Unit } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, select, statusLine, value } from "../dom";
import { PDF, grid, pathField, saveAs, savePdfButton } from "../widgets";
import { isoDate } from "./dossier_form";
import { PIECES, UNITS, isMedical, canRegister, grantCells, GRANT_HEADERS } from "./approval_words";

export async function requestPage(
  panel: HTMLElement,
  session: SessionInfo,
  id: number,
  back: () => void,
): Promise<void> {
  const r = await call("approval_get", { id });
  const status = statusLine("request-status");
  const letter = h(
    "button",
    { type: "button", id: "approval-letter", hidden: r.decided_at === null },
    "Enregistrer la lettre (PDF)…",
  );
  letter.addEventListener(
    "click",
    saveAs(
      status,
      { title: "Enregistrer la lettre", defaultPath: `${r.number}.pdf`, filters: PDF },
      (path) => call("approval_letter", { id: r.id, path }),
      (p) => `Lettre enregistrée : ${p}`,
    ),
  );
  const receipt = savePdfButton(
    "approval-receipt",
    "Accusé de réception (PDF)…",
    status,
    `accuse-${r.number}.pdf`,
    (path) => call("approval_receipt", { id: r.id, path }),
  );
  const medical =
    r.medical_info !== null || r.medical_note !== null
      ? h(
          "div",
          { class: "card medical", id: "request-medical" },
          h("h4", {}, "Médical (médecin conseil)"),
          r.medical_info ? h("p", {}, r.medical_info) : null,
          r.medical_note ? h("p", {}, `Note : ${r.medical_note}`) : null,
        )
      : r.confidential
        ? h(
            "p",
            { class: "hint", id: "request-confidential" },
            "Cette demande contient des éléments médicaux confidentiels, réservés au médecin conseil.",
          )
        : null;
  mount(
    panel,
    h("button", { type: "button", onclick: back }, "← Retour à la liste"),
    h("h3", { id: "request-title" }, `${r.kind_label} ${r.number}`),
    status,
    h(
      "dl",
      { class: "facts" },
      ...(
        [
          ["Statut", r.status_label],
          ["Adhérent", `${r.member_name} (${r.matricule})`],
          ["Bénéficiaire", r.beneficiary_name],
          ["Prestataire", r.provider_name ?? "—"],
          ["Prescripteur", r.prescriber],
          ["Soins prévus", `${frDate(r.expected_from)} – ${frDate(r.expected_to)}`],
          ["Devis", `${frMoney(r.quotation)} DH`],
          ["Reçue le", frDate(r.received_on)],
          [
            "Actes demandés",
            r.acts
              .map((a) => {
                const sessions = a.sessions ? ` · ${a.sessions} séances` : "";
                const named = a.label && a.label !== a.act_code ? `${a.label} (${a.act_code})` : a.act_code;
                return `${named}${sessions}${a.months ? ` · ${a.months} mois` : ""}`;
              })
              .join(", "),
          ],
          ["Motif", r.reason ?? ""],
          ["Pièces manquantes", r.missing.join(" ; ")],
          [
            "Complément attendu au plus tard le",
            r.status === "incomplet" && r.complement_due ? frDate(r.complement_due) : "",
          ],
          ["Conditions", r.conditions ?? ""],
        ] as [string, string][]
      )
        .filter(([, v]) => v !== "")
        .flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-fact": k }, v)]),
    ),
    medical,
    r.grants.length > 0
      ? grid(
          "request-grants",
          GRANT_HEADERS,
          r.grants.map((g) => h("tr", {}, ...grantCells(g, r.acts))),
        )
      : null,
    h("h4", {}, "Pièces"),
    h(
      "ul",
      { id: "request-files" },
      ...r.files.map((f) =>
        h(
          "li",
          {},
          `${PIECES.find(([p]) => p === f.piece)?.[1] ?? f.piece} — ` +
            `${f.file_name}${f.confidential ? " (pli confidentiel)" : ""}`,
        ),
      ),
    ),
    h("div", { class: "row" }, letter, receipt),
    isMedical(session) && !(r.status === "accorde" || r.status === "refuse")
      ? decisionForm(r, () => void requestPage(panel, session, id, back))
      : null,
    canRegister(session) && r.status === "incomplet"
      ? complementForm(r, () => void requestPage(panel, session, id, back))
      : null,
  );
}

function decisionForm(r: Request, reload: () => void): HTMLFormElement {
  const form = h("form", { id: "decision-form", class: "card", autocomplete: "off" });
  const first = r.acts[0];
  const grantFields = h(
    "div",
    { id: "grant-fields" },
    h(
      "div",
      { class: "row" },
      field("Code acte accordé", "grants[0].act_code", { value: first?.act_code ?? "" }),
      select("Unité", "grants[0].unit", UNITS, first?.months ? "months" : "sessions"),
      field("Nombre accordé", "grants[0].quantity", { value: String(first?.months ?? first?.sessions ?? "") }),
      field("ou montant accordé (DH)", "grants[0].amount"),
    ),
    h(
      "div",
      { class: "row" },
      field("Valable du (jj/mm/aaaa)", "grants[0].valid_from", { value: frDate(r.expected_from) }),
      field("au (jj/mm/aaaa)", "grants[0].valid_to", { value: frDate(r.expected_to) }),
    ),
    h(
      "div",
      { class: "row" },
      field("Tarif (par unité, DH)", "grants[0].tariff"),
      field("Part mutuelle (DH)", "grants[0].mutual_share"),
      field("Part adhérent (DH)", "grants[0].member_share"),
    ),
    field("Conditions", "conditions"),
  );
  const reasonFields = h(
    "div",
    { id: "reason-fields" },
    field("Motif (lu par le demandeur)", "reason"),
    field("Pièces manquantes (séparées par ;)", "missing"),
    field("Voie de recours (refus)", "appeal"),
  );
  const decision = select("Décision", "decision", [
    ["grant", "Accorder"],
    ["incomplete", "Incomplète : demander des pièces"],
    ["refuse", "Refuser"],
  ]);
  const sync = (): void => {
    const d = value(form, "decision");
    grantFields.hidden = d !== "grant";
    reasonFields.hidden = d === "grant";
  };
  decision.querySelector("select")?.addEventListener("change", sync);
  mount(
    form,
    h("h4", {}, "Décision du médecin conseil"),
    formError(),
    decision,
    grantFields,
    reasonFields,
    h(
      "label",
      { class: "field" },
      h("span", {}, "Note médicale (médecin conseil seul)"),
      h("textarea", { name: "medical_note", id: "f-medical_note", rows: "2" }),
    ),
    h("button", { type: "submit", class: "primary", id: "decision-save" }, "Enregistrer la décision"),
  );
  sync();
  onSubmit(form, async () => {
    const note = (form.elements.namedItem("medical_note") as HTMLTextAreaElement).value || null;
    const d = value(form, "decision");
    let body: Decision;
    if (d === "grant") {
      const unit = value(form, "grants[0].unit") as Unit;
      body = {
        type: "grant",
        grants: [
          {
            act_code: value(form, "grants[0].act_code"),
            unit,
            quantity:
              unit === "amount" ? undefined : Number.parseInt(value(form, "grants[0].quantity"), 10) || undefined,
            amount: unit === "amount" ? value(form, "grants[0].amount") : null,
            valid_from: isoDate(value(form, "grants[0].valid_from")),
            valid_to: isoDate(value(form, "grants[0].valid_to")),
            tariff: value(form, "grants[0].tariff"),
            mutual_share: value(form, "grants[0].mutual_share"),
            member_share: value(form, "grants[0].member_share"),
          },
        ],
        conditions: value(form, "conditions") || null,
        medical_note: note,
      };
    } else if (d === "incomplete") {
      body = {
        type: "incomplete",
        reason: value(form, "reason"),
        missing: value(form, "missing")
          .split(";")
          .map((s) => s.trim())
          .filter((s) => s),
        medical_note: note,
      };
    } else {
      body = {
        type: "refuse",
        reason: value(form, "reason"),
        appeal: value(form, "appeal") || null,
        medical_note: note,
      };
    }
    await call("approval_decide", { id: r.id, version: r.version, decision: body });
    reload();
  });
  return form;
}

function complementForm(r: Request, reload: () => void): HTMLFormElement {
  const form = h("form", { id: "complement-form", class: "card", autocomplete: "off" });
  mount(
    form,
    h("h4", {}, "Complément reçu"),
    formError(),
    pathField("Pièce reçue", "complement", "Pièce complémentaire"),
    h("small", { class: "field-error", "data-error-for": "files" }),
    h("button", { type: "submit", class: "primary" }, "Joindre et renvoyer au médecin conseil"),
  );
  onSubmit(form, async () => {
    await call("approval_complement", {
      id: r.id,
      version: r.version,
      files: [{ file: value(form, "complement"), piece: "other" }],
    });
    reload();
  });
  return form;
}
