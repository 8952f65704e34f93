// The real window: a reception agent opens a collection, records three
// dossiers by keyboard alone (as a barcode scanner and a typist would), closes
// it and saves the slip PDF through the native dialog; a claims processor then
// takes one dossier, marks it incomplete with a missing document, records the
// complement, and declares it complete.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { launch, windowTestsSkipReason, ENTER, answerSaveDialog, cli } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const RECEPTION = "Accueil-2026-ok";
const CLAIMS = "Gestion-2026-ok";
let w;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "s.idrissi", "--name", "Salma Idrissi", "--role", "reception"], {
    input: RECEPTION + "\n",
  });
  cli(w.home, ["staff", "add", "--username", "k.tazi", "--name", "Karima Tazi", "--role", "claims"], {
    input: CLAIMS + "\n",
  });
  cli(w.home, ["call", "urn_save", JSON.stringify({ name: "Siège — accueil", site: "Casablanca, siège" })]);
  const m = JSON.parse(
    cli(w.home, [
      "call",
      "member_create",
      JSON.stringify({
        matricule: "13059",
        last_name: "Bennani",
        first_name: "Karim",
        employer: "RAM",
        status: "actif",
      }),
    ]),
  );
  cli(w.home, [
    "call",
    "beneficiary_add",
    JSON.stringify({
      member_id: m.id,
      beneficiary: { relation: "enfant", last_name: "Bennani", first_name: "Salma", birth_date: "2016-03-02" },
    }),
  ]);
  await w.exec("location.reload()");
  await w.login("s.idrissi", RECEPTION);
});
after(async () => {
  if (w) await w.close();
});

/** What the reception form shows, for failure messages. */
function formState() {
  return w.exec(`const f = document.getElementById('dossier-form');
    return { fields: Array.from(f.querySelectorAll('input')).map(i => i.name + '=' + i.value),
             error: [...f.querySelectorAll('.form-error, .field-error')].map(e => e.textContent).join(' '),
             focus: document.activeElement.id };`);
}

/** Today minus `days`, as typed on the form: dd/mm/yyyy. */
function daysAgo(days) {
  const d = new Date(Date.now() - days * 86400000);
  return `${String(d.getDate()).padStart(2, "0")}/${String(d.getMonth() + 1).padStart(2, "0")}/${d.getFullYear()}`;
}

test("a collection recorded by keyboard alone, closed, and its slip saved", { skip: skip ?? false }, async () => {
  await w.click('[data-section="reception"]');
  await w.waitFor("#collection-open-form");
  await w.click("#collection-open");
  await w.waitFor("#dossier-form");
  await w.waitFocus("f-form_number");

  const dossiers = [
    { form: "M26-0000001", child: false, date: daysAgo(10), total: "350,00", pieces: "3" },
    { form: "M26-0000002", child: true, date: daysAgo(8), total: "1 100", pieces: "4" },
    { form: "M26-0000003", child: true, date: daysAgo(3), total: "2100.50", pieces: "6" },
  ];
  // Keys go to whatever has the focus; each field's keys are sent once the
  // focus has moved there (the window receives keys asynchronously).
  const step = async (focus, keys) => {
    await w.waitFocus(focus);
    await w.keys(keys);
  };
  const orig = w.waitText.bind(w);
  w.waitText = async (css, pred, ms) => {
    try {
      return await orig(css, pred, ms);
    } catch (e) {
      throw new Error(`${e.message}; form: ${JSON.stringify(await formState().catch(() => null))}`);
    }
  };
  for (const d of dossiers) {
    // Scanner: the form number, then Enter; the typist does the rest.
    await step("f-form_number", d.form + ENTER);
    await step("f-matricule", "13059" + ENTER);
    await w.waitText("#member-found", (t) => t.startsWith("Bennani Karim"));
    assert.equal(await w.text("#beneficiary-choices"), "1 = Bennani Karim (lui-même) · 2 = Bennani Salma (enfant)");
    await step("f-beneficiary_id", (d.child ? "2" : "") + ENTER); // 1 is proposed
    await step("f-kind", ENTER); // M (maladie) is proposed
    await step("f-first_act_date", d.date + ENTER);
    await step("f-total_claimed", d.total + ENTER);
    await step("f-pieces", d.pieces + ENTER); // replaces the proposed 1
    await w.waitText("#record-status", (t) =>
      t.startsWith(`${d.form} enregistré pour ${d.child ? "Bennani Salma" : "Bennani Karim"}`),
    );
  }
  const rows = await w.texts("#collection-dossiers tbody tr");
  assert.equal(rows.length, 3);
  assert.equal(await w.text("#collection-totals"), "3 dossiers · 3 550,50 DH");
  await w.screenshot("07-levee-urne");

  // A wrong form number is refused with the field named, nothing recorded.
  await step("f-form_number", "12345" + ENTER);
  await step("f-matricule", "13059" + ENTER);
  await w.waitText("#member-found", (t) => t.startsWith("Bennani Karim"));
  await step("f-beneficiary_id", ENTER);
  await step("f-kind", ENTER);
  await step("f-first_act_date", daysAgo(2) + ENTER);
  await step("f-total_claimed", "10" + ENTER);
  await step("f-pieces", ENTER);
  await w.waitText('[data-error-for="form_number"]', (t) =>
    t.startsWith("N° de feuille de soins « 12345 » : format attendu"),
  );
  assert.equal((await w.texts("#collection-dossiers tbody tr")).length, 3);

  w.waitText = orig;
  await w.click("#collection-close");
  await w.waitText("#collection-title", (t) => t.endsWith("(clôturée)"));
  const dest = join(w.home, "bordereau.pdf");
  await w.click("#collection-slip");
  answerSaveDialog("Enregistrer le bordereau", dest);
  await w.waitText("#slip-status", (t) => t.includes("bordereau.pdf"), 20000);
  assert.ok(existsSync(dest));
  const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" });
  for (const expected of [
    "Bordereau de levée d'urne",
    "Siège — accueil",
    "Salma Idrissi",
    "M26-0000001",
    "M26-0000002",
    "M26-0000003",
    "3 dossiers",
    "3 550,50",
  ]) {
    assert.ok(text.includes(expected), `slip lacks ${expected}:\n${text}`);
  }
  await w.click("#logout");
});

