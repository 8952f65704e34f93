// The real window at the claims desk, as a pharmacy dossier is worked: the
// drug list imported from the command line, then a processor scans the
// vignettes with a handheld barcode scanner (13 digits and Enter, typed here
// as keystrokes on the focused field): each line appears with its drug, the
// same code again adds a box, an unknown code asks for its amount; the lines
// are saved with what to check, the dossier liquidated to the fund's figures.
// The keystrokes the scanner saved against typing every line by hand are
// counted and printed. A dossier e-mailed as a scan (tests/fixtures/
// ordonnance-vignettes.jpg, made by tests/support/scans.rs: an A4 page at
// 200 dpi with IXOR twice and AMOXICLAV, turned, noisy, JPEG quality 70):
// its vignettes are read, the proposed lines taken, saved and liquidated,
// and the original paper checked against them. Last, the administrator
// imports a new version of the list in Administration → Médicaments (the
// differences shown first) and finds a drug.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  answerOpenDialog,
  launch,
  windowTestsSkipReason,
  ENTER,
  cli,
  isoDaysAgo,
  frDate,
  ROOT,
  takeByCli,
} from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const CLAIMS = "Gestion-2026-ok";
let w;
let sys;
let claims;
let me;

// The fund's list as published (an index column, missing values as - and nan).
const LIST =
  ",CODE,NOM,DCI1,DOSAGE1,UNITE_DOSAGE1,FORME,PRESENTATION,PPV,PH,PRIX_BR,PRINCEPS_GENERIQUE,TAUX_REMBOURSEMENT\n" +
  `0,6118000032779,IXOR 10 MG,ROSUVASTATINE,10,MG,COMPRIME PELLICULE,BOITE DE 30,"108,00",-,60.00,P,70%
1,6118001290017,AMOXICLAV,AMOXICILLINE,600 / 5,MG / MG,SUSPENSION BUVABLE,FLACON 60 ML,45.5,30.000,45.5,G,70 %
2,6118000170013,VITAMINE D3,CHOLECALCIFEROL,200000,UI,AMPOULE,B/1,18,,18,G,0%
3,6118000211112,DOLIPRANE 1000,PARACETAMOL,1000,MG,COMPRIME,BOITE DE 8,"15,60",-,"15,60",P,70%
`;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  claims = (op, req) =>
    JSON.parse(
      cli(w.home, ["--user", "k.tazi", "call", op, JSON.stringify(req)], { env: { GUICHET_PASSWORD: CLAIMS } }),
    );
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "k.tazi", "--name", "Karima Tazi", "--role", "claims"], {
    input: CLAIMS + "\n",
  });
  const file = join(w.home, "referentiel.csv");
  writeFileSync(file, LIST);
  const report = cli(w.home, ["drugs", "import", file, "--from", isoDaysAgo(400)]);
  assert.match(report, /Version importée : 4 médicaments/);
  const urn = sys("urn_save", { name: "Siège", site: "Casablanca" });
  const m = sys("member_create", {
    matricule: "13059",
    last_name: "Benhnini",
    first_name: "Fouad",
    employer: "RAM",
    status: "actif",
    rib: "007 780 000 000 3654300171 71",
  });
  const col = sys("collection_open", { urn_id: urn.id });
  const r = sys("dossier_record", {
    collection_id: col.id,
    form_number: "M26-0070001",
    matricule: "13059",
    beneficiary_id: (me = sys("member_get", { id: m.id }).beneficiaries[0].id),
    kind: "maladie",
    first_act_date: isoDaysAgo(10),
    total_claimed: "380",
    pieces: 3,
  });
  takeByCli(claims, r.dossier);
  await w.exec("location.reload()");
  await w.login("k.tazi", CLAIMS);
});
after(async () => {
  if (w) await w.close();
});

