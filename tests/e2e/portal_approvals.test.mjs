// « Déposer une demande » in a real browser (Debian's Chromium, at a
// phone's width), served by `guichet serve`: a member deposits a prior
// approval request with its pieces and downloads its receipt; the medical
// advisor finds it in his queue, the prescription and the medical report
// sealed for him alone, and marks it incomplete; the member sends the
// complement from his space; the advisor grants it; the member downloads
// the letter. Screenshots in .e2e/.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, ENTER, isoDaysAgo, Site } from "./webdriver.mjs";

let site;
let url;
let b;
let code;
let medicalCli;
let claimsCli;

before(async () => {
  site = new Site("guichet-portail-accords-");
  medicalCli = site.staff("dr.idrissi", "Dr Idrissi", "medical", "Medecin-2026-ok");
  claimsCli = site.staff("k.tazi", "Karima Tazi", "claims", "Gestion-2026-ok");
  const reception = site.staff("accueil", "Accueil siège", "reception", "Accueil-2026-ok");
  const m = reception("member_create", {
    matricule: "13059",
    last_name: "Bennani",
    first_name: "Karim",
    cnie: "BE100200",
    employer: "RAM",
    status: "actif",
  });
  const letter = join(site.dir, "code.pdf");
  reception("portal_code_letter", { member_id: m.id, purpose: "activation", path: letter });
  const text = execFileSync("pdftotext", ["-layout", letter, "-"], { encoding: "utf8" });
  code = text.slice(text.indexOf("Code d'accès")).split(/\s+/)[2];
  const printed = await site.serve("127.0.0.1:0");
  url = printed[0].replace("Guichet écoute sur ", "").trim();
  b = await launchBrowser();
});

after(async () => {
  if (b) await b.close();
  if (site) site.stop();
});

/** Chooses `file` (written now) in the file input `selector`. */
async function attach(selector, name) {
  const file = join(site.dir, name);
  writeFileSync(file, `%PDF-1.4\n${name}\n`);
  await b.cmd("POST", `/element/${await b.waitFor(selector)}/value`, { text: file });
}

const status = (path) =>
  b.cmd("POST", "/execute/async", {
    script:
      "const done = arguments[1]; fetch(arguments[0]).then((r) => done(`${r.status} " +
      "${r.headers.get('content-type')}`));",
    args: [path],
  });

