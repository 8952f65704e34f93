// The members' portal in a real browser (Debian's Chromium through its
// chromedriver, at a phone's width), served by `guichet serve`: a member
// activates his space with the code of the letter the desk printed, logs in,
// reads each page of the guides, sends a new dossier's scans that the desk
// finds recorded and marks incomplete, reads why, sends the complement, and
// once the desk has paid it downloads its statement; another member cannot
// open it by typing its address. He asks for a new bank account with its
// pieces, gets its acknowledgement of receipt (sent and in his space), and
// reads it validated once a reception agent has checked it. Screenshots of
// every page in .e2e/.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, ENTER, isoDaysAgo, Site, ROOT } from "./webdriver.mjs";

const RECEPTION = "Accueil-2026-ok";
const CLAIMS = "Gestion-2026-ok";
/** The site: its database, its CLI, its server. */
let site;
let url;
let b;
const codes = {};
let statement;
/** The calls of the reception and claims desks, through the CLI on the site's database. */
let receptionCli;
let claimsCli;

before(async () => {
  site = new Site("guichet-portail-");
  const sys = (op, req) => site.sys(op, req);
  receptionCli = site.staff("accueil", "Accueil siège", "reception", RECEPTION);
  claimsCli = site.staff("k.tazi", "Karima Tazi", "claims", CLAIMS);
  const urn = sys("urn_save", { name: "Siège", site: "Casablanca" });
  // The mutual's name and logo head every page of the portal, before login too.
  sys("settings_save", { mutual_name: "Mutuelle du Personnel", mutual_address: "Casablanca" });
  sys("logo_set", { file: join(ROOT, "icons", "128x128.png") });
  const partner = { kind: "Institut médico-pédagogique", city: "Casablanca", address: "27, rue Hajjaï", active: true };
  sys("provider_save", { ...partner, name: "Association Anaïs", agreement: "CONV-2021-07" });
  const members = [
    {
      matricule: "13059",
      last_name: "Bennani",
      first_name: "Karim",
      cnie: "BE100200",
      email: "karim.bennani@example.ma",
      rib: "007 780 000 000 3654300171 71",
    },
    { matricule: "13060", last_name: "Chraïbi", first_name: "Fatima", cnie: "BE654321" },
  ];
  for (const m of members) {
    const created = receptionCli("member_create", { ...m, employer: "RAM", status: "actif" });
    const letter = join(site.dir, `code-${m.matricule}.pdf`);
    receptionCli("portal_code_letter", { member_id: created.id, purpose: "activation", path: letter });
    const text = execFileSync("pdftotext", ["-layout", letter, "-"], { encoding: "utf8" });
    codes[m.matricule] = text.slice(text.indexOf("Code d'accès")).split(/\s+/)[2];
    m.id = created.id;
  }
  // Karim's dossier, paid: a statement in his space.
  const me = sys("member_get", { id: members[0].id }).beneficiaries[0].id;
  const paid = site.paidDossier(claimsCli, { urnId: urn.id, formNumber: "M26-0000901", beneficiaryId: me });
  statement = paid.dossier.statement_number;
  const printed = await site.serve("127.0.0.1:0", ["--outbox-dir", join(site.dir, "envois")]);
  url = printed[0].replace("Guichet écoute sur ", "").trim();
  b = await launchBrowser();
});

after(async () => {
  if (b) await b.close();
  if (site) site.stop();
});

/** The page in view keeps the promises of every page (see pageProblems). */
async function checkPage(name) {
  assert.deepEqual(await b.pageProblems(), [], name);
}

/** Logs in from the portal's login page; waits for the member's menu. */
async function logIn(matricule, password) {
  await b.open(`${url}/portail/#/connexion`);
  await b.type("#f-identifier", matricule);
  await b.type("#f-password", password + ENTER);
  await b.waitFor("nav");
}

const SCENARIO =
  "a member activates his space, reads every page, sends a dossier and its complement, " +
  "downloads its statement; another cannot open his";

