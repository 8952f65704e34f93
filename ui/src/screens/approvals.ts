// Accords et prises en charge: register a request (reception, claims), the
// medical advisor's queue, the request page with the decision form and the
// letter, approvals in force per member with what is used and left, what
// expires within a month, chronic-illness declarations, and the journal of
// medical reads. Who may decide or read medical details is the core's rule;
// the window only leaves out forms a role could not use.
import { labelOf, RELATIONS } from "../labels";
import { call, ApiFailure } from "../api/client";
import type {
  Beneficiary,
  Decision,
  FileInput,
  Grant,
  Piece,
  Request,
  RequestRow,
  RequestedAct,
  RequestStatus,
  SessionInfo,
  Unit,
} from "../api/bindings";
import {
  field,
  formError,
  frDate,
  frMoney,
  h,
  mount,
  onSubmit,
  select,
  showError,
  statusLine,
  tabs,
  value,
} from "../dom";
import { PDF, grid, pathField, saveAs, savePdfButton } from "../widgets";
import { isoDate } from "./dossier_form";
import { can } from "../session";

const STATUS_OPTIONS: [string, string][] = [
  ["", "Tous les statuts"],
  ["en_attente", "En attente de l'avis du médecin conseil"],
  ["incomplet", "Incomplètes : pièces à fournir"],
  ["accorde", "Accordées"],
  ["refuse", "Refusées"],
];

const PIECES: [Piece, string][] = [
  ["cnie", "Copie de la CNIE (obligatoire)"],
  ["badge", "Copie du badge (obligatoire)"],
  ["prescription", "Prescription médicale"],
  ["quotation", "Devis"],
  ["medical_report", "Rapport médical"],
  ["other", "Autre pièce"],
];

const UNITS: [Unit, string][] = [
  ["sessions", "Séances"],
  ["months", "Mois"],
  ["amount", "Montant"],
];

function isMedical(session: SessionInfo): boolean {
  return can(session, "medical_review");
}

function canRegister(session: SessionInfo): boolean {
  return can(session, "approvals_register");
}

export function approvalsSection(content: HTMLElement, session: SessionInfo): void {
  const panel = h("div", { class: "panel" });
  const show = (id: number): void =>
    void requestPage(panel, session, id, () => void listPanel(panel, session, {}, show));
  const list: [string, string, () => void][] = [];
  if (isMedical(session))
    list.push([
      "medical-queue",
      "File du médecin conseil",
      () => void listPanel(panel, session, { status: "en_attente" }, show),
    ]);
  list.push(["requests", "Demandes", () => void listPanel(panel, session, {}, show)]);
  if (canRegister(session)) list.push(["register", "Nouvelle demande", () => void registerPanel(panel, show)]);
  list.push(["member-approvals", "Accords d'un adhérent", () => memberPanel(panel, show)]);
  list.push(["expiring", "Échéances", () => void expiringPanel(panel, session)]);
  if (isMedical(session)) list.push(["medical-reads", "Lectures médicales", () => void readsPanel(panel)]);
  const bar = tabs(list);
  mount(content, h("h2", {}, "Accords et prises en charge"), bar, panel);
  (bar.firstElementChild as HTMLButtonElement).click();
}

async function listPanel(
  panel: HTMLElement,
  session: SessionInfo,
  filter: { status?: RequestStatus },
  openRequest?: (id: number) => void,
): Promise<void> {
  const go =
    openRequest ?? ((id: number) => void requestPage(panel, session, id, () => void listPanel(panel, session, filter)));
  const rows = await call("approval_list", filter);
  const statusSelect = select("Statut", "status", STATUS_OPTIONS, filter.status ?? "");
  statusSelect.querySelector("select")?.addEventListener("change", (ev) => {
    const s = (ev.target as HTMLSelectElement).value;
    void listPanel(panel, session, s ? { status: s as RequestStatus } : {}, openRequest);
  });
  mount(
    panel,
    h("div", { class: "row" }, statusSelect),
    requestTable("approval-list", rows, go),
    rows.length === 0
      ? h(
          "p",
          { class: "hint" },
          filter.status === "en_attente" ? "Aucune demande n'attend l'avis du médecin conseil." : "Aucune demande.",
        )
      : null,
  );
}

function requestTable(id: string, rows: RequestRow[], go: (id: number) => void): HTMLTableElement {
  return grid(
    id,
    ["N°", "Nature", "Adhérent", "Bénéficiaire", "Prestataire", "Reçue le", "Attente (j)", "Statut"],
    rows.map((r) =>
      h(
        "tr",
        {
          class: "clickable",
          tabindex: "0",
          "data-id": String(r.id),
          onclick: () => go(r.id),
          onkeydown: (ev: Event) => (ev as KeyboardEvent).key === "Enter" && go(r.id),
        },
        h("td", {}, r.number),
        h("td", {}, r.kind_label),
        h("td", {}, `${r.member_name} (${r.matricule})`),
        h("td", {}, r.beneficiary_name),
        h("td", {}, r.provider_name ?? ""),
        h("td", {}, frDate(r.received_on)),
        h("td", {}, String(r.waiting_days)),
        h("td", {}, r.status_label + (r.confidential ? " · pli confidentiel" : "")),
      ),
    ),
  );
}

