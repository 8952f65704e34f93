// Member update requests (recorded by one agent, validated or refused by
// another: four eyes, enforced in the core) and the member's view, what the
// phone desk reads aloud: the member's portal, in its words.
import { open } from "../api/dialogs";
import { call, ApiFailure } from "../api/client";
import type {
  Beneficiary,
  Member,
  PortalView,
  Relation,
  UpdateChange,
  UpdatePiece,
  UpdateRequest,
} from "../api/bindings";
import { field, formError, h, localTime, mount, onSubmit, select, statusLine, value } from "../dom";
import { grid, pathField, savePdfButton } from "../widgets";
import { isoDate } from "./dossier_form";

const KINDS: [UpdateChange["kind"], string][] = [
  ["rib", "Compte bancaire (RIB)"],
  ["email", "Adresse e-mail"],
  ["gsm", "GSM"],
  ["address", "Adresse"],
  ["beneficiary_add", "Nouveau bénéficiaire (naissance, mariage)"],
  ["beneficiary_end", "Fin de couverture d'un bénéficiaire"],
];

const PIECES: [UpdatePiece, string][] = [
  ["bank_certificate", "Attestation de RIB"],
  ["birth_certificate", "Acte de naissance"],
  ["marriage_certificate", "Acte de mariage"],
  ["cnie", "Copie de la CNIE"],
  ["badge", "Copie du badge"],
  ["other", "Autre pièce"],
];

/** The form that records a request for member `m`; `done` reloads his page. */
export function updateRequestForm(
  m: Member,
  beneficiaries: Beneficiary[],
  done: (message: string) => void,
): HTMLFormElement {
  const form = h("form", { id: "update-form", class: "card inline", autocomplete: "off" });
  const specific = h("div", { id: "update-fields" });
  const kind = select("Demande", "kind", KINDS, "rib");
  const pieceField = pathField("Pièce justificative", "piece_path");
  const pieceKind = select("Nature de la pièce", "piece", PIECES, "bank_certificate");
  // FAQ question 9: the copies of the CNIE and badge come with a request the
  // member sends (the core refuses it without them; an employer is exempt).
  const identity = h(
    "div",
    { class: "row", id: "update-identity" },
    pathField("Copie de la CNIE", "cnie_path"),
    pathField("Copie du badge", "badge_path"),
  );
  const sync = (): void => {
    const k = value(form, "kind") as UpdateChange["kind"];
    const others = beneficiaries.filter((b) => b.relation !== "lui_meme");
    const fields: Record<UpdateChange["kind"], HTMLElement[]> = {
      rib: [field("Nouveau RIB (24 chiffres)", "change.rib", { size: 30 })],
      email: [field("Nouvelle adresse e-mail", "change.email")],
      gsm: [field("Nouveau GSM", "change.gsm")],
      address: [field("Nouvelle adresse", "change.address")],
      beneficiary_add: [
        select(
          "Lien",
          "change.beneficiary.relation",
          [
            ["enfant", "Enfant"],
            ["conjoint", "Conjoint"],
          ],
          "enfant",
        ),
        field("Nom", "change.beneficiary.last_name", { value: m.last_name }),
        field("Prénom", "change.beneficiary.first_name"),
        field("Né(e) le (jj/mm/aaaa)", "change.beneficiary.birth_date"),
      ],
      beneficiary_end: [
        select(
          "Bénéficiaire",
          "change.beneficiary_id",
          others.map((b): [string, string] => [String(b.id), `${b.first_name} ${b.last_name}`]),
        ),
        field("Fin de couverture le (jj/mm/aaaa)", "change.end_date"),
      ],
    };
    mount(specific, h("div", { class: "row" }, ...fields[k]));
    const s = form.elements.namedItem("piece") as HTMLSelectElement | null;
    if (s) s.value = k === "rib" ? "bank_certificate" : k === "beneficiary_add" ? "birth_certificate" : "other";
  };
  kind.querySelector("select")?.addEventListener("change", sync);
  mount(
    form,
    h("h3", {}, "Demande de modification"),
    formError(),
    h(
      "div",
      { class: "row" },
      kind,
      select("Reçue", "channel", [
        ["desk", "au guichet"],
        ["email", "par e-mail"],
        ["employer", "par l'employeur"],
      ]),
    ),
    specific,
    h("div", { class: "row" }, pieceKind, pieceField),
    identity,
    h("small", { class: "field-error", "data-error-for": "files" }),
    h("p", { class: "hint" }, "Rien ne change avant qu'un autre agent valide la demande."),
    h("button", { type: "submit", class: "primary", id: "update-save" }, "Enregistrer la demande"),
  );
  sync();
  onSubmit(form, async () => {
    const k = value(form, "kind") as UpdateChange["kind"];
    let change: UpdateChange;
    if (k === "rib") change = { kind: "rib", rib: value(form, "change.rib") };
    else if (k === "email") change = { kind: "email", email: value(form, "change.email") };
    else if (k === "gsm") change = { kind: "gsm", gsm: value(form, "change.gsm") };
    else if (k === "address") change = { kind: "address", address: value(form, "change.address") };
    else if (k === "beneficiary_add") {
      const birth = value(form, "change.beneficiary.birth_date");
      change = {
        kind: "beneficiary_add",
        beneficiary: {
          relation: value(form, "change.beneficiary.relation") as Relation,
          last_name: value(form, "change.beneficiary.last_name"),
          first_name: value(form, "change.beneficiary.first_name"),
          birth_date: birth ? isoDate(birth) : null,
        },
      };
    } else
      change = {
        kind: "beneficiary_end",
        beneficiary_id: Number(value(form, "change.beneficiary_id")),
        end_date: isoDate(value(form, "change.end_date")),
      };
    const path = value(form, "piece_path").trim();
    const files: { file: string; piece: UpdatePiece }[] = path
      ? [{ file: path, piece: value(form, "piece") as UpdatePiece }]
      : [];
    for (const [name, piece] of [
      ["cnie_path", "cnie"],
      ["badge_path", "badge"],
    ] as const) {
      const p = value(form, name).trim();
      if (p) files.push({ file: p, piece });
    }
    const r = await call("member_update_record", {
      member_id: m.id,
      change,
      channel: value(form, "channel") as UpdateRequest["channel"],
      files,
    });
    done(`Demande enregistrée (${r.summary}) : en attente de validation par un autre agent.`);
  });
  return form;
}