test("a pharmacy dossier built by scanning its vignettes, then liquidated", { skip: skip ?? false }, async () => {
  await w.click('[data-section="dossiers"]');
  await w.waitFor("#f-open_form_number");
  await w.type("#f-open_form_number", "M26-0070001" + ENTER);
  await w.waitText("#dossier-title", "Dossier M26-0070001");
  await w.waitFor("#vignette-scan");
  await w.click("#vignette-scan");
  // The scanner: IXOR twice (two boxes), AMOXICLAV, the vitamin at 0 %,
  // DOLIPRANE, and a code the list does not have.
  const scans = ["6118000032779", "6118000032779", "6118001290017", "6118000170013", "6118000211112", "6118000099999"];
  let scannerKeys = 0;
  for (const code of scans) {
    await w.keys(code + ENTER);
    scannerKeys += code.length + 1;
  }
  await w.waitText("#vignette-status", (t) => t.includes("6118000099999 absent du référentiel"));
  const rows = () => w.texts("#care-lines tbody tr .drug-label");
  await w.waitText("#care-lines tbody", (t) => t.includes("DOLIPRANE 1000, boite de 8"));
  assert.deepEqual(await rows(), [
    "IXOR 10 MG, boite de 30",
    "AMOXICLAV, flacon 60 ml",
    "VITAMINE D3, b/1",
    "DOLIPRANE 1000, boite de 8",
    "Code 6118000099999 absent du référentiel des médicaments en vigueur : saisissez le montant facturé.",
  ]);
  const value = (n, name) => w.exec(`return document.querySelector('${line(n, name)}').value;`);
  assert.equal(await value(1, "quantity"), "2", "the same vignette again adds a box");
  // The unknown code's amount is typed from the pharmacy's invoice (the focus waits there).
  await w.keys("50");
  scannerKeys += 2;
  assert.equal(await value(5, "charged"), "50");
  await w.screenshot("40-pharmacie-vignettes");
  await w.exec("document.getElementById('care-lines-form').dataset.before = 'save';");
  await w.click("#care-lines-save");
  await w.waitFor("#care-lines-form:not([data-before])");
  const warnings = await w.text("#care-lines");
  assert.ok(warnings.includes("Médicament non remboursable (VITAMINE D3, taux 0 % au référentiel)."), warnings);
  assert.equal(await value(1, "charged"), "216,00", "two boxes at the public price");

  await w.waitFor('[data-move="mark_complete"]');
  await w.click('[data-move="mark_complete"]');
  await w.click("#move-confirm");
  await w.waitText("#dossier-status-badge", (t) => t.startsWith("Complet"));
  await w.click("#dossier-liquidate");
  await w.waitText("#dossier-status-badge", (t) => t.startsWith("Liquidé"));
  const lines = await w.texts("#liquidation-lines tbody tr:not(.explanation)");
  // IXOR: base 2 × 60,00 = 120,00, AMO 70 % = 84,00, the mutual 36,00, left 96,00.
  assert.match(lines[0], /^.+2 × IXOR 10 MG, boite de 30216,000,00120,0070\u00a0%84,0036,00120,0096,00$/);
  assert.match(lines[1], /AMOXICLAV, flacon 60 ml45,500,0045,5070\u00a0%31,8513,6545,500,00$/);
  assert.match(lines[2], /VITAMINE D3, b\/118,00.*Médicament non remboursable/);
  assert.match(lines[3], /DOLIPRANE 1000, boite de 815,600,0015,6070\u00a0%10,924,6815,600,00$/);
  assert.match(lines[4], /Médicament 611800009999950,00.*absent du référentiel/);
  await w.screenshot("41-pharmacie-liquidee");

  // By hand, each line is typed whole: the act (PHARMA), the code, the
  // boxes and the amount from the invoice, a Tab between fields, and the
  // "add a line" button for every line after the first.
  const typed = [
    ["6118000032779", "2", "216,00"],
    ["6118001290017", "1", "45,50"],
    ["6118000170013", "1", "18,00"],
    ["6118000211112", "1", "15,60"],
    ["6118000099999", "1", "50"],
  ];
  const byHand = typed.reduce(
    (n, [code, boxes, charged]) => n + 6 + code.length + boxes.length + charged.length + 4,
    0,
  );
  const perLineAdd = typed.length - 1;
  console.log(
    `# keystrokes for ${typed.length} drugs: ${scannerKeys} with the scanner, ` +
      `${byHand + perLineAdd} typing everything by hand (${byHand} keys and ${perLineAdd} clicks)`,
  );
  assert.ok(scannerKeys < byHand);
});

const line = (n, name) => `#care-lines tbody tr:nth-child(${n}) input[name=${name}]`;

