// The real window, as the money really flows: an administrator adds a rule
// set in the editor (dirhams and percent, the differences shown before
// saving); a claims processor records the AMO fund's coverage from its
// letter, types the worked example's invoice with the 700,00 the fund paid
// the provider, liquidates it against the coverage, pays it and saves the
// statement through the native dialog; the PDF is read back. Then an
// optician's invoice under the mutual's own coverage: the optician's account
// validated by a second agent, the invoice liquidated, paid in a provider
// batch, its relevé saved and read back.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  launch,
  windowTestsSkipReason,
  ENTER,
  answerSaveDialog,
  cli,
  isoDaysAgo,
  frDate,
  takeByCli,
} from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const ADMIN = "Admin-Guichet-1";
const CLAIMS = "Gestion-2026-ok";
let w;
/** Farah's beneficiary id, and the system's calls (the site's console). */
let farahId;
let sys;

const fr = frDate;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  const claims = (op, req) =>
    JSON.parse(
      cli(w.home, ["--user", "k.tazi", "call", op, JSON.stringify(req)], { env: { GUICHET_PASSWORD: CLAIMS } }),
    );
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], { input: ADMIN + "\n" });
  cli(w.home, ["staff", "add", "--username", "k.tazi", "--name", "Karima Tazi", "--role", "claims"], {
    input: CLAIMS + "\n",
  });
  const urn = sys("urn_save", { name: "Siège", site: "Casablanca" });
  const m = sys("member_create", {
    matricule: "13059",
    last_name: "Benhnini",
    first_name: "Fouad",
    employer: "RAM",
    status: "actif",
    rib: "007 780 000 000 3654300171 71",
  });
  const farah = sys("beneficiary_add", {
    member_id: m.id,
    beneficiary: { relation: "enfant", last_name: "Benhnini", first_name: "Farah", birth_date: "2016-07-06" },
  });
  farahId = farah.id;
  const col = sys("collection_open", { urn_id: urn.id });
  const r = sys("dossier_record", {
    collection_id: col.id,
    form_number: "M26-0050533",
    matricule: "13059",
    beneficiary_id: farah.id,
    kind: "autres",
    first_act_date: isoDaysAgo(10),
    total_claimed: "2100",
    pieces: 6,
  });
  takeByCli(claims, r.dossier);
  await w.exec("location.reload()");
  await w.login("admin", ADMIN);
});
after(async () => {
  if (w) await w.close();
});

test("the rule-set editor: dirhams and percent, the differences before saving", { skip: skip ?? false }, async () => {
  await w.click('[data-section="administration"]');
  await w.click("#tab-rules");
  await w.waitFor("#rule-set-form");
  // Every value seen whole (a source wraps), in a form no wider than its card (20-bareme).
  await w.until(
    () =>
      w.exec(
        `const f = document.getElementById('rule-set-form');
        const cut = [...f.querySelectorAll('input:not([type=checkbox]), textarea')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 ||
            (e.tagName === 'TEXTAREA' && e.scrollHeight > e.clientHeight + 1))
          .map((e) => e.name + ' « ' + e.value + ' »');
        const wide = f.scrollWidth > f.clientWidth ? ['the form: ' + f.scrollWidth + ' px in ' + f.clientWidth] : [];
        return [...wide, ...cut];`,
      ),
    (cut) => cut.length === 0,
    "values hidden past a field's edge",
  );
  // The shipped tariff is the starting point, in dirhams and percent.
  const cValue = await w.exec(
    `const l = [...document.querySelectorAll('#rule-keys ` +
      `input[name$=".letter"]')].find((i) => i.value === "C");
    return l.closest("tr").querySelector('input[name$=".value"]').name;`,
  );
  assert.equal(await w.exec(`return document.querySelector('[name="${cValue}"]').value;`), "80,00");
  await w.type("#f-effective_from", fr(isoDaysAgo(40)));
  await w.type(`[name="${cValue}"]`, "90");
  // The acts without a price are listed above the editor, and at the top of Administration.
  await w.waitText("#rule-unpriced", (t) => t.startsWith("12 actes sans tarif : B, AMI, D,"));
  await w.waitText("#admin-reminders", (t) => t.startsWith("12 actes sans tarif"));
  // The groups of care with their rates; a bad value is named beside its field.
  const consultation = await w.exec(
    `return [...document.querySelectorAll('#rule-groups input[name$=".code"]')]` +
      `.find((i) => i.value === "consultation").name.replace(".code", ".amo_rate");`,
  );
  assert.equal(await w.exec(`return document.querySelector('[name="${consultation}"]').value;`), "80");
  await w.type(`[name="${consultation}"]`, "120");
  await w.click("#rule-set-preview");
  await w.waitText(`[data-error-for="${consultation}"]`, "Taux AMO (consultation) : 120 % dépasse 100 %.");
  await w.type(`[name="${consultation}"]`, "80");
  await w.click("#rule-set-preview");
  await w.waitText("#rule-set-differences", (t) => t.includes("Lettre clé C : 80,00 DH → 90,00 DH"));
  assert.ok(!(await w.text("#rule-set-form")).includes("centimes"), "no centimes on an administrator's screen");
  await w.screenshot("20-bareme-differences");
  await w.click("#rule-set-confirm");
  await w.waitText("#rule-set-status", `Barème du ${fr(isoDaysAgo(40))} enregistré.`);
  const rows = await w.texts("#rule-sets tbody tr");
  assert.equal(rows.length, 2);
  // A key letter and its value are kept together (a non-breaking space).
  assert.match(rows[1], /C\u00a090,00/);
  await w.click("#logout");
  await w.login("k.tazi", CLAIMS);
});

