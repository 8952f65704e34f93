// Login. Enter in the username moves to the password; Enter there logs in.
import { ApiFailure, call } from "../api/client";
import type { SessionInfo } from "../api/bindings";
import { field, formError, h, mount, showError, value } from "../dom";
import { aboutOverlay } from "./about";

export function loginScreen(root: HTMLElement, done: (s: SessionInfo) => void, openDatabase: () => void): void {
  const form = h(
    "form",
    { id: "login-form", class: "card", novalidate: true },
    h("h1", {}, "Guichet"),
    h("p", { class: "hint" }, "Connectez-vous avec votre identifiant du personnel."),
    field("Identifiant", "username", { required: true, autocomplete: "username" }),
    field("Mot de passe", "password", { type: "password", required: true, autocomplete: "current-password" }),
    formError(),
    h("button", { type: "submit", class: "primary", id: "login-submit" }, "Se connecter"),
    h(
      "button",
      { type: "button", class: "link", id: "open-database", onclick: () => openDatabase() },
      "Base de données…",
    ),
    h("button", { type: "button", class: "link", id: "about-open", onclick: () => void aboutOverlay() }, "À propos…"),
  );
  const username = form.elements.namedItem("username") as HTMLInputElement;
  const password = form.elements.namedItem("password") as HTMLInputElement;
  username.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && username.value.trim() !== "") {
      ev.preventDefault();
      password.focus();
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      done(await call("session_login", { username: value(form, "username"), password: value(form, "password") }));
    } catch (e) {
      if (!(e instanceof ApiFailure)) throw e;
      showError(form, e.message, e.field);
      if (!e.field) {
        password.value = "";
        password.focus();
      }
    }
  });
  mount(root, h("main", { class: "centered" }, form));
  username.focus();
}