/**
 * Requests with their validate / refuse buttons; `reload` after a decision.
 * `decider` is the staff member who may decide (his username), or null: the
 * requests he recorded himself are not offered to him (the core refuses them
 * anyway, `auth::four_eyes`).
 */
export function requestsTable(
  id: string,
  list: UpdateRequest[],
  decider: string | null,
  reload: (message: string) => void,
): HTMLElement {
  const status = statusLine(`${id}-status`);
  const rows = list.map((r) => {
    const canDecide = decider !== null && r.created_by !== decider;
    const reason = h("input", { name: "reason", "aria-label": "Motif du refus", placeholder: "Motif du refus" });
    const decide = async (decision: "validate" | "refuse"): Promise<void> => {
      try {
        const d = await call("member_update_decide", {
          id: r.id,
          version: r.version,
          decision: decision === "validate" ? { type: "validate" } : { type: "refuse", reason: reason.value },
        });
        reload(`${d.kind_label} : ${d.status_label.toLowerCase()}.`);
      } catch (e) {
        if (e instanceof ApiFailure) status.textContent = e.message;
      }
    };
    // A request that came without its piece (a RIB from an employer's roster):
    // the bank certificate is joined here; whoever joins it does not validate it.
    const attach = async (): Promise<void> => {
      const picked = await open({
        title: "Pièce justificative",
        filters: [{ name: "PDF, JPG, PNG", extensions: ["pdf", "jpg", "jpeg", "png"] }],
      });
      if (typeof picked !== "string") return;
      const piece: UpdatePiece =
        r.change.kind === "rib"
          ? "bank_certificate"
          : r.change.kind === "beneficiary_add"
            ? "birth_certificate"
            : "other";
      try {
        const d = await call("member_update_attach", {
          id: r.id,
          version: r.version,
          files: [{ file: picked, piece }],
        });
        reload(`${d.kind_label} : pièce jointe ; un autre agent la validera.`);
      } catch (e) {
        if (e instanceof ApiFailure) status.textContent = e.message;
      }
    };
    return h(
      "tr",
      { "data-request": String(r.id) },
      h("td", {}, localTime(r.created_at)),
      h("td", {}, `${r.member_name} (${r.matricule})`),
      h("td", {}, r.summary),
      h("td", {}, r.files.map((f) => f.file_name).join(", ")),
      h("td", {}, r.created_by),
      h("td", {}, r.status_label + (r.reason ? ` — ${r.reason}` : "")),
      h(
        "td",
        { class: "actions" },
        canDecide && r.status === "en_attente"
          ? h("button", { type: "button", class: "validate", onclick: () => void decide("validate") }, "Valider")
          : null,
        canDecide && r.status === "en_attente" ? reason : null,
        canDecide && r.status === "en_attente"
          ? h("button", { type: "button", class: "refuse", onclick: () => void decide("refuse") }, "Refuser")
          : null,
        canDecide && r.status === "en_attente"
          ? h("button", { type: "button", class: "attach", onclick: () => void attach() }, "Joindre une pièce…")
          : null,
        decider !== null && !canDecide && r.status === "en_attente"
          ? h("span", { class: "hint four-eyes" }, "Enregistrée par vous : un autre agent la valide.")
          : null,
        savePdfButton(`update-receipt-${r.id}`, "Accusé de réception…", status, `accuse-demande-${r.id}.pdf`, (path) =>
          call("member_update_receipt", { id: r.id, path }),
        ),
      ),
    );
  });
  return h("div", {}, status, grid(id, ["Reçue", "Adhérent", "Demande", "Pièces", "Par", "Statut", ""], rows));
}

