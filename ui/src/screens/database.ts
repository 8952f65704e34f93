// Which database this desk uses: the embedded SQLite file, or a shared
// PostgreSQL for several desks. Shown by itself when the database cannot be opened.
import { databaseConfigure, type DatabaseStatus } from "../api/client";
import { field, formError, h, onSubmit, mount, value } from "../dom";

const CHOICE: Record<DatabaseStatus["choice"], string> = {
  environment: "fixée par la variable GUICHET_DATABASE_URL",
  settings: "choisie dans ce poste",
  default: "base locale de ce poste",
};

export function databaseScreen(root: HTMLElement, status: DatabaseStatus, reboot: () => void): void {
  const form = h(
    "form",
    { id: "database-form", class: "card", novalidate: true },
    h("h1", {}, "Base de données"),
    h("p", {}, "Base actuelle : ", h("code", {}, status.database || "—"), ` (${CHOICE[status.choice]}).`),
    status.error ? h("p", { class: "form-error", role: "alert" }, status.error) : null,
    h("p", { class: "hint" }, "Pour travailler à plusieurs postes, indiquez la base PostgreSQL partagée, par exemple postgres://guichet:motdepasse@serveur:5432/guichet."),
    field("Adresse de la base", "url", { autofocus: true }),
    formError(),
    h("button", { type: "submit", class: "primary" }, "Se connecter à cette base"),
    status.error ? null : h("button", { type: "button", class: "link", onclick: () => reboot() }, "Retour"),
  );
  onSubmit(form, async () => {
    await databaseConfigure(value(form, "url"));
    reboot();
  });
  mount(root, h("main", { class: "centered" }, form));
}