async function registerPanel(panel: HTMLElement, go: (id: number) => void): Promise<void> {
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
    const files: FileInput[] = [];
    for (const [p] of PIECES) {
      const path = value(form, `piece_${p}`).trim();
      if (path)
        files.push({
          path,
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

/** A grant's counts with their unit (« 9 séances », « 10 mois », « 1 500,00 DH »). */
function counted(g: Grant, n: number): string {
  if (g.unit === "amount") return `${frMoney(n)} DH`;
  if (g.unit === "months") return `${n} mois`;
  return `${n} séance${n > 1 ? "s" : ""}`;
}

/** A grant's cells; its act named in words when the request says them (`Psychomotricité (PSYMOT)`). */
function grantCells(g: Grant, acts: RequestedAct[] = []): HTMLElement[] {
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

const GRANT_HEADERS = ["Acte", "Validité", "Accordé", "Utilisé", "Reste", "Part mutuelle / adhérent (DH)"];

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
      files: [{ path: value(form, "complement"), piece: "other" }],
    });
    reload();
  });
  return form;
}

function memberPanel(panel: HTMLElement, go: (id: number) => void): void {
  const form = h("form", { id: "member-approvals-form", class: "row", autocomplete: "off" });
  const out = h("div", { id: "member-approvals" });
  mount(form, field("Matricule", "matricule"), formError(), h("button", { type: "submit" }, "Afficher"));
  onSubmit(form, async () => {
    const page = await call("member_get", { matricule: value(form, "matricule") });
    const list = await call("approvals_of_member", { id: page.member.id });
    showError(form, "");
    const today = new Date().toISOString().slice(0, 10);
    const inForce = list.filter((r) => r.status === "accorde" && r.grants.some((g) => g.valid_to >= today));
    mount(
      out,
      h("h4", {}, `Accords en vigueur — ${page.member.last_name.toUpperCase()} ${page.member.first_name}`),
      inForce.length === 0
        ? h("p", { class: "hint" }, "Aucun accord en vigueur.")
        : grid(
            "in-force",
            ["N°", "Bénéficiaire", ...GRANT_HEADERS],
            inForce.flatMap((r) =>
              r.grants.map((g) =>
                h("tr", {}, h("td", {}, r.number), h("td", {}, r.beneficiary_name), ...grantCells(g, r.acts)),
              ),
            ),
          ),
      h("h4", {}, "Toutes ses demandes"),
      requestTable(
        "member-requests",
        list.map((r) => ({ ...r, waiting_days: 0, provider_name: r.provider_name })),
        go,
      ),
    );
  });
  mount(panel, form, out);
  (form.elements.namedItem("matricule") as HTMLInputElement).focus();
}

async function expiringPanel(panel: HTMLElement, session: SessionInfo): Promise<void> {
  // Who has a chronic illness is health data: claims and medical roles only (the core refuses the others).
  const seesChronic = session.permissions.includes("chronic_read");
  const [approvals, coverages, chronic] = await Promise.all([
    call("approvals_expiring", {}),
    call("fund_coverages_expiring", {}),
    seesChronic ? call("chronic_expiring", {}) : Promise.resolve(null),
  ]);
  const declare = isMedical(session) ? chronicForm(() => void expiringPanel(panel, session)) : null;
  mount(
    panel,
    h("h4", {}, "Accords arrivant à échéance dans les 30 jours (renouvellement à demander)"),
    approvals.length === 0
      ? h("p", { class: "hint" }, "Aucun accord n'arrive à échéance dans les 30 jours.")
      : grid(
          "expiring-approvals",
          ["N°", "Adhérent", "Bénéficiaire", ...GRANT_HEADERS],
          approvals.map((e) =>
            h(
              "tr",
              {},
              h("td", {}, e.number),
              h("td", {}, `${e.member_name} (${e.matricule})`),
              h("td", {}, e.beneficiary_name),
              ...grantCells(e.grant),
            ),
          ),
        ),
    h(
      "h4",
      {},
      "Prises en charge de la caisse AMO arrivant à échéance dans les 30 jours (renouvellement un mois avant)",
    ),
    coverages.length === 0
      ? h("p", { class: "hint" }, "Aucune prise en charge de la caisse n'arrive à échéance dans les 30 jours.")
      : grid(
          "expiring-fund-coverages",
          ["N°", "Adhérent", "Bénéficiaire", "Code", "Prestataire", "Accordé", "Utilisé", "Fin"],
          coverages.map(({ coverage: c, member_name, matricule }) =>
            h(
              "tr",
              {},
              h("td", {}, c.number),
              h("td", {}, `${member_name} (${matricule})`),
              h("td", {}, c.beneficiary_name),
              h("td", {}, c.fund_act),
              h("td", {}, c.provider),
              h("td", {}, `${c.quantity} ${c.unit === "months" ? "mois" : "séances"}`),
              h("td", {}, String(c.used)),
              h("td", {}, frDate(c.valid_to)),
            ),
          ),
        ),
    chronic === null ? null : h("h4", {}, "Maladies chroniques (ALD/ALC) à renouveler dans les 30 jours"),
    chronic === null
      ? null
      : chronic.length === 0
        ? h("p", { class: "hint" }, "Aucune déclaration n'arrive à échéance.")
        : grid(
            "expiring-chronic",
            ["Adhérent", "Bénéficiaire", "Pathologie", "N° d'exonération", "Groupes de soins", "Fin"],
            chronic.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, `${c.member_name} (${c.matricule})`),
                h("td", {}, c.beneficiary_name),
                h("td", {}, c.declaration.condition ?? "confidentiel"),
                h("td", {}, c.declaration.exemption_number ?? ""),
                h("td", {}, c.declaration.families.join(", ")),
                h("td", {}, frDate(c.declaration.end_date)),
              ),
            ),
          ),
    declare,
  );
}

