// The members' portal: the pages of the member-area guides (seeds 000, 003,
// 004) over the server's /portail/api. French, usable on a phone and with
// the keyboard alone; each page's title takes the focus for screen readers.
// The pages before login are in account.ts, the member's space in
// sections.ts, what he sends in requests.ts and approvals.ts.
import "./style.css";
import { call, Refused, setCsrf } from "./api";
import { activationPage, forgotPage, loginPage } from "./account";
import { menu, section, SECTIONS } from "./sections";
import { loadBrand, onRoute, setNotice } from "./shell";

async function route(): Promise<void> {
  const key = location.hash.replace(/^#\/?/, "") || "connexion";
  if (key === "activation") return activationPage();
  if (key === "oubli") return forgotPage();
  if (key === "connexion") return loginPage();
  try {
    const s = await call("portal_session", {});
    setCsrf(s.csrf);
    const v = await call("portal_view", {});
    const shown = SECTIONS.some(([k]) => k === key) ? key : "informations";
    menu(shown, v.identity.name);
    section(shown, v);
  } catch (e) {
    if (!(e instanceof Refused) || e.code !== "unauthenticated") throw e;
    setNotice(e.message === "Connectez-vous d'abord." ? "" : e.message);
    loginPage();
  }
}

onRoute(route);
window.addEventListener("hashchange", () => void route());
void loadBrand().then(route);
