// A member's page: identity, employer and payment, beneficiaries and their
// rights, update requests, the member's view (as his portal shows it) and the
// history of every change, in the page's words.
import { labelOf, MEMBER_STATUSES, RELATIONS } from "../labels";
import { ApiFailure, call } from "../api/client";
import type { MemberPage, MemberStatus, Relation, SessionInfo, UpdateRequest } from "../api/bindings";
import { field, formError, frDate, frRib, h, localTime, mount, onSubmit, select, value } from "../dom";
import { coverageText, rightsPanel } from "./member_rights";
import { memberView, requestNote, requestsTable, updateRequestForm } from "./member_updates";
import { memberForm } from "./member_form";
import { grid, savePdfButton } from "../widgets";

export async function memberPage(
  content: HTMLElement,
  session: SessionInfo,
  id: number,
  back: () => void,
  message = "",
): Promise<void> {
  let page: MemberPage;
  let requests: UpdateRequest[];
  try {
    page = await call("member_get", { id });
    requests = await call("member_update_list", { member_id: id });
  } catch (e) {
    mount(content, h("p", { class: "form-error" }, e instanceof ApiFailure ? e.message : String(e)));
    return;
  }
  const m = page.member;
  const canWrite = session.permissions.includes("members_write");
  const dl = (pairs: [string, string][]): HTMLDListElement =>
    h("dl", { class: "facts" }, ...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")]));
  const benefEditor = h("div", { id: "beneficiary-editor" });
  const addBeneficiary = (): void => {
    const form = h(
      "form",
      { id: "beneficiary-form", class: "card inline", novalidate: true },
      h("h3", {}, "Nouveau bénéficiaire"),
      select(
        "Lien",
        "relation",
        RELATIONS.filter(([r]) => r !== "lui_meme"),
        "enfant",
      ),
      field("Nom", "last_name", { value: m.last_name }),
      field("Prénom", "first_name", { autofocus: true }),
      field("Date de naissance", "birth_date", { type: "date" }),
      formError(),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, "Ajouter"),
        h("button", { type: "button", onclick: () => mount(benefEditor) }, "Annuler"),
      ),
    );
    onSubmit(form, async () => {
      const birth = value(form, "birth_date");
      await call("beneficiary_add", {
        member_id: m.id,
        beneficiary: {
          relation: value(form, "relation") as Relation,
          last_name: value(form, "last_name"),
          first_name: value(form, "first_name"),
          ...(birth ? { birth_date: birth } : {}),
        },
      });
      void memberPage(content, session, id, back);
    });
    mount(benefEditor, form);
    (form.elements.namedItem("first_name") as HTMLInputElement).focus();
  };

  const reload = (msg: string): void => void memberPage(content, session, id, back, msg);
  const updateEditor = h("div", { id: "update-editor" });
  // Where the activation letter of his space went (the code is printed on it).
  const portalStatus = h("p", { id: "member-portal-status", class: "status-line", role: "status" });
  const openView = async (): Promise<void> => {
    const v = await call("member_view", { id });
    mount(
      content,
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", id: "member-view-back", onclick: () => reload("") }, "← Fiche de l'adhérent"),
      ),
      memberView(v),
    );
  };
  // One line: back, the name, the three everyday actions; the others under « Plus ».
  const more = h(
    "details",
    { class: "plus-menu", id: "member-more" },
    h("summary", {}, "Plus"),
    h(
      "div",
      { class: "plus-items" },
      h(
        "button",
        { type: "button", id: "member-view-open", onclick: () => void openView() },
        "Vue adhérent (téléphone)",
      ),
      canWrite
        ? savePdfButton(
            "member-portal-letter",
            "Code de l'espace adhérent…",
            portalStatus,
            `espace-adherent-${m.matricule}.pdf`,
            (path) => call("portal_code_letter", { member_id: m.id, purpose: "activation", path }),
          )
        : null,
    ),
  );
  // A menu closes once one of its items is chosen.
  more.querySelector(".plus-items")?.addEventListener("click", () => (more.open = false));
  mount(
    content,
    h(
      "div",
      { class: "row page-head" },
      h("button", { type: "button", id: "member-back", onclick: back }, "← Recherche"),
      h("h2", { id: "member-title" }, `${m.last_name} ${m.first_name}`),
      h("span", { class: "spacer" }),
      canWrite
        ? h(
            "button",
            {
              type: "button",
              id: "member-update-request",
              onclick: () => {
                mount(updateEditor, updateRequestForm(m, page.beneficiaries, reload));
                (updateEditor.querySelector("select") as HTMLSelectElement | null)?.focus();
              },
            },
            "Demande de modification",
          )
        : null,
      canWrite
        ? h("button", { type: "button", id: "member-edit", onclick: () => memberForm(content, session, m) }, "Modifier")
        : null,
      more,
    ),
    message ? h("p", { id: "member-status", class: "status-line", role: "status" }, message) : null,
    portalStatus,
    updateEditor,
    h(
      "div",
      { class: "columns" },
      h(
        "section",
        { class: "card wide" },
        h("h3", {}, "Identité"),
        dl([
          ["Matricule", m.matricule],
          ["CNIE", m.cnie ?? ""],
          ["Né(e) le", frDate(m.birth_date)],
          [
            "Situation",
            m.end_date
              ? `${labelOf(MEMBER_STATUSES, m.status)} — sorti le ${frDate(m.end_date)}`
              : labelOf(MEMBER_STATUSES, m.status),
          ],
          ["Adresse", m.address ?? ""],
          ["GSM", m.gsm ?? ""],
          ["E-mail", m.email ?? ""],
        ]),
      ),
      h(
        "section",
        { class: "card wide" },
        h("h3", {}, "Employeur et paiement"),
        dl([
          ["Société", m.employer ?? ""],
          ["Affilié le", frDate(m.affiliation_date)],
          ["RIB", frRib(m.rib)],
        ]),
      ),
    ),
    h("h3", {}, "Bénéficiaires"),
    grid(
      "beneficiaries",
      ["Lien", "Nom", "Prénom", "Naissance", "Couverture"],
      page.beneficiaries.map((b) =>
        h(
          "tr",
          {},
          h("td", {}, labelOf(RELATIONS, b.relation)),
          h("td", {}, b.last_name),
          h("td", {}, b.first_name),
          h("td", {}, frDate(b.birth_date)),
          h("td", { class: "coverage" }, coverageText(page, b)),
        ),
      ),
    ),
    canWrite
      ? h(
          "div",
          { class: "row" },
          h("button", { type: "button", id: "beneficiary-add", onclick: addBeneficiary }, "Ajouter un bénéficiaire"),
        )
      : null,
    benefEditor,
    rightsPanel(page, session, reload),
    requests.length > 0 ? h("h3", {}, "Demandes de modification") : null,
    requests.length > 0
      ? requestsTable("member-requests", requests, canWrite ? session.staff.username : null, reload)
      : null,
    h("h3", {}, "Historique des modifications"),
    grid(
      "member-history",
      ["Quand", "Qui", "Action", "Avant → après"],
      page.history.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, localTime(e.at)),
          h("td", {}, e.actor),
          h("td", {}, ACTIONS[e.action] ?? e.action),
          h(
            "td",
            { class: "json" },
            e.action.startsWith("member_update.") ? requestNote(e.after) : changes(e.before, e.after),
          ),
        ),
      ),
    ),
  );
}

