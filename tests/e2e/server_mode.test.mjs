// The real window as a desk of a site: a fresh desk is linked to a Guichet
// server started by the test (its certificate's fingerprint shown and
// compared, then pinned), holds no database of its own, logs in, searches a
// member, records a dossier, and saves a statement through the save dialog
// with the bytes coming from the server.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, windowTestsSkipReason, ENTER, answerSaveDialog, isoDaysAgo, frDate, Site } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const ADMIN = "Admin-Guichet-1";
let w;
/** The site: its database, its CLI, its server. */
let site;
let fingerprint;
let url;

const fr = frDate;
const siteCli = (args, input, env) => site.cli(args, input, env);
const CLAIMS = "Gestion-2026-ok";

before(async () => {
  if (skip) return;
  site = new Site("guichet-site-");
  site.staff("admin", "Admin du site", "admin", ADMIN);
  const claims = site.staff("k.tazi", "Karima Tazi", "claims", CLAIMS);
  const urn = site.sys("urn_save", { name: "Siège", site: "Casablanca" });
  const m = site.sys("member_create", {
    matricule: "13059",
    last_name: "Bennani",
    first_name: "Karim",
    employer: "RAM",
    status: "actif",
    rib: "007 780 000 000 3654300171 71",
  });
  const me = site.sys("member_get", { id: m.id }).beneficiaries[0].id;
  // A paid dossier whose statement the desk will save.
  const { collection: col } = site.paidDossier(claims, { urnId: urn.id, formNumber: "M26-0000900", beneficiaryId: me });
  // Its collection closed: the desk opens the next one.
  const c = site.sys("collection_get", { id: col.id });
  site.sys("collection_close", { id: col.id, version: c.collection?.version ?? c.version });
  const printed = await site.serve();
  url = printed[0].replace("Guichet écoute sur ", "").trim();
  fingerprint = printed[1].split(" : ").pop().trim();
  w = await launch();
  await w.waitFor("#setup-form");
});
after(async () => {
  if (w) await w.close();
  if (site) site.stop();
});

