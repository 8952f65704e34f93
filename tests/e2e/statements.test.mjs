// The real window: a claims processor liquidates a complete dossier (care
// lines prepared with the CLI), pays it in a batch, and saves its statement
// through the native save dialog; the PDF is read back.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  launch,
  windowTestsSkipReason,
  ENTER,
  answerSaveDialog,
  cli,
  isoDaysAgo,
  completeDossierByCli,
} from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const CLAIMS = "Gestion-2026-ok";
let w;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  const sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  const claims = (op, req) =>
    JSON.parse(
      cli(w.home, ["--user", "k.tazi", "call", op, JSON.stringify(req)], { env: { GUICHET_PASSWORD: CLAIMS } }),
    );
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "k.tazi", "--name", "Karima Tazi", "--role", "claims"], {
    input: CLAIMS + "\n",
  });
  sys("rule_set_add", {
    effective_from: "2020-01-01",
    key_values: { C: 8000 },
    acts: [
      {
        code: "C",
        label: "Consultation",
        family: "consultation",
        pricing: { type: "key_letter" },
        needs_prior_approval: false,
      },
      {
        code: "PSYMOT",
        label: "Séance de psychomotricité",
        family: "reeducation",
        pricing: { type: "reference", unit_price: 15000 },
        needs_prior_approval: false,
      },
    ],
    // The fund 70 %, the mutual half of the member's part.
    groups: {
      consultation: { label: "Consultations", amo_rate: 7000, member_share_rate: 5000, above_base_rate: 0 },
      reeducation: { label: "Rééducation", amo_rate: 7000, member_share_rate: 5000, above_base_rate: 0 },
    },
    ceilings: [],
  });
  const urn = sys("urn_save", { name: "Siège", site: "Casablanca" });
  const m = sys("member_create", {
    matricule: "13059",
    last_name: "Bennani",
    first_name: "Karim",
    employer: "RAM",
    status: "actif",
    rib: "007 780 000 000 3654300171 71",
  });
  const page = sys("member_get", { id: m.id });
  const me = page.beneficiaries[0].id;
  const col = sys("collection_open", { urn_id: urn.id });
  const day = isoDaysAgo(10);
  const lines = [
    { act: "C", quantity: 1, charged: "150" },
    { act: "PSYMOT", quantity: 4, charged: "600" },
  ];
  const spec = {
    collectionId: col.id,
    formNumber: "M26-0000777",
    beneficiaryId: me,
    day,
    total: "750",
    pieces: 3,
    lines,
  };
  completeDossierByCli(sys, claims, spec);
  await w.exec("location.reload()");
  await w.waitFor("#login-form");
  await w.type("#f-username", "k.tazi" + ENTER);
  await w.type("#f-password", CLAIMS + ENTER);
  await w.waitFor("#app-shell");
});
after(async () => {
  if (w) await w.close();
});

test("liquidate a dossier, pay it, save its statement", { skip: skip ?? false }, async () => {
  await w.click('[data-section="dossiers"]');
  await w.waitFor("#f-open_form_number");
  await w.type("#f-open_form_number", "M26-0000777" + ENTER);
  await w.waitText("#dossier-title", "Dossier M26-0000777");
  await w.waitFor("#dossier-liquidate");
  // The page is longer than the window; wherever it is scrolled, « Liquider » is in view, in the sticky bar.
  for (const at of ["0", "c.scrollHeight / 2"]) {
    const inView = await w.exec(
      `const c = document.querySelector('.content'); c.scrollTop = ${at}; ` +
        "const r = document.querySelector('#dossier-liquidate').getBoundingClientRect(); " +
        "const v = c.getBoundingClientRect(); " +
        "return c.scrollHeight > c.clientHeight + 300 && r.top >= v.top && r.bottom <= v.bottom;",
    );
    assert.equal(inView, true, `« Liquider » in reach with the page scrolled to ${at}`);
  }
  await w.click("#dossier-liquidate");
  await w.waitText("#dossier-status-badge", (t) => t.startsWith("Liquidé"));
  await w.waitFor("#liquidation-lines");
  const rows = await w.texts("#liquidation-lines tbody tr:not(.explanation)");
  // Date, act label, charged, paid to the provider by others, base, AMO rate, AMO, mutual, reimbursed,
  // remaining charge.
  assert.match(rows[0], /^\d\d\/\d\d\/\d{4}Consultation150,000,0080,0070\u00a0%56,0012,0068,0082,00$/);
  assert.match(rows[1], /4 × Séance de psychomotricité600,000,00600,0070\u00a0%420,0090,00510,0090,00$/);
  assert.equal(await w.text("#liquidation-totals"), "Remboursé : 578,00 DH");
  const explanation = await w.texts("#liquidation-lines tr.explanation");
  assert.match(explanation[0], /Base = le moindre du facturé \(150,00\) et du tarif de référence \(80,00\) = 80,00/);
  await w.screenshot("10-liquidation");

  await w.click('[data-section="decomptes"]');
  await w.waitFor("#pay-form");
  await w.click("#pay-all");
  // The fund pays its AMO part (56,00 + 420,00) itself: the mutual's batch carries its 12,00 + 90,00.
  await w.waitText("#pay-status", (t) => /^Lot VIR-\d{8}-\d{5} : 1 dossier, 102,00 DH en 1 virement\./.test(t));

  await w.click('[data-section="dossiers"]');
  await w.waitFor("#f-open_form_number");
  await w.type("#f-open_form_number", "M26-0000777" + ENTER);
  await w.waitText("#dossier-status-badge", (t) => t.startsWith("Réglé"));
  const dest = join(w.home, "decompte.pdf");
  await w.click("#statement-save");
  answerSaveDialog("Enregistrer le décompte", dest);
  await w.waitText("#dossier-status", (t) => t.includes("decompte.pdf"), 20000);
  assert.ok(existsSync(dest));
  const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" });
  for (const expected of [
    "Décompte de remboursement n° DEC-",
    "M26-0000777",
    "Bennani Karim",
    "150,00",
    "56,00",
    "68,00",
    "4 × Séance de psychomotricité",
    "510,00",
    "578,00 DH",
    "Versé par CNOPS",
    "476,00 DH",
    "Net payé par la mutuelle",
    "102,00 DH",
    "******************** 7171",
  ]) {
    assert.ok(text.includes(expected), `statement lacks ${expected}:\n${text}`);
  }
  await w.screenshot("11-decompte");
});
