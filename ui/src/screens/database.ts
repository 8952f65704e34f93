// Where this desk works: alone on its own database (the default), or through
// the site's Guichet server. At first connection the server's certificate
// fingerprint is shown for an administrator to compare with the one
// `guichet serve` printed; confirmed, it is pinned. Shown by itself when the
// desk cannot reach where it works.
import { localConfigure, serverConfigure, serverProbe, type DatabaseStatus } from "../api/client";
import { field, fingerprintText, formError, h, mount, onSubmit, pathText, value } from "../dom";

const CHOICE: Record<DatabaseStatus["choice"], string> = {
  environment: "fixé par l'environnement du poste",
  server: "serveur Guichet choisi sur ce poste",
  default: "ce poste seul",
};

export function databaseScreen(root: HTMLElement, status: DatabaseStatus, reboot: () => void): void {
  const found = h("div", { id: "server-found" });
  const form = h(
    "form",
    { id: "server-form", class: "card", novalidate: true },
    h("h1", {}, "Où travaille ce poste"),
    h(
      "p",
      {},
      "Actuellement : ",
      h("code", { id: "database-current" }, ...pathText(status.database || "—")),
      ` (${CHOICE[status.choice]}).`,
    ),
    status.fingerprint
      ? h("p", { class: "hint" }, "Empreinte enregistrée du certificat : ", ...fingerprintText(status.fingerprint))
      : null,
    status.error ? h("p", { class: "form-error", role: "alert" }, status.error) : null,
    h("h2", {}, "Un serveur Guichet"),
    h(
      "p",
      { class: "hint" },
      "Pour travailler à plusieurs postes : l'adresse du serveur du site, par exemple " +
        "https://guichet.siege:8443. Un administrateur connecté sur ce poste (ou un poste pas " +
        "encore configuré) peut la changer.",
    ),
    field("Adresse du serveur", "url", { autofocus: true }),
    formError(),
    h("button", { type: "submit", class: "primary", id: "server-probe" }, "Vérifier le serveur"),
    found,
  );
  onSubmit(form, async () => {
    const p = await serverProbe(value(form, "url"));
    const connect = h(
      "button",
      { type: "button", class: "primary", id: "server-trust" },
      p.fingerprint ? "L'empreinte est identique : se connecter" : "Se connecter",
    );
    connect.addEventListener("click", () => {
      void (async () => {
        try {
          await serverConfigure(p.url, p.fingerprint);
          reboot();
        } catch (e) {
          const err = e as { message?: string; field?: string };
          mount(found, h("p", { class: "form-error", role: "alert", id: "server-error" }, err.message ?? String(e)));
        }
      })();
    });
    mount(
      found,
      h("p", {}, `Serveur Guichet ${p.application} (schéma ${p.schema ?? "?"}) à ${p.url}.`),
      p.fingerprint
        ? h(
            "div",
            {},
            h("p", {}, "Empreinte SHA-256 de son certificat :"),
            h("p", { id: "server-fingerprint" }, h("code", {}, ...fingerprintText(p.fingerprint))),
            h(
              "p",
              { class: "hint" },
              "Comparez-la, caractère par caractère, avec celle que le serveur affiche (guichet " +
                "serve) ; si elle diffère, ne vous connectez pas et prévenez l'administrateur.",
            ),
          )
        : h("p", { class: "hint" }, "Son certificat est reconnu par les autorités du système."),
      connect,
    );
    connect.focus();
  });
  const local = h(
    "button",
    {
      type: "button",
      id: "local-use",
      onclick: async () => {
        try {
          await localConfigure();
          reboot();
        } catch (e) {
          mount(
            found,
            h("p", { class: "form-error", role: "alert" }, (e as { message?: string }).message ?? String(e)),
          );
        }
      },
    },
    "Travailler sur ce poste seul",
  );
  mount(
    root,
    h(
      "main",
      { class: "centered" },
      form,
      h(
        "div",
        { class: "row" },
        status.choice === "default" && !status.error ? null : local,
        status.error ? null : h("button", { type: "button", class: "link", onclick: () => reboot() }, "Retour"),
      ),
    ),
  );
}
