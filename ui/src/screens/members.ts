// Adhérents: one search box (a barcode scanner types a matricule and Enter);
// before anything is typed, the members the agent opened last and his queue.
// The member page is member_page.ts, the member form member_form.ts.
import { labelOf, MEMBER_STATUSES } from "../labels";
import { ApiFailure, call } from "../api/client";
import type { Member, SessionInfo } from "../api/bindings";
import { frDate, h, mount } from "../dom";
import { importScreen } from "./import";
import { pendingPanel } from "./member_updates";
import { memberForm } from "./member_form";
import { memberPage } from "./member_page";

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
                  h("td", {}, m.end_date ? `Sorti le ${frDate(m.end_date)}` : labelOf(MEMBER_STATUSES, m.status)),
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
