// Boot: which screen the window opens on. The database first (it may be a
// shared server that is down), then first start or login.
import "./style.css";
import { ApiFailure, call, databaseStatus } from "./api/client";
import { h, mount } from "./dom";
import { databaseScreen } from "./screens/database";
import { loginScreen } from "./screens/login";
import { setupScreen } from "./screens/setup";
import { shellScreen } from "./screens/shell";
import type { SessionInfo } from "./api/bindings";

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
      setupScreen(root, loggedIn);
    } else {
      loginScreen(root, loggedIn, () => databaseScreen(root, db, boot));
    }
  } catch (e) {
    const msg = e instanceof ApiFailure ? e.message : String(e);
    mount(root, h("main", { class: "centered" }, h("div", { class: "card" }, h("h1", {}, "Guichet"), h("p", { class: "form-error", role: "alert" }, msg))));
  }
}

function loggedIn(session: SessionInfo): void {
  shellScreen(root, session, () => void boot());
}

void boot();