test(
  "a fund coverage recorded, a dossier liquidated against it, the statement saved",
  { skip: skip ?? false },
  async () => {
    await w.click('[data-section="dossiers"]');
    await w.waitFor("#f-open_form_number");
    await w.type("#f-open_form_number", "M26-0050533" + ENTER);
    await w.waitText("#dossier-title", "Dossier M26-0050533");
    // The fund's letter: n° 76372825, IMP2, 10 months at 800,00 (700,00 the fund's, 100,00 the member's).
    await w.waitFor("#fund-coverage-form");
    await w.type("#fund-coverage-form #f-number", "76372825");
    await w.type("#fund-coverage-form #f-fund_act", "IMP2");
    await w.type("#fund-coverage-form #f-provider", "ANAIS");
    await w.type("#fund-coverage-form #f-quantity", "10");
    await w.type("#fund-coverage-form #f-valid_from", fr(isoDaysAgo(60)));
    await w.type("#fund-coverage-form #f-valid_to", fr(isoDaysAgo(-240)));
    await w.type("#fund-coverage-form #f-tariff", "800");
    await w.type("#fund-coverage-form #f-fund_share", "700");
    await w.type("#fund-coverage-form #f-member_share", "150");
    await w.click("#fund-coverage-save");
    await w.waitText('#fund-coverage-form [data-error-for="member_share"]', (t) =>
      t.startsWith("Part de la caisse (700,00) + part de l'assuré (150,00)"),
    );
    await w.type("#fund-coverage-form #f-member_share", "100");
    await w.click("#fund-coverage-save");
    await w.waitText("#fund-coverage-list", (t) => t.includes("76372825") && t.includes("0 / 10 mois"));

    // Invoice VFA230187: 4 sessions of each; the fund paid the provider 700,00 on it.
    const line = (n, name) => `#care-lines tbody tr:nth-child(${n}) input[name=${name}]`;
    await w.type(line(1, "act"), "PSYMOT");
    await w.type(line(1, "quantity"), "4");
    await w.type(line(1, "charged"), "600");
    await w.type(line(1, "provider"), "ANAIS");
    await w.type(line(1, "invoice_number"), "VFA230187");
    await w.click("#care-line-add");
    await w.type(line(2, "act"), "ORTHO");
    await w.type(line(2, "quantity"), "4");
    await w.type(line(2, "charged"), "500");
    await w.type(line(2, "provider"), "ANAIS");
    await w.type(line(2, "invoice_number"), "VFA230187");
    await w.click("#third-party-add");
    await w.type('[name="third_party[0].invoice_number"]', "VFA230187");
    await w.type('[name="third_party[0].amount"]', "700");
    await w.type('[name="third_party[0].reference"]', "76372825");
    // The page is drawn again once the lines are saved: wait for the new one.
    await w.exec("document.getElementById('care-lines-form').dataset.before = 'save';");
    await w.click("#care-lines-save");
    await w.waitFor("#care-lines-form:not([data-before])");
    // The form declares 2 100,00; the invoice's lines 1 100,00: said before liquidating.
    await w.waitText("#declared-difference", "Total déclaré 2 100,00 DH ; lignes saisies 1 100,00 DH");
    await w.waitFor('[data-move="mark_complete"]');
    await w.click('[data-move="mark_complete"]');
    await w.click("#move-confirm");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Complet"));
    await w.click("#dossier-liquidate");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Liquidé"));
    const rows = await w.texts("#liquidation-lines tbody tr:not(.explanation)");
    assert.match(rows[0], /4 × Psychomotricité \(séance\)600,00381,82436,3687,5\u00a0%381,8254,5454,54163,64$/);
    assert.match(rows[1], /4 × Orthophonie \(séance\)500,00318,18363,6487,5\u00a0%318,1845,4645,46136,36$/);
    // Who pays what: the fund's part went to the provider, the mutual's to the member.
    assert.deepEqual(await w.texts("#liquidation-payers tbody tr"), [
      "Caisse AMO700,00 DH700,00 DH0,00 DH",
      "Mutuelle100,00 DH0,00 DH100,00 DH",
      "Adhérent (reste à charge)300,00 DH",
    ]);
    // Totals under the lines; amounts right-aligned.
    assert.match((await w.texts("#liquidation-total-row"))[0], /^Total1 100,00700,00800,00700,00100,00100,00300,00$/);
    const align = "return getComputedStyle(document.querySelector('#liquidation-lines td.num')).textAlign;";
    assert.equal(await w.exec(align), "right");
    await w.screenshot("21-liquidation-prise-en-charge");

    await w.click('[data-section="decomptes"]');
    await w.waitFor("#pay-form");
    await w.click("#pay-all");
    await w.waitText("#pay-status", (t) => /^Lot VIR-\d{8}-\d{5} : 1 dossier, 100,00 DH en 1 virement\./.test(t));

    await w.click('[data-section="dossiers"]');
    await w.waitFor("#f-open_form_number");
    await w.type("#f-open_form_number", "M26-0050533" + ENTER);
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Réglé"));
    const dest = join(w.home, "decompte-pec.pdf");
    await w.click("#statement-save");
    answerSaveDialog("Enregistrer le décompte", dest);
    await w.waitText("#dossier-status", (t) => t.includes("decompte-pec.pdf"), 20000);
    assert.ok(existsSync(dest));
    const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" });
    for (const expected of [
      "4 × Psychomotricité (séance)",
      "4 × Orthophonie (séance)",
      fr(isoDaysAgo(10)),
      "Tiers payant CNOPS",
      "700,00 DH payés directement au prestataire",
      "Reste à votre charge",
      "300,00 DH",
      "Net payé par la mutuelle",
      "100,00 DH",
      "loi n° 09-08",
    ]) {
      assert.ok(text.includes(expected), `statement lacks ${expected}:\n${text}`);
    }
    assert.ok(!text.includes("…"), `nothing cut on the statement:\n${text}`);
    await w.screenshot("22-decompte-prise-en-charge");
  },
);