test(
  "a processor takes a dossier, marks it incomplete, the complement arrives, it is complete",
  { skip: skip ?? false },
  async () => {
    await w.login("k.tazi", CLAIMS);
    await w.click('[data-section="dossiers"]');
    await w.waitFor("#queue tbody tr");
    await w.waitText('#queue-counts [data-status="recu"]', "Reçu (3)");
    // The week's chart says what it counts, on which scale, and which colour is which.
    await w.waitFor("#home-chart-figure");
    assert.match(await w.text("#home-chart-figure figcaption"), /^Dossiers reçus et traités par semaine/);
    assert.deepEqual(await w.texts("#home-chart-legend li"), ["Reçus", "Traités"]);
    const ticks = await w.texts("#home-chart text.tick");
    assert.ok(ticks.includes("0") && ticks.length >= 12 + 2, `a scale and the weeks: ${ticks}`);
    await w.screenshot("07c-dossiers-accueil");
    await w.type("#f-open_form_number", "M26-0000002" + ENTER);
    await w.waitText("#dossier-title", "Dossier M26-0000002");
    await w.click('[data-move="take"]');
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("En cours de traitement"));

    // Pharmacy (rules page of the claim form): the prescription with the stickers
    // stuck on it; drugs without stickers add the pharmacy's invoice.
    await w.click("#c-pharmacy");
    await w.click("#c-drugs_without_stickers");
    await w.click("#d-member_block_signed");
    await w.click("#d-doctor_block");
    await w.click("#d-prescription");
    await w.click("#checklist-save");
    await w.waitText(
      "#checklist-missing",
      "Manquent : les vignettes des médicaments collées sur l'ordonnance ; la facture de la " +
        "pharmacie pour les médicaments sans vignette",
    );
    await w.screenshot("07b-checklist-pharmacie");
    await w.click('[data-move="mark_incomplete"]');
    await w.waitFor("#move-form #f-reason_text");
    await w.click("#move-confirm");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Incomplet"));
    assert.match(
      await w.text("#dossier-reason"),
      /Pièces manquantes : Dossier incomplet : il manque les vignettes des médicaments/,
    );
    assert.match(await w.text("#member-view"), /Incomplet/);
    await w.screenshot("08-dossier-incomplet");

    // The complement arrives.
    await w.click('[data-move="complement_received"]');
    await w.type("#move-form #f-note", "Facture de la pharmacie" + ENTER);
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("En cours de traitement"));
    await w.click("#d-pharmacy_stickers");
    await w.click("#d-pharmacy_invoice");
    await w.click("#checklist-save");
    await w.waitText("#checklist-missing", "Toutes les pièces exigées sont présentes.");
    await w.click('[data-move="mark_complete"]');
    await w.click("#move-confirm");
    await w.waitText("#dossier-status-badge", (t) => t.startsWith("Complet"));
    const history = await w.texts("#dossier-history tbody tr");
    assert.equal(history.filter((r) => r.includes("Changement de statut")).length, 4, history.join("\n"));
    assert.ok(
      history.some((r) => r.includes("Pièces cochées")),
      history.join("\n"),
    );
    await w.screenshot("09-dossier-complet");
  },
);
