// Adhérents: one search box (a barcode scanner types a matricule and Enter),
// the member page, the member form, beneficiaries, update requests, the
// member's view, and the roster import.
import { labelOf, RELATIONS } from "../labels";
import { ApiFailure, call } from "../api/client";
import type {
  Member,
  MemberInput,
  MemberPage,
  MemberStatus,
  Relation,
  SessionInfo,
  UpdateRequest,
} from "../api/bindings";
import { field, formError, frDate, frRib, h, localTime, mount, onSubmit, select, showError, value } from "../dom";
import { importScreen } from "./import";
import { coverageText, rightsPanel } from "./member_rights";
import { memberView, pendingPanel, requestNote, requestsTable, updateRequestForm } from "./member_updates";
import { grid, savePdfButton } from "../widgets";

const STATUS: [MemberStatus, string][] = [
  ["actif", "Actif"],
  ["pensionne", "Pensionné"],
  ["autre", "Autre"],
];
const RELATION = RELATIONS;
const label = labelOf;

export function membersSection(content: HTMLElement, session: SessionInfo): void {
  const canWrite = session.permissions.includes("members_write");
  const input = h("input", {
    id: "member-search",
    type: "search",
    placeholder: "Matricule, CNIE ou nom (scanner accepté)",
    autocomplete: "off",
    spellcheck: "false",
  });
  const results = h("div", { id: "member-results" });
  const status = h("p", { class: "hint", id: "member-search-status" });
  // Before anything is typed, the page offers the agent's work: the members he
  // opened last (arrows and Enter open them too) and his queue of dossiers.
  let recent: Member[] = [];
  const myQueue = h("p", { id: "my-queue", class: "hint" });
  let found: Member[] = [];
  let selected = 0;
  let seq = 0;

  const render = (): void => {
    const offering = input.value.trim() === "";
    mount(
      results,
      found.length === 0
        ? null
        : h(
            "table",
            { class: "grid selectable", id: offering ? "member-recent" : "member-found" },
            offering ? h("caption", {}, "Derniers adhérents consultés") : null,
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Matricule", "Nom", "Prénom", "CNIE", "Naissance", "Société", "Situation"].map((t) =>
                  h("th", {}, t),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              ...found.map((m, i) =>
                h(
                  "tr",
                  {
                    "data-matricule": m.matricule,
                    class: i === selected ? "selected" : "",
                    onclick: () => openMember(m.id),
                  },
                  h("td", {}, m.matricule),
                  h("td", {}, m.last_name),
                  h("td", {}, m.first_name),
                  h("td", {}, m.cnie ?? ""),
                  h("td", {}, frDate(m.birth_date)),
                  h("td", {}, m.employer ?? ""),
                  h("td", {}, m.end_date ? `Sorti le ${frDate(m.end_date)}` : label(STATUS, m.status)),
                ),
              ),
            ),
          ),
    );
  };

  const search = async (): Promise<void> => {
    const mine = ++seq;
    const q = input.value.trim();
    if (q === "") {
      found = recent;
      selected = 0;
      status.textContent = "";
      render();
      return;
    }
    try {
      const r = await call("member_search", { query: q });
      if (mine !== seq) return; // a newer keystroke already asked
      found = r.members;
      selected = 0;
      status.textContent =
        found.length === 0
          ? "Aucun adhérent trouvé."
          : r.more
            ? `Les 50 premiers résultats : précisez la recherche.`
            : `${found.length} résultat${found.length > 1 ? "s" : ""}.`;
      render();
    } catch (e) {
      status.textContent = e instanceof ApiFailure ? e.message : String(e);
    }
  };

  let timer = 0;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void search(), 120);
  });
  input.addEventListener("keydown", async (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      selected = Math.max(0, Math.min(found.length - 1, selected + (ev.key === "ArrowDown" ? 1 : -1)));
      render();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      window.clearTimeout(timer);
      await search(); // a scanner types faster than the debounce
      const m = found[selected];
      if (m) openMember(m.id);
    }
  });

  const openMember = (id: number): void =>
    void memberPage(content, session, id, () => membersSection(content, session));

  const offerWork = async (): Promise<void> => {
    recent = await call("member_recent", {}).catch(() => []);
    if (input.value.trim() === "") void search();
    if (!session.permissions.includes("dossiers_read")) return;
    const queue = await call("dossier_queue", { mine: true }).catch(() => null);
    if (!queue) return;
    const n = queue.rows.length;
    const count = queue.more ? "plus de 50 dossiers" : `${n} dossier${n > 1 ? "s" : ""}`;
    // The Dossiers section, as its key in the menu opens it.
    const open = h(
      "button",
      {
        type: "button",
        id: "my-queue-open",
        onclick: () => document.querySelector<HTMLElement>('[data-section="dossiers"]')?.click(),
      },
      "Ouvrir ma file",
    );
    mount(
      myQueue,
      n === 0 ? "Ma file : aucun dossier à traiter." : `Ma file : ${count} à traiter. `,
      n === 0 ? null : open,
    );
  };

  mount(
    content,
    h(
      "div",
      { class: "row" },
      h("h2", {}, "Adhérents"),
      h("span", { class: "spacer" }),
      canWrite
        ? h(
            "button",
            { type: "button", id: "member-new", onclick: () => memberForm(content, session, null) },
            "Nouvel adhérent",
          )
        : null,
      h(
        "button",
        {
          type: "button",
          id: "member-updates-pending",
          onclick: () =>
            void pendingPanel(content, canWrite ? session.staff.username : null, () =>
              membersSection(content, session),
            ),
        },
        "Demandes à valider",
      ),
      canWrite
        ? h(
            "button",
            {
              type: "button",
              id: "member-import",
              onclick: () => importScreen(content, () => membersSection(content, session)),
            },
            "Importer un fichier d'employeur…",
          )
        : null,
    ),
    input,
    status,
    results,
    myQueue,
  );
  input.focus();
  void offerWork();
}