test(
  "an optician's invoice under the mutual's coverage, paid to the optician, its relevé saved",
  { skip: skip ?? false },
  async () => {
    // The optician, its account asked by the administrator, and glasses for Farah granted 1 500,00.
    const as = (user, password) => (op, req) =>
      JSON.parse(
        cli(w.home, ["--user", user, "call", op, JSON.stringify(req)], { env: { GUICHET_PASSWORD: password } }),
      );
    const admin = as("admin", ADMIN);
    cli(w.home, ["staff", "add", "--username", "dr.idrissi", "--name", "Dr Idrissi", "--role", "medical"], {
      input: "Medecin-2026-ok\n",
    });
    const medical = as("dr.idrissi", "Medecin-2026-ok");
    const atlas = sys("provider_save", {
      name: "Optique Atlas",
      kind: "Opticien",
      city: "Casablanca",
      agreement: "CONV-12",
    });
    const piece = join(w.home, "piece.pdf");
    writeFileSync(piece, "%PDF-1.4\n% piece\n%%EOF\n");
    admin("provider_rib_request", { provider_id: atlas.id, rib: "011 780 0000012345678901 87", file: piece });
    const asked = as("k.tazi", CLAIMS)("approval_register", {
      kind: "coverage",
      beneficiary_id: farahId,
      provider_id: atlas.id,
      acts: [{ act_code: "OPTIQUE", label: "Verres et monture" }],
      prescriber: "Dr Tazi",
      sent_by: "provider",
      expected_from: isoDaysAgo(10),
      expected_to: isoDaysAgo(-60),
      quotation: "2 000",
      received_on: isoDaysAgo(10),
      files: [
        { file: piece, piece: "cnie" },
        { file: piece, piece: "badge" },
      ],
    });
    const granted = medical("approval_decide", {
      id: asked.id,
      version: asked.version,
      decision: {
        type: "grant",
        grants: [
          {
            act_code: "OPTIQUE",
            unit: "amount",
            amount: "1 500",
            valid_from: isoDaysAgo(10),
            valid_to: isoDaysAgo(-60),
            tariff: "1 500",
            mutual_share: "1 500",
            member_share: "0",
          },
        ],
      },
    });

    await w.click('[data-section="decomptes"]');
    await w.waitFor("#provider-rib-requests");
    // The claims processor validates the account the administrator asked for (four eyes).
    await w.click("#provider-rib-requests tbody tr:first-child button");
    await w.waitText("#provider-rib-status", "RIB de Optique Atlas validé.");
    // The invoice, typed from the optician's paper.
    await w.waitFor("#provider-invoice-form");
    await w.exec(`document.querySelector('#provider-invoice-form [name=provider_id]').value = '${atlas.id}';`);
    await w.type("#provider-invoice-form #f-approval_number", granted.number);
    await w.type("#provider-invoice-form #f-invoice_number", "OA-117");
    await w.type("#provider-invoice-form #f-invoice_date", fr(isoDaysAgo(2)));
    await w.type("#provider-invoice-form #f-act_0", "OPTIQUE");
    await w.type("#provider-invoice-form #f-date_0", fr(isoDaysAgo(2)));
    await w.type("#provider-invoice-form #f-charged_0", "2 000");
    await w.click("#provider-invoice-record");
    await w.waitText("#provider-invoice-status", (t) =>
      t.startsWith("Facture OA-117 de Optique Atlas liquidée : facturé 2 000,00 DH, part AMO 1 500,00 DH"),
    );
    assert.ok((await w.text("#provider-invoice-status")).endsWith("reste à l'adhérent 500,00 DH."));
    assert.match(await w.text("#provider-invoices"), /OA-117.*Optique Atlas.*1 500,00/s);
    await w.screenshot("23-facture-prestataire");
    await w.click("#provider-batch-create");
    await w.waitText("#provider-batch-status", (t) =>
      /^Lot PRE-\d{8}-\d{5} : 1 facture\(s\), 1 500,00 DH en 1 virement\(s\)\.$/.test(t),
    );
    const dest = join(w.home, "releve-atlas.pdf");
    await w.click("#provider-batches tbody tr:first-child td:last-child button:last-child");
    answerSaveDialog("Relevé de Optique Atlas", dest);
    await w.waitText("#provider-batch-status", (t) => t.includes("releve-atlas.pdf"), 20000);
    const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" });
    for (const expected of ["Relevé de règlement — Optique Atlas", "OA-117", granted.number, "2 000,00", "500,00"]) {
      assert.ok(text.includes(expected), `relevé lacks ${expected}:\n${text}`);
    }
    await w.screenshot("24-releve-prestataire");
  },
);