test(SCENARIO, async () => {
  // Première visite: a wrong code is refused beside its field.
  await b.open(`${url}/portail/#/activation`);
  await b.waitFor("#activation");
  await b.waitText(".marque", (t) => t.includes("Mutuelle du Personnel") && t.includes("Espace adhérent"));
  const logo = await b.exec(
    "const i = document.querySelector('.marque img'); return i && i.complete && i.naturalWidth;",
  );
  assert.equal(logo, 128, "the mutual's logo is in the header");
  await checkPage("Première visite");
  await b.screenshot("portail-01-premiere-visite");
  await b.type("#f-matricule", "13059");
  await b.type("#f-cnie", "be100200");
  await b.type("#f-code", "AAAA-AAAA");
  await b.type("#f-password", "Portail2026" + ENTER);
  await b.waitText("#err-code", (t) => t.startsWith("Ces informations ne correspondent pas"));
  assert.equal(await b.focused(), "f-code", "the focus goes to the field in error");
  await b.screenshot("portail-02-code-refuse");
  await b.type("#f-code", codes["13059"]);
  await b.type("#f-password", "Portail2026" + ENTER);
  await b.waitText("p.info", "Votre espace est activé : connectez-vous avec votre mot de passe.");
  await b.screenshot("portail-03-connexion");

  await logIn("13059", "Portail2026");
  await b.waitText("h1", "Mes informations");
  assert.equal(await b.focused(), "H1", "each page's title takes the focus");
  // On a phone the menu is one button: the header stays one line, the sections unfold from it.
  const headerHeight = await b.exec("return document.querySelector('header').getBoundingClientRect().height;");
  assert.ok(headerHeight < 80, `the header takes ${headerHeight} px`);
  assert.equal(await b.exec("return document.querySelector('#rubriques').getBoundingClientRect().height;"), 0);
  await b.click("#menu-bouton");
  await b.waitFor('nav a[href="#/dossiers"]');
  const target = await b.exec(
    "return document.querySelector('nav a[href=\"#/dossiers\"]').getBoundingClientRect().height;",
  );
  assert.ok(target >= 44, `a section's link is ${target} px tall`);
  await b.screenshot("portail-04b-menu");
  await b.click("#menu-bouton");
  const info = await b.text("main");
  assert.match(info, /13059/);
  assert.match(info, /\*{20} 7171/);
  assert.doesNotMatch(info, /3654300171/, "the RIB is masked");
  await b.screenshot("portail-04-mes-informations");
  // Each page of the guides, with what the member reads there.
  for (const [key, title, shot, shows] of [
    ["beneficiaires", "Mes bénéficiaires", "portail-05-mes-beneficiaires", /BENNANI Karim|Bennani Karim/i],
    ["dossiers", "Mes dossiers", "portail-06-mes-dossiers", /M26-0000901.*Réglé/s],
    ["decomptes", "Mes décomptes", "portail-07-mes-decomptes", new RegExp(`${statement}.*Télécharger`, "s")],
    ["accords", "Mes accords préalables et prises en charge", "portail-08-mes-accords", /Aucune demande d'accord/],
    ["demandes", "Mes demandes", "portail-09-mes-demandes", /Aucune demande de modification/],
  ]) {
    await b.portalSection(key);
    await b.waitText("h1", title);
    assert.match(await b.text("main"), shows, title);
    await checkPage(title);
    await b.screenshot(shot);
  }
  const fetchStatus = (path) =>
    b.cmd("POST", "/execute/async", {
      script:
        "const done = arguments[1]; fetch(arguments[0]).then((r) => done(`${r.status} " +
        "${r.headers.get('content-type')}`));",
      args: [path],
    });
  // Who paid him what, in his words.
  await b.portalSection("decomptes");
  await b.waitText("main table", (t) => /La mutuelle vous a versé \d[\d  ]*,\d\d DH/.test(t));
  const href = `/portail/api/portal_statement_pdf?number=${statement}`;
  assert.equal(await fetchStatus(href), "200 application/pdf");

  // The partner providers, searched by city.
  await b.portalSection("centres");
  await b.waitText("#centres-liste", (t) => t.includes("Association Anaïs"));
  await b.type("#f-search", "rabat" + ENTER);
  await b.waitText("#centres-liste", (t) => t.includes("Aucun centre conventionné ne correspond"));
  await b.type("#f-search", "casa" + ENTER);
  await b.waitText("#centres-liste", (t) => t.includes("Institut médico-pédagogique"));
  await b.screenshot("portail-14-centres");

  // He sends a new dossier's scans; the desk finds it recorded as a scan received.
  const scan = join(site.dir, "feuille-M26-0000902.pdf");
  writeFileSync(scan, "%PDF-1.4\nFeuille de soins M26-0000902\n");
  await b.portalSection("dossiers");
  await b.waitFor("#envoi-dossier");
  await b.type("#f-form_number", "M26-0000902");
  await b.exec("document.querySelector('#f-first_act_date').value = arguments[0];", isoDaysAgo(3));
  await b.type("#f-total_claimed", "120");
  await b.cmd("POST", `/element/${await b.waitFor("#f-files")}/value`, { text: scan });
  await b.screenshot("portail-11-envoi-dossier");
  await b.click("#envoi-dossier button[type=submit]");
  await b.waitText("#envoi-fait", (t) => t.startsWith("Dossier M26-0000902 reçu"));
  await b.screenshot("portail-12-dossier-envoye");
  let page = claimsCli("dossier_get", { form_number: "M26-0000902" });
  assert.equal(page.dossier.status, "recu");
  assert.equal(page.scans.length, 1);
  assert.ok(page.dossier.scanned_on, "recorded as a scan received, its original expected");
  // The desk marks it incomplete; he reads why, and sends the complement.
  let d = claimsCli("dossier_move", { id: page.dossier.id, version: page.dossier.version, move: "take" });
  claimsCli("dossier_move", {
    id: d.id,
    version: d.version,
    move: "mark_incomplete",
    reason_text: "Il manque l'ordonnance.",
  });
  await b.portalSection("demandes");
  await b.portalSection("dossiers");
  await b.waitFor("#envoi-complement");
  assert.match(await b.text("main table"), /M26-0000902.*Incomplet.*Il manque l'ordonnance\./s);
  // The status as a badge, the next step as a button that opens the complement's form on that dossier.
  assert.deepEqual(await b.texts("main table .badge-to_do"), ["Incomplet"]);
  assert.match(await b.text("main table button.etape"), /^Envoyer les pièces avant le \d\d\/\d\d\/\d{4}$/);
  await b.click("main table button.etape");
  await b.waitFocus("f-complement-form_number");
  assert.equal(await b.exec("return document.activeElement.value;"), "M26-0000902");
  await checkPage("Mes dossiers, un dossier incomplet");
  const more = join(site.dir, "ordonnance.pdf");
  writeFileSync(more, "%PDF-1.4\nOrdonnance\n");
  await b.cmd("POST", `/element/${await b.waitFor("#f-complement-files")}/value`, { text: more });
  await b.screenshot("portail-13-complement");
  await b.click("#envoi-complement button[type=submit]");
  await b.waitText("#envoi-fait", (t) => t.startsWith("Complément du dossier M26-0000902 reçu"));
  page = claimsCli("dossier_get", { form_number: "M26-0000902" });
  assert.equal(page.scans.length, 2, "the desk finds the complement on the dossier");
  // The desk records the complement, liquidates and pays it: he downloads its statement.
  const sentDay = page.dossier.first_act_date;
  d = claimsCli("dossier_move", {
    id: d.id,
    version: page.dossier.version,
    move: "complement_received",
    note: "Ordonnance reçue par l'espace adhérent",
  });
  d = claimsCli("dossier_checklist", {
    id: d.id,
    version: d.version,
    contents: {},
    present: ["member_block_signed", "doctor_block"],
  });
  const line = { date: sentDay, beneficiary_id: d.beneficiary_id, act: "C", quantity: 1, charged: "120" };
  claimsCli("care_lines_save", { dossier_id: d.id, version: d.version, lines: [line] });
  const now = claimsCli("dossier_get", { id: d.id }).dossier;
  d = claimsCli("dossier_move", { id: d.id, version: now.version, move: "mark_complete" });
  claimsCli("dossier_liquidate", { id: d.id, version: d.version });
  claimsCli("payment_batch_create", {});
  const second = claimsCli("dossier_get", { id: d.id }).dossier.statement_number;
  await b.portalSection("accords");
  await b.portalSection("decomptes");
  await b.waitText("main table", (t) => t.includes(second));
  assert.equal(await fetchStatus(`/portail/api/portal_statement_pdf?number=${second}`), "200 application/pdf");
  await b.portalSection("dossiers");
  await b.waitFor("main table .badge-done");
  assert.deepEqual(await b.texts("main table .badge-done"), ["Réglé", "Réglé"]);
  await b.portalSection("decomptes");
  await b.waitText("main table", (t) => t.includes(second));
  await b.screenshot("portail-15-decompte-du-dossier-envoye");
  // The statement of its transfer, of a period, and the dossier's acknowledgement of receipt.
  const reference = claimsCli("dossier_get", { id: d.id }).dossier.payment_reference;
  const transfer = `/portail/api/portal_payment_pdf?number=${encodeURIComponent(reference)}`;
  assert.equal(await fetchStatus(transfer), "200 application/pdf");
  const receipt = "/portail/api/portal_dossier_receipt?number=M26-0000902";
  assert.equal(await fetchStatus(receipt), "200 application/pdf");
  await b.exec("document.querySelector('#f-from').value = arguments[0];", isoDaysAgo(0));
  await b.exec("document.querySelector('#f-to').value = arguments[0];", isoDaysAgo(30));
  await b.click("#releve-periode button[type=submit]");
  await b.waitText("#err-to", "La fin de la période précède son début.");
  await b.screenshot("portail-16-releve-periode-refuse");
  const period = `/portail/api/portal_period_pdf?from=${isoDaysAgo(30)}&to=${isoDaysAgo(0)}`;
  assert.equal(await fetchStatus(period), "200 application/pdf");
  const sentMessages = () =>
    readdirSync(join(site.dir, "envois")).map((f) => readFileSync(join(site.dir, "envois", f), "utf8"));
  assert.ok(
    sentMessages().some((m) => m.includes("Objet : Accusé de réception M26-0000902")),
    "the dossier's receipt was sent to the e-mail on file",
  );

  // A new bank account, asked with its pieces: refused without the badge's copy, then received.
  await b.portalSection("informations");
  await b.waitFor("#demande-modification");
  await b.exec(
    "const s = document.querySelector('#f-change-kind'); s.value = 'rib'; s.dispatchEvent(new Event('change'));",
  );
  const base = "0077800000003654300172";
  const key = String(97n - ((BigInt(base) * 100n) % 97n)).padStart(2, "0");
  await b.type("#f-change\\.rib", base + key);
  const piece = async (kind, name) => {
    const file = join(site.dir, name);
    writeFileSync(file, `%PDF-1.4\n${name}\n`);
    await b.cmd("POST", `/element/${await b.waitFor(`#f-piece-${kind}`)}/value`, { text: file });
  };
  await piece("bank_certificate", "attestation-rib.pdf");
  await piece("cnie", "cnie.pdf");
  await b.click("#demande-modification button[type=submit]");
  await b.waitText("#demande-modification .alerte", "Pièce obligatoire manquante : la copie du badge.");
  await b.screenshot("portail-17-demande-sans-badge");
  await piece("badge", "badge.pdf");
  await b.click("#demande-modification button[type=submit]");
  await b.waitText("#envoi-fait", (t) => /^Demande n° \d+ reçue/.test(t) && t.includes("k…@example.ma"));
  await b.screenshot("portail-18-demande-envoyee");
  assert.ok(sentMessages().some((m) => m.includes("Objet : Accusé de réception demande n° ")));
  // The desk's four-eyes queue holds it; a reception agent validates it.
  const pending = receptionCli("member_update_list", {});
  assert.equal(pending.length, 1);
  assert.equal(pending[0].channel, "portal");
  assert.equal(pending[0].files.length, 3);
  receptionCli("member_update_decide", {
    id: pending[0].id,
    version: pending[0].version,
    decision: { type: "validate" },
  });
  await b.portalSection("demandes");
  const tail = (base + key).slice(-4);
  const validated = new RegExp(`Changement de compte bancaire.*\\*+ ${tail}.*Validée`, "s");
  await b.waitText("main table", (t) => validated.test(t));
  const requestReceipt = `/portail/api/portal_update_receipt?number=${pending[0].id}`;
  assert.equal(await fetchStatus(requestReceipt), "200 application/pdf");
  await b.screenshot("portail-19-demande-validee");

  // Logged out, then in as Fatima: Karim's statement is not hers to open.
  await b.portalLogout();
  await b.waitFor("#connexion");
  await b.open(`${url}/portail/#/activation`);
  await b.type("#f-matricule", "13060");
  await b.type("#f-cnie", "BE654321");
  await b.type("#f-code", codes["13060"]);
  await b.type("#f-password", "Fatima2026" + ENTER);
  await b.waitFor("p.info");
  await logIn("13060", "Fatima2026");
  await b.portalSection("decomptes");
  await b.waitText("main p", "Aucun décompte pour le moment.");
  assert.equal(await fetchStatus(href), "404 application/json");
  for (const his of [transfer, receipt, requestReceipt]) {
    assert.equal(await fetchStatus(his), "404 application/json", his);
  }
  // Opened by its address: a page in French with the reason and a way back, not the page's JSON.
  await b.open(`${url}${href}`);
  await b.waitText("h1", "Introuvable");
  assert.match(await b.text("#motif"), /Aucun décompte de ce numéro dans votre espace/);
  assert.doesNotMatch(await b.text("body"), /"code"|not_found/);
  await b.screenshot("portail-10-decompte-d-un-autre");
  await b.click("main a");
  await b.waitText("h1", "Mes informations");
  await b.open(`${url}/portail/nulle-part`);
  await b.waitText("#motif", "Cette page n'existe pas dans l'espace adhérent.");
  await checkPage("404");
});

test("every page of the space fits a 360 px phone and a 1280 × 800 screen, accessible", async () => {
  await logIn("13059", "Portail2026");
  for (const [width, height] of [
    [360, 740],
    [1280, 800],
  ]) {
    await b.resize(width, height);
    for (const [key, title] of [
      ["informations", "Mes informations"],
      ["beneficiaires", "Mes bénéficiaires"],
      ["dossiers", "Mes dossiers"],
      ["decomptes", "Mes décomptes"],
      ["accords", "Mes accords préalables et prises en charge"],
      ["demandes", "Mes demandes"],
      ["centres", "Centres conventionnés"],
    ]) {
      await b.portalSection(key);
      await b.waitText("h1", title);
      await checkPage(`${title} at ${width} px`);
      if (key === "dossiers") await b.screenshot(`portail-20-dossiers-${width}px`);
    }
  }
  await b.resize(412, 915);
});
