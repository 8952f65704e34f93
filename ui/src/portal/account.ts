// The pages before the member's space: login, first visit (activation with
// the code of the mutual's letter), forgotten password.
import { h } from "../html";
import { call, setCsrf } from "./api";
import { form, input } from "./fields";
import { go, link, page, publicHeader, takeNotice } from "./shell";

export function loginPage(): void {
  publicHeader();
  const message = takeNotice();
  page(
    "Connexion",
    message ? h("p", { class: "info", role: "status" }, message) : null,
    form(
      "connexion",
      [
        input("Matricule ou adresse e-mail", "identifier", "text", "username"),
        input("Mot de passe", "password", "password", "current-password"),
      ],
      "Se connecter",
      async (v) => {
        const r = await call("portal_login", {
          identifier: v.identifier ?? "",
          password: v.password ?? "",
        });
        setCsrf(r.csrf);
        go("#/informations");
      },
    ),
    h(
      "p",
      {},
      link("#/activation", "Première visite ? Activez votre espace"),
      " · ",
      link("#/oubli", "Mot de passe oublié ?"),
    ),
  );
}

export function activationPage(): void {
  publicHeader();
  page(
    "Première visite",
    h(
      "p",
      {},
      "Saisissez votre matricule, le numéro de votre CNIE et le code reçu de votre mutuelle, puis " +
        "choisissez votre mot de passe : au moins 8 caractères, dont une majuscule, une minuscule et un chiffre.",
    ),
    form(
      "activation",
      [
        input("Matricule", "matricule"),
        input("N° de CNIE", "cnie"),
        input("Code reçu", "code"),
        input("Mot de passe", "password", "password", "new-password"),
      ],
      "Activer mon espace",
      async (v) => {
        const r = await call("portal_activate", {
          matricule: v.matricule ?? "",
          cnie: v.cnie ?? "",
          code: v.code ?? "",
          password: v.password ?? "",
        });
        go("#/connexion", r.message);
      },
    ),
    h("p", {}, link("#/connexion", "Retour à la connexion")),
  );
}

export function forgotPage(): void {
  publicHeader();
  const done = h("p", { class: "info", role: "status", id: "oubli-envoye" });
  page(
    "Mot de passe oublié",
    form(
      "oubli",
      [input("Matricule ou adresse e-mail", "identifier", "text", "username")],
      "Recevoir un code",
      async (v) => {
        done.textContent = (await call("portal_forgot", { identifier: v.identifier ?? "" })).message;
      },
    ),
    done,
    h("h2", {}, "J'ai reçu un code"),
    form(
      "reinitialisation",
      [
        input("Matricule", "matricule"),
        input("Code reçu", "code"),
        input("Nouveau mot de passe", "password", "password", "new-password"),
      ],
      "Changer mon mot de passe",
      async (v) => {
        const r = await call("portal_reset", {
          matricule: v.matricule ?? "",
          code: v.code ?? "",
          password: v.password ?? "",
        });
        go("#/connexion", r.message);
      },
    ),
  );
}