function chronicForm(reload: () => void): HTMLFormElement {
  const form = h("form", { id: "chronic-form", class: "card", autocomplete: "off" });
  let beneficiaries: Beneficiary[] = [];
  mount(
    form,
    h("h4", {}, "Déclarer ou renouveler une maladie chronique (valable 6 mois)"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Matricule", "matricule"),
      field("Bénéficiaire n° (1 = lui-même)", "beneficiary", { value: "1" }),
    ),
    h(
      "div",
      { class: "row" },
      field("Pathologie", "condition"),
      field("N° d'exonération de la caisse", "exemption_number"),
      field("Groupes de soins liés (séparés par ,)", "families"),
      field("À partir du (jj/mm/aaaa)", "start_date"),
    ),
    h("button", { type: "submit", class: "primary" }, "Déclarer"),
  );
  onSubmit(form, async () => {
    const page = await call("member_get", { matricule: value(form, "matricule") });
    beneficiaries = page.beneficiaries;
    const b = beneficiaries[Number.parseInt(value(form, "beneficiary"), 10) - 1];
    if (!b) {
      showError(form, `Bénéficiaire inconnu : de 1 à ${beneficiaries.length}.`, "beneficiary");
      return;
    }
    await call("chronic_declare", {
      beneficiary_id: b.id,
      condition: value(form, "condition"),
      exemption_number: value(form, "exemption_number"),
      families: value(form, "families").split(","),
      start_date: isoDate(value(form, "start_date")),
    });
    reload();
  });
  return form;
}

async function readsPanel(panel: HTMLElement): Promise<void> {
  const reads = await call("medical_reads", {});
  mount(
    panel,
    h("p", { class: "hint" }, "Chaque lecture d'un détail médical : qui, quoi, quand."),
    grid(
      "medical-reads",
      ["Quand", "Qui", "Quoi", "Objet"],
      reads.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, new Date(e.at).toLocaleString("fr-FR")),
          h("td", {}, e.actor),
          h("td", {}, String((e.after as { what?: string } | null)?.what ?? "")),
          h("td", {}, `${e.entity_type} ${e.entity_id ?? ""}`),
        ),
      ),
    ),
  );
}

/** Administration: the partner providers coverage letters are addressed to. */
export async function providersPanel(panel: HTMLElement): Promise<void> {
  const list = await call("provider_list", { all: true });
  const form = h("form", { id: "provider-form", class: "card inline", autocomplete: "off" });
  mount(
    form,
    h("h3", {}, "Nouveau prestataire conventionné"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Nom", "name"),
      field("Type (clinique, laboratoire, centre…)", "kind"),
      field("Ville", "city"),
    ),
    h("div", { class: "row" }, field("Adresse", "address"), field("Convention n°", "agreement")),
    h("button", { type: "submit", class: "primary" }, "Ajouter le prestataire"),
  );
  onSubmit(form, async () => {
    await call("provider_save", {
      name: value(form, "name"),
      kind: value(form, "kind"),
      city: value(form, "city"),
      address: value(form, "address"),
      agreement: value(form, "agreement"),
    });
    await providersPanel(panel);
  });
  const rows = list.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, p.name),
      h("td", {}, p.kind),
      h("td", {}, p.city),
      h("td", {}, p.agreement),
      h("td", {}, p.active ? "Conventionné" : "Plus conventionné"),
      h(
        "td",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              await call("provider_save", { ...p, active: !p.active });
              await providersPanel(panel);
            },
          },
          p.active ? "Désactiver" : "Réactiver",
        ),
      ),
    ),
  );
  mount(panel, form, grid("providers", ["Prestataire", "Type", "Ville", "Convention", "État", ""], rows));
}