test("a member deposits a prior approval request, completes it, and downloads the letter", async () => {
  await b.open(`${url}/portail/#/activation`);
  await b.type("#f-matricule", "13059");
  await b.type("#f-cnie", "BE100200");
  await b.type("#f-code", code);
  await b.type("#f-password", "Portail2026" + ENTER);
  await b.waitFor("p.info");
  await b.open(`${url}/portail/#/connexion`);
  await b.type("#f-identifier", "13059");
  await b.type("#f-password", "Portail2026" + ENTER);
  await b.waitFor("nav");

  // The browser speaks French, as a member's does; every control is a finger's target (44 px).
  assert.equal(await b.exec("return navigator.language;"), "fr-FR");
  const small =
    "return [...document.querySelectorAll('main select, main input:not([type=file]), main button')]" +
    ".filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44).length;";
  assert.equal(await b.exec(small), 0);
  // The form: kinesitherapy, 10 sessions, its pieces; the badge's copy forgotten first.
  await b.portalSection("accords");
  await b.waitFor("#depot-accord");
  await b.exec("document.querySelector('#f-act_code').value = 'AMM';");
  await b.type("#f-sessions", "10");
  await b.type("#f-prescriber", "Dr Alami");
  await b.exec("document.querySelector('#f-expected_from').value = arguments[0];", isoDaysAgo(-5));
  await b.exec("document.querySelector('#f-expected_to').value = arguments[0];", isoDaysAgo(-60));
  await b.type("#f-quotation", "1 000");
  await attach("#f-depot-prescription", "ordonnance.pdf");
  await attach("#f-depot-medical_report", "rapport.pdf");
  await attach("#f-depot-cnie", "cnie.pdf");
  await b.screenshot("portail-accords-01-depot");
  await b.click("#depot-accord button[type=submit]");
  await b.waitText("#depot-accord .alerte", "Pièce obligatoire manquante : la copie du badge.");
  await attach("#f-depot-badge", "badge.pdf");
  await b.click("#depot-accord button[type=submit]");
  await b.waitText("#envoi-fait", (t) => /^Demande AP-\d{4}-\d{6} reçue/.test(t));
  const number = (await b.text("#envoi-fait")).match(/AP-\d{4}-\d{6}/)[0];
  assert.match(await b.text("main table"), new RegExp(`${number}.*Accord préalable.*En attente`, "s"));
  assert.equal(await status(`/portail/api/portal_approval_receipt?number=${number}`), "200 application/pdf");
  // At a phone's width no label stands alone beside nothing (no letter yet, no detail).
  const lone =
    "return [...document.querySelectorAll('main td')]" +
    ".filter((td) => td.textContent === '' && td.offsetParent !== null).length;";
  assert.equal(await b.exec(lone), 0);
  await b.screenshot("portail-accords-02-depose");

  // The medical advisor's queue holds it; its medical pieces are sealed for him alone.
  const queue = medicalCli("approval_list", { status: "en_attente" });
  const row = queue.find((r) => r.number === number);
  assert.ok(row, "the request reaches the medical queue");
  let req = medicalCli("approval_get", { id: row.id });
  assert.equal(req.sent_by, "member");
  const sealed = req.files.filter((f) => f.confidential).map((f) => f.piece);
  assert.deepEqual(sealed.sort(), ["medical_report", "prescription"]);
  const prescription = req.files.find((f) => f.piece === "prescription");
  assert.equal(medicalCli("approval_file_get", { id: prescription.id }).info.piece, "prescription");
  assert.throws(() => claimsCli("approval_file_get", { id: prescription.id }), "sealed for the medical role");
  req = medicalCli("approval_decide", {
    id: req.id,
    version: req.version,
    decision: { type: "incomplete", reason: "Devis du kinésithérapeute manquant.", missing: ["le devis"] },
  });
  assert.equal(req.status, "incomplet");

  // He reads why, and sends the complement from his space.
  await b.portalSection("dossiers");
  await b.portalSection("accords");
  await b.waitFor("#complement-accord");
  assert.match(await b.text("main table"), /Incomplète.*Devis du kinésithérapeute manquant/s);
  // The next step is a button: it opens the complement's form on this request.
  assert.deepEqual(await b.texts("main table .badge-to_do"), ["Incomplète : pièces à fournir"]);
  await b.click("main table button.etape");
  await b.waitFocus("f-complement-number");
  assert.equal(await b.exec("return document.activeElement.value;"), number);
  assert.deepEqual(await b.pageProblems(), [], "an incomplete request");
  await attach("#f-complement-quotation", "devis.pdf");
  await b.screenshot("portail-accords-03-complement");
  await b.click("#complement-accord button[type=submit]");
  await b.waitText("#envoi-fait", (t) => t.startsWith(`Complément de la demande ${number} reçu`));
  req = medicalCli("approval_get", { id: req.id });
  assert.equal(req.status, "en_attente", "back in the medical queue");
  assert.ok(req.files.some((f) => f.piece === "quotation"));

  // Granted: he downloads the letter.
  medicalCli("approval_decide", {
    id: req.id,
    version: req.version,
    decision: {
      type: "grant",
      grants: [
        {
          act_code: "AMM",
          unit: "sessions",
          quantity: 10,
          valid_from: isoDaysAgo(-5),
          valid_to: isoDaysAgo(-60),
          tariff: "50",
          mutual_share: "10",
          member_share: "40",
        },
      ],
    },
  });
  await b.portalSection("dossiers");
  await b.portalSection("accords");
  await b.waitText("main table", (t) => new RegExp(`${number}.*Accordée`, "s").test(t));
  assert.equal(await status(`/portail/api/portal_letter_pdf?number=${number}`), "200 application/pdf");
  assert.deepEqual(await b.texts("main table .badge-done"), ["Accordée"]);
  assert.deepEqual(await b.pageProblems(), [], "a granted request");
  await b.screenshot("portail-accords-04-accordee");
});
