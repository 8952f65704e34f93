// Boot: which screen the window opens on. The database first (it may be a
// shared server that is down), then first start or login.
import "./style.css";
import "./screens.css";
import { ApiFailure, call, databaseStatus } from "./api/client";
import { field, formError, h, mount, onSubmit } from "./dom";
import { databaseScreen } from "./screens/database";
import { loginScreen } from "./screens/login";
import { setupScreen } from "./screens/setup";
import { shellScreen } from "./screens/shell";
import type { SessionInfo } from "./api/bindings";
import { watchIdle } from "./idle";

const root = document.getElementById("app")!;

export async function boot(): Promise<void> {
  try {
    const db = await databaseStatus();
    if (db.error) {
      databaseScreen(root, db, boot);
      return;
    }
    const setup = await call("setup_status", {});
    if (setup.needs_admin) {
      setupScreen(root, loggedIn, db.choice === "default" ? () => databaseScreen(root, db, boot) : undefined);
    } else {
      loginScreen(root, loggedIn, () => databaseScreen(root, db, boot));
    }
  } catch (e) {
    const msg = e instanceof ApiFailure ? e.message : String(e);
    mount(
      root,
      h(
        "main",
        { class: "centered" },
        h("div", { class: "card" }, h("h1", {}, "Guichet"), h("p", { class: "form-error", role: "alert" }, msg)),
      ),
    );
  }
}

/** Removes what covers the screen (a lock, a login again, a password change). */
function removeOverlays(): void {
  for (const o of document.querySelectorAll(".overlay")) o.remove();
}

/** Stops the idle watcher of the session on screen, if any. */
let stopIdle: () => void = () => undefined;

function loggedIn(session: SessionInfo): void {
  stopIdle();
  if (session.staff.must_change_password) {
    passwordChangeScreen(session.staff.full_name);
    return;
  }
  shellScreen(root, session, () => {
    stopIdle();
    void boot();
  });
  call("lock_settings_get", {}).then(
    (s) => {
      if (!document.getElementById("app-shell")) return;
      stopIdle = watchIdle(s.idle_lock_minutes, () => {
        // The screen goes first: nothing of the member on screen stays while the core is told.
        lockScreen("Poste verrouillé : saisissez à nouveau votre mot de passe.");
        call("session_lock", {}).then(
          (l) => setLockMessage(l.message),
          () => undefined,
        );
      });
    },
    () => undefined,
  );
}

/**
 * The lock screen: the window's content is removed (not covered), and the
 * same person's password brings a fresh main window back; or leave.
 */
function lockScreen(message: string): void {
  stopIdle();
  if (document.getElementById("lock-screen")) return;
  removeOverlays();
  const form = h("form", { id: "unlock-form", class: "card", autocomplete: "off" });
  mount(
    form,
    h("h2", {}, "Poste verrouillé"),
    h("p", { class: "hint", id: "lock-message" }, message),
    formError(),
    field("Mot de passe", "password", { type: "password", autocomplete: "current-password" }),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", id: "unlock" }, "Déverrouiller"),
      h(
        "button",
        {
          type: "button",
          id: "unlock-logout",
          onclick: async () => {
            await call("session_logout", {});
            void boot();
          },
        },
        "Changer d'utilisateur",
      ),
    ),
  );
  onSubmit(form, async () => {
    const session = await call("session_unlock", {
      password: (form.elements.namedItem("password") as HTMLInputElement).value,
    });
    loggedIn(session);
  });
  mount(root, h("main", { id: "lock-screen", class: "centered" }, form));
  (form.elements.namedItem("password") as HTMLInputElement).focus();
}

/**
 * The form in which an account whose password an administrator reset
 * chooses its own; `done` runs once the core has taken it.
 */
