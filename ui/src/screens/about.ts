// « À propos » over any screen: the versions of Guichet and of the database's
// schema, and where this desk keeps its data and its logs (what the IT person
// asks first after an upgrade). Échap or « Fermer » closes it.
import { call, databaseStatus } from "../api/client";
import { h, mount } from "../dom";

export async function aboutOverlay(): Promise<void> {
  if (document.getElementById("about-overlay")) return;
  const [db, setup] = await Promise.all([databaseStatus(), call("setup_status", {}).catch(() => null)]);
  const card = h("div", {
    id: "about",
    class: "card",
    role: "dialog",
    "aria-modal": "true",
    "aria-labelledby": "about-title",
  });
  const overlay = h("div", { id: "about-overlay", class: "overlay" }, card);
  const close = (): void => {
    document.removeEventListener("keydown", onKey);
    overlay.remove();
  };
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  };
  const row = (label: string, id: string, text: string): HTMLElement[] => [h("dt", {}, label), h("dd", { id }, text)];
  const remote = setup?.database === "serveur Guichet";
  mount(
    card,
    h("h2", { id: "about-title" }, "À propos de Guichet"),
    h(
      "dl",
      { class: "about" },
      ...row("Version de Guichet", "about-version", db.version),
      ...(remote ? row("Version du serveur", "about-server-version", setup?.version ?? "inconnue") : []),
      ...row("Schéma de la base", "about-schema", setup ? `version ${setup.schema}` : "inconnu"),
      ...row("Base de données", "about-database", db.database),
      ...row("Données de ce poste", "about-data", db.data_dir),
      ...row("Journaux", "about-logs", db.log_dir ?? "sortie d'erreur seulement"),
    ),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "primary", id: "about-close", onclick: close }, "Fermer"),
    ),
  );
  document.addEventListener("keydown", onKey);
  document.body.append(overlay);
  (card.querySelector("#about-close") as HTMLButtonElement).focus();
}