async function memberPage(
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
        RELATION.filter(([r]) => r !== "lui_meme"),
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
            m.end_date ? `${label(STATUS, m.status)} — sorti le ${frDate(m.end_date)}` : label(STATUS, m.status),
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
          h("td", {}, label(RELATION, b.relation)),
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
    if (k === "status") return label(STATUS, text as MemberStatus);
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

function memberForm(content: HTMLElement, session: SessionInfo, m: Member | null): void {
  const form = h(
    "form",
    { id: "member-form", class: "card inline", novalidate: true },
    h("h2", {}, m ? `Modifier ${m.last_name} ${m.first_name}` : "Nouvel adhérent"),
    h(
      "div",
      { class: "grid2" },
      field("Matricule", "matricule", { value: m?.matricule ?? "", autofocus: true }),
      field("CNIE", "cnie", { value: m?.cnie ?? "" }),
      field("Nom", "last_name", { value: m?.last_name ?? "" }),
      field("Prénom", "first_name", { value: m?.first_name ?? "" }),
      field("Date de naissance", "birth_date", { type: "date", value: m?.birth_date ?? "" }),
      field("Société", "employer", { value: m?.employer ?? "" }),
      select("Situation", "status", STATUS, m?.status ?? "actif"),
      field("Date d'affiliation", "affiliation_date", { type: "date", value: m?.affiliation_date ?? "" }),
      field("Adresse", "address", { value: m?.address ?? "" }),
      field("GSM", "gsm", { value: m?.gsm ?? "" }),
      field("E-mail", "email", { value: m?.email ?? "" }),
      ribField(m),
      field("Date de sortie", "end_date", { type: "date", value: m?.end_date ?? "" }),
    ),
    formError(),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary" }, "Enregistrer"),
      h(
        "button",
        {
          type: "button",
          onclick: () =>
            m
              ? void memberPage(content, session, m.id, () => membersSection(content, session))
              : membersSection(content, session),
        },
        "Annuler",
      ),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const opt = (n: string): string | null => value(form, n).trim() || null;
    const member: MemberInput = {
      matricule: value(form, "matricule"),
      cnie: opt("cnie"),
      last_name: value(form, "last_name"),
      first_name: value(form, "first_name"),
      birth_date: opt("birth_date"),
      employer: opt("employer"),
      status: value(form, "status") as MemberStatus,
      address: opt("address"),
      gsm: opt("gsm"),
      email: opt("email"),
      rib: opt("rib"),
      affiliation_date: opt("affiliation_date"),
      end_date: opt("end_date"),
    };
    try {
      const saved = m
        ? await call("member_update", { id: m.id, version: m.version, member })
        : await call("member_create", member);
      void memberPage(content, session, saved.id, () => membersSection(content, session));
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  });
  mount(content, form);
  (form.elements.namedItem("matricule") as HTMLInputElement).focus();
}

/**
 * The RIB: typed for a new member; for a registered one it is shown only, as
 * the core refuses it here (a change is an update request, four eyes).
 */
function ribField(m: Member | null): HTMLElement {
  const f = field("RIB (24 chiffres)", "rib", { value: frRib(m?.rib) });
  if (m) {
    (f.querySelector("input") as HTMLInputElement).readOnly = true;
    f.append(
      h("small", { class: "hint" }, "Un nouveau RIB passe par « Demande de modification », avec l'attestation de RIB."),
    );
  }
  return f;
}
