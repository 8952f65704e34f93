// The real window, first start on an empty data folder: create the
// administrator, log out, a wrong password shows the French error, log in, and
// the administrator's sections are there.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, windowTestsSkipReason, ENTER } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
let w;

before(async () => {
  if (!skip) w = await launch();
});
after(async () => {
  if (w) await w.close();
});

test("first start, logout, wrong password, login, sections", { skip: skip ?? false }, async () => {
  // First start: the "create the administrator" screen.
  await w.waitFor("#setup-form");
  assert.equal(await w.text("#setup-form h1"), "Guichet — premier démarrage");
  await w.screenshot("01-premier-demarrage");

  // A short password is refused with the field named.
  await w.type("#f-username", "admin");
  await w.type("#f-full_name", "Fatima Zahra Alaoui");
  await w.type("#f-password", "court");
  await w.type("#f-confirm", "court" + ENTER);
  await w.waitFormError("#setup-form", "Mot de passe trop court : au moins 10 caractères (il en a 5).");

  await w.type("#f-password", "Admin-Guichet-1");
  await w.type("#f-confirm", "Admin-Guichet-1" + ENTER);

  // Logged in: name, role, and every section of an administrator.
  await w.waitFor("#app-shell");
  assert.equal(await w.text("#current-user .name"), "Fatima Zahra Alaoui");
  assert.equal(await w.text("#current-user .roles"), "Administrateur");
  const sections = (await w.texts("#sections button")).map((t) => t.replace(/^\d/, ""));
  assert.deepEqual(sections, [
    "Adhérents",
    "Réception",
    "Dossiers",
    "Accords et prises en charge",
    "Décomptes",
    "Administration",
  ]);
  await w.screenshot("02-connecte");

  // Log out: back to the login screen (not the first-start one).
  await w.click("#logout");
  await w.waitFor("#login-form");

  // A wrong password: the French error, the password emptied.
  await w.type("#f-username", "admin" + ENTER);
  await w.type("#f-password", "mauvais-mot-de-passe" + ENTER);
  await w.waitFormError("#login-form", "Identifiant ou mot de passe incorrect.");
  await w.screenshot("03-mauvais-mot-de-passe");

  // The right one.
  await w.type("#f-password", "Admin-Guichet-1" + ENTER);
  await w.waitFor("#app-shell");
  assert.equal((await w.texts("#sections button")).length, 6);
});

test("an administrator creates a reception agent, who sees only his sections", { skip: skip ?? false }, async () => {
  // Alt+6 opens Administration (keyboard-first).
  await w.exec("document.dispatchEvent(new KeyboardEvent('keydown', {key: '6', altKey: true}))");
  await w.waitFor("#staff-list table");
  await w.click("#staff-new");
  await w.type("#staff-create #f-username", "s.idrissi");
  await w.type("#staff-create #f-full_name", "Salma Idrissi");
  await w.click("#staff-create input[value=reception]");
  await w.type("#staff-create #f-password", "Accueil-2026-ok" + ENTER);
  await w.waitFor("#staff-list tr[data-username='s.idrissi']");
  assert.equal(await w.text("#staff-list tr[data-username='s.idrissi'] .state"), "Actif");
  // The section's tabs stay one row: as tall as one tab.
  const rows = await w.exec(
    "const bar = document.querySelector('.tabs'); return bar.getBoundingClientRect().height / " +
      "bar.querySelector('button').getBoundingClientRect().height;",
  );
  assert.ok(rows < 1.5, `the tabs take ${rows} rows`);
  await w.screenshot("04-personnel");

  await w.click("#logout");
  await w.type("#f-username", "s.idrissi" + ENTER);
  await w.type("#f-password", "Accueil-2026-ok" + ENTER);
  await w.waitFor("#app-shell");
  assert.equal(await w.text("#current-user .roles"), "Agent d'accueil");
  const sections = (await w.texts("#sections button")).map((t) => t.replace(/^\d/, ""));
  assert.deepEqual(sections, ["Adhérents", "Réception", "Dossiers", "Accords et prises en charge"]);
});
