// The real window and who is at it. The idle lock runs on the window's own
// timer: a reception agent leaves her desk with a member's page open; when the
// minutes the administrator set have passed without a key or a click, the
// window clears the screen (the member's page is gone from the page, not
// covered) and the core is locked too; her password brings a fresh main
// window back. Then an administrator resets her password: her desk does
// nothing more until she has chosen her own.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, windowTestsSkipReason, ENTER, cli } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const PASSWORD = "Accueil-2026-ok";
let w;
let sys;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "n.alami", "--name", "Nadia Alami", "--role", "reception"], {
    input: PASSWORD + "\n",
  });
  sys("member_create", {
    matricule: "13059",
    last_name: "Bennani",
    first_name: "Karim",
    employer: "RAM",
    status: "actif",
  });
  await w.exec("location.reload()");
  await w.waitFor("#login-form");
  await w.type("#f-username", "n.alami" + ENTER);
  await w.type("#f-password", PASSWORD + ENTER);
  await w.waitFor("#member-search");
});
after(async () => {
  if (w) await w.close();
});

test("an idle window locks on its own timer and clears the screen", { skip: skip ?? false }, async () => {
  await w.type("#member-search", "13059" + ENTER);
  await w.waitText("#member-title", "Bennani Karim");
  // Sixteen minutes pass in the window with no key and no click (the default is 15).
  await w.exec("const real = Date.now; Date.now = () => real() + 16 * 60 * 1000;");
  await w.waitFor("#lock-screen", 15000);
  await w.waitText(
    "#lock-message",
    "Poste verrouillé après 15 minutes d'inactivité : saisissez à nouveau votre mot de passe.",
  );
  const page = await w.exec("return document.body.innerText;");
  assert.ok(!page.includes("Bennani") && !page.includes("13059"), `nothing of the member stays in the page: ${page}`);
  assert.equal(await w.exec("return document.querySelectorAll('#app-shell, #member-title').length;"), 0);
  await w.screenshot("40-poste-verrouille");
  // The core was told: the lock is journaled as the window's.
  const rows = sys("audit_list", { action: "session.locked" }).entries;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].actor, "n.alami");
  // A wrong password is refused where it was typed; the right one brings a fresh main window.
  await w.type("#f-password", "mauvais" + ENTER);
  await w.waitFormError("#unlock-form", (t) => t.length > 0);
  await w.exec("document.querySelector('#f-password').value = '';");
  await w.type("#f-password", PASSWORD + ENTER);
  await w.waitFor("#member-search");
  await w.type("#member-search", "13059" + ENTER);
  await w.waitText("#member-title", "Bennani Karim");
});

test(
  "after an administrator's reset, the desk asks for a new password before anything else",
  { skip: skip ?? false },
  async () => {
    const staff = sys("staff_list", {}).staff;
    const nadia = staff.find((s) => s.username === "n.alami");
    sys("staff_reset_password", { id: nadia.id, new_password: "Passage-2026-1" });
    // Her next action meets the core's refusal: opening Adhérents asks for the members she opened
    // last, and the window is cleared for the new password before anything is shown.
    await w.click('#sections button[data-section="adherents"]');
    await w.waitFor("#password-change-form");
    const page = await w.exec("return document.body.innerText;");
    assert.ok(!page.includes("Bennani"), `nothing of the member stays: ${page}`);
    await w.type("#f-current_password", "Passage-2026-1");
    await w.type("#f-new_password", "Nadia-2026-neuf");
    await w.type("#f-confirm", "Nadia-2026-autre" + ENTER);
    await w.waitFormError("#password-change-form", "Les deux saisies du nouveau mot de passe diffèrent.");
    await w.exec("document.querySelector('#f-confirm').value = '';");
    await w.type("#f-confirm", "Nadia-2026-neuf" + ENTER);
    await w.waitFor("#member-search");
    await w.screenshot("41-mot-de-passe-choisi");
    // Her own password is the one that works now.
    const rows = sys("audit_list", { action: "staff.password_change" }).entries;
    assert.equal(rows[0].actor, "n.alami");
  },
);
