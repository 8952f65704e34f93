// The real window: a reception agent imports an employer roster (dry run,
// confirm, progress streamed from Rust, report, rejected rows exported through
// the save dialog), then finds a member by name and by scanned matricule.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { answerOpenDialog, launch, windowTestsSkipReason, ENTER, answerSaveDialog, cli } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const PASSWORD = "Accueil-2026-ok";
let w;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "s.idrissi", "--name", "Salma Idrissi", "--role", "reception"], {
    input: PASSWORD + "\n",
  });
  // The window asked before the accounts existed: reload to reach the login screen.
  await w.exec("location.reload()");
  await w.waitFor("#login-form");
  await w.type("#f-username", "s.idrissi" + ENTER);
  await w.type("#f-password", PASSWORD + ENTER);
  await w.waitFor("#member-search");
});
after(async () => {
  if (w) await w.close();
});

test("import an employer roster with progress and report", { skip: skip ?? false }, async () => {
  const lines = ["Liste du personnel — RAM", "", "Matricule;Nom;Prénom;Né(e) le;Société;Situation;RIB"];
  lines.push("13059;Bennani;Karim;27/08/1981;RAM;Actif;007 780 000 000 3654300171 71");
  for (let i = 0; i < 3000; i++) lines.push(`${20000 + i};Alaoui;Agent${i};01/01/1980;RAM;actif;`);
  lines.push("13059;Bennani;Karim;27/08/1981;RAM;Actif;"); // duplicate
  lines.push("13070;Tazi;Nour;31/02/1990;RAM;Actif;"); // impossible date
  const file = join(w.home, "personnel-ram.csv");
  writeFileSync(file, lines.join("\n") + "\n");

  await w.click("#member-import");
  await w.click("#import-browse");
  answerOpenDialog("Fichier d'employeur", file);
  await w.waitValue("#import-form #f-path", /^fichier:\d+\/personnel-ram\.csv$/);
  await w.click("#import-check");
  await w.waitFor("#import-preview");
  assert.equal(await w.text("#count-created"), "3001 créées");
  assert.equal(await w.text("#count-rejected"), "2 rejetées");

  // Record every progress label the window shows while the import runs.
  await w.exec(`window.__progress = [];
    new MutationObserver(() => {
      const l = document.getElementById('import-progress-label');
      if (l) window.__progress.push(l.textContent);
    })
      .observe(document.body, { subtree: true, childList: true, characterData: true });`);
  await w.click("#import-confirm");
  await w.waitFor("#import-report", 60000);
  await w.screenshot("05-import-rapport");
  assert.equal(await w.text("#count-rows"), "3003 lignes lues");
  assert.equal(await w.text("#count-created"), "3001 créées");
  const progress = await w.exec("return window.__progress");
  assert.ok(
    progress.some((t) => t.startsWith("Enregistrement")),
    `progress seen: ${JSON.stringify(progress)}`,
  );
  const rejected = await w.texts("#rejected-rows tbody tr");
  assert.equal(rejected.length, 2);
  assert.match(rejected[0], /^3005.*Matricule.*déjà présent à la ligne 4/);
  assert.match(rejected[1], /^3006.*Né\(e\) le.*Date impossible « 31\/02\/1990 »/);

  // Export through the real native save dialog, answered as a person would:
  // type the full path in its name field, then Enter.
  const dest = join(w.home, "rejets.xlsx");
  await w.click("#export-rejected");
  answerSaveDialog("Enregistrer les lignes rejetées", dest);
  await w.waitText("#export-done", (t) => t.includes("rejets.xlsx"));
  assert.ok(existsSync(dest));
  assert.equal(readFileSync(dest).subarray(0, 2).toString(), "PK");
});

test("find a member by name as you type, and by a scanned matricule", { skip: skip ?? false }, async () => {
  await w.exec("document.dispatchEvent(new KeyboardEvent('keydown', {key: '1', altKey: true}))");
  await w.waitFor("#member-search");
  await w.type("#member-search", "bennani kar");
  await w.waitText("#member-search-status", "1 résultat.");
  assert.equal(await w.text("#member-results tbody tr td"), "13059");
  // A scanner types the number and Enter: the member opens at once.
  await w.type("#member-search", "20042" + ENTER);
  await w.waitText("#member-title", "Alaoui Agent42");
  const benef = await w.texts("#beneficiaries tbody tr");
  assert.equal(benef.length, 1);
  assert.match(benef[0], /^Lui-même/);
  // The history in the page's words: dates day first, the situation as a word.
  const created = (await w.texts("#member-history tbody tr"))[0] ?? "";
  assert.match(created, /naissance : — → 01\/01\/1980/);
  assert.match(created, /situation : — → Actif/);
  // The page's head is one line: the name, three actions, the others under « Plus ».
  const head = await w.exec("return document.querySelector('.page-head').getBoundingClientRect().height;");
  assert.ok(head < 60, `the member page's head is ${head} px tall`);
  await w.screenshot("06-fiche-adherent");
});

test("a child past the age is shown why, and covered again on his disability", { skip: skip ?? false }, async () => {
  // On the page of member 20042, opened by the previous test.
  await w.click("#beneficiary-add");
  await w.waitFor("#beneficiary-form");
  await w.type('#beneficiary-form [name="first_name"]', "Omar");
  await w.exec(`document.querySelector('#beneficiary-form [name="birth_date"]').value = "1990-01-01";`);
  await w.click('#beneficiary-form button[type="submit"]');
  await w.waitText("#beneficiaries", (t) => t.includes("Omar"));
  const omar = async () => (await w.texts("#beneficiaries tbody tr")).find((r) => r.includes("Omar")) ?? "";
  assert.match(await omar(), /Omar a eu 26 ans le 01\/01\/2016 : plus couvert\(e\) depuis cette date, sauf handicap/);
  await w.click("#rights-disability");
  await w.waitFor("#disability-form");
  await w.type('#disability-form [name="since"]', "01/03/2010");
  await w.click('#disability-form button[type="submit"]');
  // The certificate is asked beside its field; nothing is recorded without it.
  await w.waitText('[data-error-for="certificate"]', "Indiquez le certificat de handicap (numéro, qui l'a établi).");
  await w.type('#disability-form [name="certificate"]', "CHU Ibn Rochd n° 4471");
  await w.click('#disability-form button[type="submit"]');
  await w.waitText("#beneficiaries", (t) => t.includes("handicap reconnu depuis le 01/03/2010"));
  assert.match(await omar(), /Couvert\(e\) \(handicap reconnu depuis le 01\/03\/2010\)/);
  await w.screenshot("06b-droits-beneficiaire");
});

test("the search page offers the members opened last; Enter opens the first", { skip: skip ?? false }, async () => {
  await w.exec("document.dispatchEvent(new KeyboardEvent('keydown', {key: '1', altKey: true}))");
  await w.waitFor("#member-recent");
  assert.equal(await w.text("#member-recent caption"), "Derniers adhérents consultés");
  const rows = await w.texts("#member-recent tbody tr");
  assert.equal(rows.length, 1, `only the member opened: ${rows}`);
  assert.match(rows[0] ?? "", /^20042Alaoui/);
  await w.screenshot("06c-recherche-derniers-consultes");
  await w.type("#member-search", ENTER);
  await w.waitText("#member-title", "Alaoui Agent42");
});
