// First start: no administrator yet, so the window asks for one.
import { ApiFailure, call } from "../api/client";
import type { SessionInfo } from "../api/bindings";
import { field, formError, h, mount, showError, value } from "../dom";

export function setupScreen(root: HTMLElement, done: (s: SessionInfo) => void, toServer?: () => void): void {
  const form = h(
    "form",
    { id: "setup-form", class: "card", novalidate: true },
    h("h1", {}, "Guichet — premier démarrage"),
    h(
      "p",
      { class: "hint" },
      "Aucun administrateur n'existe encore. Créez le compte administrateur : il créera ensuite les " +
        "comptes du personnel.",
    ),
    field("Identifiant", "username", { autofocus: true, required: true, autocomplete: "username" }),
    field("Nom complet", "full_name", { required: true }),
    field("Mot de passe (au moins 10 caractères)", "password", {
      type: "password",
      required: true,
      autocomplete: "new-password",
    }),
    field("Confirmez le mot de passe", "confirm", { type: "password", required: true, autocomplete: "new-password" }),
    formError(),
    h("button", { type: "submit", class: "primary" }, "Créer l'administrateur"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (value(form, "password") !== value(form, "confirm")) {
      showError(form, "Les deux mots de passe ne sont pas identiques.", "confirm");
      return;
    }
    try {
      const session = await call("setup_create_admin", {
        username: value(form, "username"),
        full_name: value(form, "full_name"),
        password: value(form, "password"),
      });
      done(session);
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  });
  const server = toServer
    ? h(
        "p",
        { class: "hint" },
        "Un poste d'un site à plusieurs postes n'a pas de base à lui : ",
        h(
          "button",
          { type: "button", class: "link", id: "setup-server", onclick: () => toServer() },
          "relier ce poste au serveur Guichet du site…",
        ),
      )
    : null;
  mount(root, h("main", { class: "centered" }, form, server));
  form.querySelector<HTMLInputElement>("input")?.focus();
}