function passwordChangeForm(name: string, done: () => Promise<void>): HTMLFormElement {
  const form = h("form", { id: "password-change-form", class: "card", autocomplete: "off", novalidate: true });
  mount(
    form,
    h("h2", {}, "Choisissez votre mot de passe"),
    h(
      "p",
      { class: "hint" },
      `${name} : un administrateur a réinitialisé votre mot de passe. Saisissez celui qu'il vous a ` +
        `donné, puis le vôtre (au moins 10 caractères).`,
    ),
    field("Mot de passe donné par l'administrateur", "current_password", {
      type: "password",
      autocomplete: "current-password",
    }),
    field("Nouveau mot de passe", "new_password", { type: "password", autocomplete: "new-password" }),
    field("Nouveau mot de passe, à nouveau", "confirm", { type: "password", autocomplete: "new-password" }),
    formError(),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", id: "password-change-save" }, "Enregistrer"),
      h(
        "button",
        {
          type: "button",
          id: "password-change-logout",
          onclick: async () => {
            await call("session_logout", {});
            removeOverlays();
            void boot();
          },
        },
        "Se déconnecter",
      ),
    ),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    if (v("new_password") !== v("confirm")) {
      throw new ApiFailure({
        code: "validation",
        message: "Les deux saisies du nouveau mot de passe diffèrent.",
        field: "confirm",
      });
    }
    await call("password_change", { current_password: v("current_password"), new_password: v("new_password") });
    await done();
  });
  return form;
}

/**
 * A session that was open before the reset (whoever holds it has not shown
 * the new password): the window is cleared for the change.
 */
function passwordChangeScreen(name: string): void {
  stopIdle();
  if (document.getElementById("password-change-form")) return;
  removeOverlays();
  const form = passwordChangeForm(name, async () => loggedIn(await call("session_current", {})));
  mount(root, h("main", { id: "password-change", class: "centered" }, form));
  (form.elements.namedItem("current_password") as HTMLInputElement).focus();
}

/**
 * Logged in again over the screen with the password the administrator gave:
 * the change is asked over the screen too, which keeps what was typed.
 */
function passwordChangeOverlay(name: string): void {
  const overlay = h("div", { id: "password-change-overlay", class: "overlay" });
  const form = passwordChangeForm(name, async () => overlay.remove());
  overlay.append(form);
  document.body.append(overlay);
  (form.elements.namedItem("current_password") as HTMLInputElement).focus();
}

window.addEventListener("guichet:password-change", () => {
  // Asked already over the screen, after logging in again: nothing more.
  if (document.getElementById("password-change-form")) return;
  call("session_current", {}).then(
    (s) => passwordChangeScreen(s.staff.full_name),
    () => undefined,
  );
});

function setLockMessage(message: string): void {
  const p = document.getElementById("lock-message");
  if (p) p.textContent = message;
}

window.addEventListener("guichet:locked", (ev) => {
  const message = (ev as CustomEvent<string>).detail;
  if (document.getElementById("lock-screen")) setLockMessage(message);
  else lockScreen(message);
});

/** The server ended this desk's session: log in again over the screen, which keeps what was typed. */
function expiredOverlay(message: string): void {
  if (document.getElementById("expired-overlay")) return;
  const form = h("form", { id: "relogin-form", class: "card", autocomplete: "off" });
  const overlay = h("div", { id: "expired-overlay", class: "overlay" }, form);
  mount(
    form,
    h("h2", {}, "Session terminée"),
    h("p", { class: "hint" }, message),
    formError(),
    field("Identifiant", "username", { autocomplete: "username" }),
    field("Mot de passe", "password", { type: "password", autocomplete: "current-password" }),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary", id: "relogin" }, "Se reconnecter")),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    const session = await call("session_login", { username: v("username"), password: v("password") });
    overlay.remove();
    if (session.staff.must_change_password) passwordChangeOverlay(session.staff.full_name);
  });
  document.body.append(overlay);
  (form.elements.namedItem("username") as HTMLInputElement).focus();
}

window.addEventListener("guichet:expired", (ev) => expiredOverlay((ev as CustomEvent<string>).detail));

// The server does not answer: one alert at the top of the window, gone at the next answer.
window.addEventListener("guichet:unavailable", (ev) => {
  const message = (ev as CustomEvent<string>).detail;
  const shown = document.getElementById("server-alert");
  if (shown) shown.textContent = message;
  else document.body.append(h("div", { id: "server-alert", class: "alert-banner", role: "alert" }, message));
});
window.addEventListener("guichet:available", () => document.getElementById("server-alert")?.remove());

void boot();
