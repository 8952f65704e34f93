// The main window after login: header (who is logged in, logout), the sections
// this staff member may open, and the open section. Alt+1…6 opens a section.
import { call } from "../api/client";
import type { Section, SessionInfo } from "../api/bindings";
import { h, mount } from "../dom";
import { aboutOverlay } from "./about";
import { administrationSection } from "./administration";
import { approvalsSection } from "./approvals";
import { dossiersSection } from "./dossiers";
import { membersSection } from "./members";
import { receptionSection } from "./reception";
import { statementsSection } from "./statements";

export const SECTION_LABELS: Record<Section, string> = {
  adherents: "Adhérents",
  reception: "Réception",
  dossiers: "Dossiers",
  accords: "Accords et prises en charge",
  decomptes: "Décomptes",
  administration: "Administration",
};

export function shellScreen(root: HTMLElement, session: SessionInfo, loggedOut: () => void): void {
  const content = h("section", { id: "section-content", class: "content", tabindex: "-1" });
  const nav = h("nav", { id: "sections", "aria-label": "Sections" });
  const buttons = new Map<Section, HTMLButtonElement>();

  const open = (s: Section): void => {
    buttons.forEach((b, key) => b.setAttribute("aria-current", key === s ? "page" : "false"));
    if (s === "administration") {
      administrationSection(content, session);
    } else if (s === "adherents") {
      membersSection(content, session);
    } else if (s === "reception") {
      receptionSection(content, session);
    } else if (s === "dossiers") {
      dossiersSection(content, session);
    } else if (s === "accords") {
      approvalsSection(content, session);
    } else if (s === "decomptes") {
      statementsSection(content, session);
    } else {
      mount(
        content,
        h("h2", {}, SECTION_LABELS[s]),
        h("p", { class: "hint" }, "Cette section sera disponible dans une prochaine version de Guichet."),
      );
    }
  };

  session.sections.forEach((s, i) => {
    const b = h(
      "button",
      { type: "button", "data-section": s, title: `Alt+${i + 1}`, onclick: () => open(s) },
      h("span", { class: "key" }, String(i + 1)),
      SECTION_LABELS[s],
    );
    buttons.set(s, b);
    nav.append(b);
  });

  const logout = async (): Promise<void> => {
    document.removeEventListener("keydown", shortcuts);
    try {
      await call("session_logout", {});
    } finally {
      loggedOut();
    }
  };
  const shortcuts = (ev: KeyboardEvent): void => {
    // The window was cleared (lock screen, login): this main window is gone.
    if (!content.isConnected) {
      document.removeEventListener("keydown", shortcuts);
      return;
    }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const n = Number.parseInt(ev.key, 10);
    const s = session.sections[n - 1];
    if (s) {
      ev.preventDefault();
      open(s);
    }
  };
  document.addEventListener("keydown", shortcuts);

  const header = h(
    "header",
    { class: "topbar" },
    h("strong", { class: "brand" }, "Guichet"),
    h(
      "span",
      { id: "current-user", class: "who" },
      h("span", { class: "name" }, session.staff.full_name),
      " · ",
      h("span", { class: "roles" }, session.role_labels.join(", ")),
    ),
    h("button", { type: "button", class: "link", id: "about-open", onclick: () => void aboutOverlay() }, "À propos"),
    h("button", { type: "button", id: "logout", onclick: () => void logout() }, "Se déconnecter"),
  );
  mount(root, h("div", { id: "app-shell", class: "shell" }, header, h("div", { class: "body" }, nav, content)));
  const first = session.sections[0];
  if (first) open(first);
  else
    mount(
      content,
      h("p", { class: "hint" }, "Aucune section n'est ouverte à vos rôles : adressez-vous à un administrateur."),
    );
}