test(
  "a desk linked to a Guichet server: fingerprint compared, login, search, a dossier, a statement",
  { skip: skip ?? false },
  async () => {
    // A fresh desk of a site: linked to the server instead of creating an administrator.
    await w.click("#setup-server");
    await w.waitFor("#server-form");
    await w.type("#f-url", url);
    await w.click("#server-probe");
    await w.waitText("#server-fingerprint", fingerprint);
    await w.screenshot("30-empreinte-serveur");
    await w.click("#server-trust");
    await w.waitFor("#login-form");
    // The desk keeps the server's address and fingerprint, never a database's.
    const settings = readFileSync(join(w.home, "config", "ma.mutuelle.guichet", "settings.json"), "utf8");
    assert.ok(settings.includes(url) && settings.includes(fingerprint), settings);
    assert.ok(!/sqlite|postgres/.test(settings), settings);
    await w.type("#f-username", "admin" + ENTER);
    await w.type("#f-password", ADMIN + ENTER);
    await w.waitFor("#app-shell");

    // Search a member: the answer comes from the site's database.
    await w.click('[data-section="adherents"]');
    await w.waitFor("#member-search");
    await w.type("#member-search", "13059" + ENTER);
    await w.waitText("#member-title", "Bennani Karim");

    // Record a dossier at the reception desk.
    await w.click('[data-section="reception"]');
    await w.waitFor("#collection-open-form");
    await w.click("#collection-open");
    await w.waitFor("#dossier-form");
    const step = async (focus, keys) => {
      await w.waitFocus(focus);
      await w.keys(keys);
    };
    await step("f-form_number", "M26-0000901" + ENTER);
    await step("f-matricule", "13059" + ENTER);
    await w.waitText("#member-found", (t) => t.startsWith("Bennani Karim"));
    await step("f-beneficiary_id", ENTER);
    await step("f-kind", ENTER);
    await step("f-first_act_date", fr(isoDaysAgo(3)) + ENTER);
    await step("f-total_claimed", "150" + ENTER);
    await step("f-pieces", "2" + ENTER);
    await w.waitText("#record-status", (t) => t.startsWith("M26-0000901 enregistré pour Bennani Karim"));
    const recorded = site.sys("dossier_get", { form_number: "M26-0000901" });
    assert.equal(recorded.dossier.form_number, "M26-0000901", "recorded in the site's database");

    // A statement saved through the save dialog, its bytes from the server.
    await w.click('[data-section="dossiers"]');
    await w.waitFor("#f-open_form_number");
    await w.type("#f-open_form_number", "M26-0000900" + ENTER);
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Réglé"));
    const dest = join(w.home, "decompte-serveur.pdf");
    await w.click("#statement-save");
    answerSaveDialog("Enregistrer le décompte", dest);
    await w.waitText("#dossier-status", (t) => t.includes("decompte-serveur.pdf"), 20000);
    assert.ok(existsSync(dest));
    const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" });
    for (const expected of ["Décompte de remboursement", "M26-0000900", "Bennani Karim", "80,00"]) {
      assert.ok(text.includes(expected), `statement lacks ${expected}:\n${text}`);
    }
    await w.screenshot("31-poste-serveur");

    // The session ends while a dossier is being typed (the administrator's
    // password reset on the server's machine ends it on every desk): the desk
    // asks the password again over the screen and keeps what was typed.
    await w.click('[data-section="reception"]');
    await w.waitFor("#collections");
    await w.exec(
      "[...document.querySelectorAll('#collections button')].find((b) => b.textContent === 'Reprendre').click()",
    );
    await w.waitFor("#dossier-form");
    await step("f-form_number", "M26-0000902" + ENTER);
    await step("f-matricule", "13059" + ENTER);
    await w.waitText("#member-found", (t) => t.startsWith("Bennani Karim"));
    await step("f-beneficiary_id", ENTER);
    await step("f-kind", ENTER);
    await step("f-first_act_date", fr(isoDaysAgo(4)) + ENTER);
    await step("f-total_claimed", "175" + ENTER);
    await w.waitFocus("f-pieces");
    await w.keys("3");
    const staff = JSON.parse(siteCli(["call", "staff_list", "{}"])).staff;
    const NEW = "Nouveau-Secret-2026";
    siteCli([
      "call",
      "staff_reset_password",
      JSON.stringify({ id: staff.find((s) => s.username === "admin").id, new_password: NEW }),
    ]);
    await w.keys(ENTER);
    await w.waitFor("#expired-overlay");
    await w.waitText("#expired-overlay .hint", (t) => t.includes("reconnectez-vous"));
    // Said once: the form behind says only that it is not saved yet.
    const behind = await w.texts(".form-error");
    assert.ok(!behind.some((t) => t.startsWith("Session terminée")), `repeated behind the window: ${behind}`);
    await w.screenshot("32-session-terminee");
    await w.type("#relogin-form [name=username]", "admin");
    await w.type("#relogin-form [name=password]", NEW + ENTER);
    for (let i = 0; (await w.exec("return document.getElementById('expired-overlay') !== null")) && i < 100; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await w.exec("return document.getElementById('expired-overlay') === null"), true, "logged in again");
    // A reset password is a passage: the window asks for his own over the screen.
    await w.waitFor("#password-change-overlay #password-change-form");
    await w.type("#f-current_password", NEW);
    await w.type("#f-new_password", "Le-Mien-Secret-2026");
    await w.type("#f-confirm", "Le-Mien-Secret-2026" + ENTER);
    for (
      let i = 0;
      (await w.exec("return document.getElementById('password-change-overlay') !== null")) && i < 100;
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      await w.exec("return document.getElementById('password-change-overlay') === null"),
      true,
      "his own password chosen",
    );
    // What was typed is kept.
    await w.waitValue("#f-form_number", /^M26-0000902$/);
    await w.waitValue("#f-total_claimed", /^175/);
    await w.click("#dossier-save");
    await w.waitText("#record-status", (t) => t.startsWith("M26-0000902 enregistré pour Bennani Karim"));
    // Its journal row names this desk and its address.
    const journal = JSON.parse(
      siteCli(["call", "audit_list", JSON.stringify({ action: "dossier.create", entity_type: "dossier" })]),
    );
    const row = journal.entries.find((e) => e.after?.form_number === "M26-0000902");
    assert.ok(row && row.desk && row.remote_addr === "127.0.0.1", JSON.stringify(row));

    // The server killed: the desk says in French that it cannot be reached;
    // the server back on the same address, the desk carries on, still logged in.
    const stopped = new Promise((r) => site.server.once("exit", r));
    site.server.kill("SIGKILL");
    await stopped;
    await w.click('[data-section="adherents"]');
    await w.waitFor("#member-search");
    await w.type("#member-search", "bennani");
    // Said once, as an alert at the top of the window; where he typed, a short line.
    await w.waitText("#server-alert", (t) => t.startsWith("Le serveur Guichet (https://127.0.0.1:"));
    assert.equal(await w.exec("return document.getElementById('server-alert').getAttribute('role');"), "alert");
    await w.waitText(
      "#member-search-status",
      "Non fait : le serveur ne répond pas (voir l'alerte en haut de la fenêtre).",
    );
    await w.screenshot("33-serveur-injoignable");
    await site.serve(`127.0.0.1:${new URL(url).port}`);
    await w.type("#member-search", " kar");
    await w.waitText("#member-search-status", (t) => t === "1 résultat.");
    await w.waitFor('#member-results tr[data-matricule="13059"]');
    assert.equal(
      await w.exec("return document.getElementById('server-alert');"),
      null,
      "the alert goes with the answer",
    );
  },
);