const ACTIONS: Record<string, string> = {
  "member.create": "Création",
  "member.update": "Modification",
  "member.import_create": "Création (import)",
  "member.import_update": "Mise à jour (import)",
  "beneficiary.add": "Bénéficiaire ajouté",
  "beneficiary.import_add": "Bénéficiaire ajouté (import)",
  "beneficiary.update": "Bénéficiaire modifié",
  "beneficiary.schooling": "Certificat de scolarité",
  "beneficiary.disability": "Handicap reconnu",
  "member.death": "Décès de l'adhérent",
  "member.suspension": "Droits suspendus",
  "member_update.record": "Demande de modification reçue",
  "member_update.attach": "Pièce jointe à une demande",
  "member_update.validate": "Demande validée",
  "member_update.refuse": "Demande refusée",
};
const FIELDS: Record<string, string> = {
  matricule: "matricule",
  cnie: "CNIE",
  last_name: "nom",
  first_name: "prénom",
  birth_date: "naissance",
  employer: "société",
  status: "situation",
  address: "adresse",
  gsm: "GSM",
  email: "e-mail",
  rib: "RIB",
  affiliation_date: "affiliation",
  end_date: "sortie",
  relation: "lien",
  coverage_start: "début de couverture",
  coverage_end: "fin de couverture",
  member_id: "adhérent",
};

/** Only the fields that changed, `champ : avant → après`. */
function changes(before: unknown, after: unknown): string {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  // In the words of the page: dates day first, a situation or a link in words, a RIB grouped.
  const show = (v: unknown, k: string): string => {
    if (v === null || v === undefined || v === "") return "—";
    const text = String(v);
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return frDate(text);
    if (k === "status") return labelOf(MEMBER_STATUSES, text as MemberStatus);
    if (k === "relation") return labelOf(RELATIONS, text as Relation);
    if (k === "rib") return frRib(text);
    return text;
  };
  const keys = Array.from(new Set([...Object.keys(b), ...Object.keys(a)]));
  return keys
    .filter((k) => k !== "member_id" && JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null))
    .map((k) => `${FIELDS[k] ?? k} : ${show(b[k], k)} → ${show(a[k], k)}`)
    .join(" ; ");
}