test(
  "a scanned dossier's vignettes read, its lines taken, liquidated, its original checked",
  { skip: skip ?? false },
  async () => {
    const r = sys("dossier_record_scan", {
      form_number: "M26-0070002",
      matricule: "13059",
      beneficiary_id: me,
      kind: "maladie",
      first_act_date: isoDaysAgo(12),
      total_claimed: "261,60",
      pieces: 2,
      files: [join(ROOT, "tests", "fixtures", "ordonnance-vignettes.jpg")],
    });
    takeByCli(claims, r.dossier);
    await w.click('[data-section="dossiers"]');
    await w.waitFor("#f-open_form_number");
    await w.type("#f-open_form_number", "M26-0070002" + ENTER);
    await w.waitText("#dossier-title", "Dossier M26-0070002");
    await w.click("#vignettes-read");
    await w.waitText("#vignette-summary", "3 vignettes lues.");
    const proposed = await w.texts("#vignette-lines tbody tr");
    assert.deepEqual(proposed.sort(), [
      "6118000032779IXOR 10 MG, boite de 3021",
      "6118001290017AMOXICLAV, flacon 60 ml11",
    ]);
    await w.exec("document.getElementById('vignette-proposal').scrollIntoView({ block: 'center' }); return 1;");
    await w.screenshot("42-pharmacie-vignettes-des-scans");
    await w.click("#vignettes-take");
    await w.waitText("#care-lines tbody", (t) => t.includes("AMOXICLAV, flacon 60 ml") && t.includes("IXOR 10 MG"));
    await w.exec("document.getElementById('care-lines-form').dataset.before = 'save';");
    await w.click("#care-lines-save");
    await w.waitFor("#care-lines-form:not([data-before])");
    await w.waitFor('[data-move="mark_complete"]');
    await w.click('[data-move="mark_complete"]');
    await w.click("#move-confirm");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Complet"));
    await w.click("#dossier-liquidate");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Liquidé"));
    const lines = await w.texts("#liquidation-lines tbody tr:not(.explanation)");
    assert.ok(
      lines.some((l) => /2 × IXOR 10 MG, boite de 30216,000,00120,0070\u00a0%84,0036,00120,0096,00$/.test(l)),
      lines,
    );
    assert.ok(
      lines.some((l) => /AMOXICLAV, flacon 60 ml45,500,0045,5070\u00a0%31,8513,6545,500,00$/.test(l)),
      lines,
    );
    // The original comes: its vignettes scanned at the desk, against the lines.
    await w.click("#original-scan");
    await w.keys("6118000032779" + ENTER + "6118001290017" + ENTER);
    await w.click("#original-compare");
    await w.waitText("#original-status", (t) =>
      t.startsWith("Différences : 6118000032779 : 2 boîtes saisies, 1 vignette"),
    );
    await w.click("#original-scan");
    await w.keys("6118000032779" + ENTER);
    await w.click("#original-compare");
    await w.waitText("#original-status", "L'original porte les mêmes médicaments et les mêmes boîtes que les lignes.");
    await w.exec("document.getElementById('original-check').scrollIntoView({ block: 'center' }); return 1;");
    await w.screenshot("43-pharmacie-controle-original");
  },
);

test("the administrator imports a new version of the drug list and finds a drug", { skip: skip ?? false }, async () => {
  await w.click("#logout");
  await w.login("admin", "Admin-Guichet-1");
  await w.click('[data-section="administration"]');
  await w.click("#tab-drugs");
  await w.waitFor("#drug-versions");
  assert.match(await w.text("#drug-versions tbody"), /referentiel\.csv4/);
  // A new version: IXOR's public price changes, a drug is added.
  const next = join(w.home, "referentiel-2.csv");
  writeFileSync(
    next,
    LIST.replace('"108,00",-,60.00', '"112,00",-,60.00') +
      "4,6118000300003,NOUVEAU 5 MG,NOUVELLE DCI,5,MG,GELULE,BOITE DE 10,20,,20,G,70%\n",
  );
  await w.click("#drug-browse");
  answerOpenDialog("Référentiel des médicaments", next);
  for (let i = 0; i < 50 && !(await w.exec("return document.getElementById('f-path').value;")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await w.type("#f-effective_from", frDate(isoDaysAgo(-10)));
  await w.click("#drug-check");
  await w.waitFor("#drug-import-preview");
  assert.equal(await w.text("#drug-count-added"), "1 ajoutés");
  assert.equal(await w.text("#drug-count-changed"), "1 modifiés");
  assert.match(await w.text("#drug-differences tbody"), /modifié6118000032779IXOR 10 MGPPV 108,00 → 112,00/);
  await w.screenshot("44-medicaments-essai");
  await w.click("#drug-import");
  await w.waitFor("#drug-import-report");
  assert.match(await w.text("#drug-versions tbody"), /referentiel-2\.csv5/);
  await w.type("#drug-search", "rosuvas");
  await w.waitText("#drug-results tbody", (t) => t.includes("IXOR 10 MG, boite de 30") && t.includes("108,00"));
  await w.screenshot("45-medicaments-recherche");
});