/** The pending requests of every member, oldest first. */
export async function pendingPanel(
  content: HTMLElement,
  decider: string | null,
  back: () => void,
  message = "",
): Promise<void> {
  const list = await call("member_update_list", {});
  mount(
    content,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", id: "pending-back", onclick: back }, "← Adhérents"),
      h("h2", {}, "Demandes de modification à valider"),
    ),
    message ? h("p", { class: "status-line", role: "status" }, message) : null,
    list.length === 0
      ? h("p", { class: "hint" }, "Aucune demande en attente.")
      : requestsTable("pending-updates", list, decider, (m) => void pendingPanel(content, decider, back, m)),
  );
}

/** What the member's portal shows, in its words: read aloud on the phone. */
export function memberView(v: PortalView): HTMLElement {
  const i = v.identity;
  const dl = (pairs: [string, string | null | undefined][]): HTMLDListElement =>
    h("dl", { class: "facts" }, ...pairs.flatMap(([k, val]) => [h("dt", {}, k), h("dd", {}, val || "—")]));
  return h(
    "div",
    { id: "member-view", class: "portal" },
    h("h3", {}, `Espace adhérent — ${i.name} (${i.matricule})`),
    dl([
      ["Situation", i.status],
      ["Employeur", i.employer],
      ["Adresse", i.address],
      ["GSM", i.gsm],
      ["E-mail", i.email],
      ["RIB", i.rib],
    ]),
    h("h4", {}, "Bénéficiaires"),
    grid(
      "view-beneficiaries",
      ["N°", "Nom", "Lien", "Naissance", "Couverture"],
      v.beneficiaries.map((b) =>
        h(
          "tr",
          {},
          h("td", {}, String(b.number)),
          h("td", {}, b.name),
          h("td", {}, b.relation),
          h("td", {}, b.birth_date ?? ""),
          h("td", {}, b.coverage),
        ),
      ),
    ),
    h("h4", {}, "Dossiers"),
    v.dossiers.length === 0
      ? h("p", { class: "hint" }, "Aucun dossier.")
      : grid(
          "view-dossiers",
          [
            "Feuille",
            "Nature",
            "Bénéficiaire",
            "Reçu le",
            "Montant",
            "Statut",
            "Qui paie quoi",
            "Motif et pièces à envoyer",
          ],
          v.dossiers.map((d) =>
            h(
              "tr",
              {},
              h("td", {}, d.form_number),
              h("td", {}, d.kind),
              h("td", {}, d.beneficiary),
              h("td", {}, d.received_on),
              h("td", {}, d.claimed),
              h("td", { class: "status" }, d.paid ? `${d.status} — ${d.paid}` : d.status),
              h("td", { class: "parts" }, d.parts.join(" · ")),
              h(
                "td",
                {},
                [
                  d.reason,
                  d.missing.length ? `À envoyer : ${d.missing.join(" ; ")}` : null,
                  d.how_to_complete,
                  d.original_expected,
                ]
                  .filter((x) => x)
                  .join(" "),
              ),
            ),
          ),
        ),
    h("h4", {}, "Décomptes disponibles"),
    v.statements.length === 0
      ? h("p", { class: "hint" }, "Aucun décompte.")
      : grid(
          "view-statements",
          ["Décompte", "Feuille", "Réglé le", "Montant", "Virement"],
          v.statements.map((s) =>
            h(
              "tr",
              {},
              h("td", {}, s.number),
              h("td", {}, s.form_number),
              h("td", {}, s.paid_on),
              h("td", {}, s.amount),
              h("td", {}, s.payment_reference ?? ""),
            ),
          ),
        ),
    h("h4", {}, "Accords préalables et prises en charge"),
    v.approvals.length === 0
      ? h("p", { class: "hint" }, "Aucune demande.")
      : grid(
          "view-approvals",
          ["N°", "Nature", "Bénéficiaire", "Reçue le", "Statut", "Détail", "Lettre"],
          v.approvals.map((a) =>
            h(
              "tr",
              {},
              h("td", {}, a.number),
              h("td", {}, a.kind),
              h("td", {}, a.beneficiary),
              h("td", {}, a.received_on),
              h("td", {}, a.status),
              h(
                "td",
                {},
                [
                  a.reason,
                  ...a.missing,
                  a.complement_due ? `complément attendu au plus tard le ${a.complement_due}` : null,
                  ...a.granted,
                ]
                  .filter((x) => x)
                  .join(" ; "),
              ),
              h("td", {}, a.letter_available ? "disponible" : ""),
            ),
          ),
        ),
    h("h4", {}, "Historique des demandes de modification"),
    v.updates.length === 0
      ? h("p", { class: "hint" }, "Aucune.")
      : grid(
          "view-updates",
          ["Demande", "Détail", "Reçue le", "Statut", "Motif"],
          v.updates.map((u) =>
            h(
              "tr",
              {},
              h("td", {}, u.kind),
              h("td", {}, u.summary),
              h("td", {}, u.received_on),
              h("td", {}, u.status),
              h("td", {}, u.reason ?? ""),
            ),
          ),
        ),
  );
}

/** The history line of an update request's journal entry. */
export function requestNote(after: unknown): string {
  const a = (after ?? {}) as { change?: UpdateChange; status?: string; reason?: string | null; recorded_by?: string };
  if (a.change) return `${KINDS.find(([k]) => k === a.change?.kind)?.[1] ?? a.change.kind}`;
  return [
    a.status === "valide" ? "validée" : a.status === "refuse" ? "refusée" : a.status,
    a.reason,
    a.recorded_by ? `enregistrée par ${a.recorded_by}` : null,
  ]
    .filter((x) => x)
    .join(" — ");
}
