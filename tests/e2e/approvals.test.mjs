// The real window: reception registers a coverage request with its pieces,
// the medical advisor finds it in his queue, grants it (the coverage of seed
// 002: IMP2, 10 months, 700 + 100 DH a month) and saves the letter through
// the native save dialog; the PDF is read back.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { answerOpenDialog, launch, windowTestsSkipReason, ENTER, answerSaveDialog, cli } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const RECEPTION = "Accueil-2026-ok";
const MEDICAL = "Medecin-2026-ok";
let w;

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  const sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "n.alami", "--name", "Nadia Alami", "--role", "reception"], {
    input: RECEPTION + "\n",
  });
  cli(w.home, ["staff", "add", "--username", "dr.idrissi", "--name", "Dr Idrissi", "--role", "medical"], {
    input: MEDICAL + "\n",
  });
  const m = sys("member_create", {
    matricule: "93923543",
    last_name: "Benhnini",
    first_name: "Fouad",
    employer: "ONCF",
    status: "actif",
  });
  sys("beneficiary_add", {
    member_id: m.id,
    beneficiary: { relation: "enfant", last_name: "Benhnini", first_name: "Farah", birth_date: "2016-07-06" },
  });
  sys("provider_save", {
    name: "Association Anaïs",
    kind: "Institut médico-pédagogique",
    city: "Casablanca",
    address: "27, rue Hajjaï Ibnou Artâa",
  });
  writeFileSync(join(w.home, "cnie.pdf"), "%PDF-1.4\n% CNIE\n%%EOF\n");
  writeFileSync(join(w.home, "badge.pdf"), "%PDF-1.4\n% badge\n%%EOF\n");
  await w.exec("location.reload()");
  await w.login("n.alami", RECEPTION);
});
after(async () => {
  if (w) await w.close();
});

test(
  "reception registers a coverage request; the medical advisor grants it and saves the letter",
  { skip: skip ?? false },
  async () => {
    await w.click('[data-section="accords"]');
    await w.waitFor("#tab-register");
    await w.click("#tab-register");
    await w.waitFor("#approval-form");
    // The matricule then Enter numbers the beneficiaries; 2 is Farah.
    await w.type("#f-matricule", "93923543" + ENTER);
    await w.waitText("#approval-member", (t) => t.includes("2 = Farah"));
    await w.type("#f-beneficiary", "2");
    await w.exec(
      "document.querySelector('#f-kind').value = 'coverage'; document.querySelector('#f-sent_by').value = 'provider';",
    );
    await w.type("#f-act_code", "IMP2");
    await w.type("#f-act_label", "Demi-internat en institut médico-pédagogique");
    await w.type("#f-months", "10");
    await w.exec("const s = document.querySelector('#f-provider_id'); s.value = s.options[1].value;");
    await w.type("#f-prescriber", "Dr Zerouali Asmaa");
    await w.type("#f-expected_from", "01/09/2022");
    await w.type("#f-expected_to", "30/06/2023");
    await w.type("#f-quotation", "8 000");
    await w.type("#f-medical_info", "Handicap mental chronique");
    // Without the badge the core refuses, naming the field.
    await w.click("#browse-piece_cnie");
    answerOpenDialog("Copie de la CNIE (obligatoire)", join(w.home, "cnie.pdf"));
    await w.waitValue("#f-piece_cnie", /^fichier:\d+\/cnie\.pdf$/);
    await w.click("#approval-save");
    await w.waitFormError("#approval-form", "Pièce obligatoire manquante : la copie du badge.");
    await w.click("#browse-piece_badge");
    answerOpenDialog("Copie du badge (obligatoire)", join(w.home, "badge.pdf"));
    await w.waitValue("#f-piece_badge", /^fichier:\d+\/badge\.pdf$/);
    await w.click("#approval-save");
    await w.waitText("#request-title", (t) => /^Prise en charge PEC-\d{4}-\d{6}$/.test(t));
    const number = (await w.text("#request-title")).replace("Prise en charge ", "");
    assert.equal(await w.text('[data-fact="Statut"]'), "En attente de l'avis du médecin conseil");
    // Reception registered it and reads back that it is confidential, not what it says.
    assert.equal(
      await w.text("#request-confidential"),
      "Cette demande contient des éléments médicaux confidentiels, réservés au médecin conseil.",
    );
    await w.screenshot("20-demande-enregistree");

    await w.click("#logout");
    await w.login("dr.idrissi", MEDICAL);
    await w.click('[data-section="accords"]');
    // The list may be drawn twice (the section, then its filter): read it once it holds the request.
    await w.waitText("#approval-list tbody tr", (t) => new RegExp(`^${number}Prise en charge`).test(t));
    await w.click("#approval-list tbody tr td");
    await w.waitFor("#decision-form");
    assert.equal(await w.text("#request-medical p"), "Handicap mental chronique");
    // The form comes filled from the request: act, months, dates. The advisor types the tariff and shares.
    await w.type('[name="grants[0].tariff"]', "800");
    await w.type('[name="grants[0].mutual_share"]', "700");
    await w.type('[name="grants[0].member_share"]', "50");
    await w.click("#decision-save");
    await w.waitFormError(
      "#decision-form",
      "Acte accordé 1 : part mutuelle (700,00) et part adhérent (50,00) doivent faire le tarif (800,00).",
    );
    await w.type('[name="grants[0].member_share"]', "100");
    await w.click("#decision-save");
    await w.waitText('[data-fact="Statut"]', "Accordée");
    // Counts with their unit (« Reste 10 mois », never a bare « 10 »).
    const cells = await w.texts("#request-grants tbody td");
    assert.match(cells[0] ?? "", /IMP2/);
    assert.deepEqual(cells.slice(1), ["01/09/2022 – 30/06/2023", "10 mois", "0 mois", "10 mois", "700,00 / 100,00"]);
    await w.screenshot("21-accord");

    const dest = join(w.home, "lettre.pdf");
    await w.click("#approval-letter");
    answerSaveDialog("Enregistrer la lettre", dest);
    await w.waitText("#request-status", (t) => t.includes("lettre.pdf"), 20000);
    assert.ok(existsSync(dest));
    const text = execFileSync("pdftotext", ["-layout", dest, "-"], { encoding: "utf8" }).split(/\s+/).join(" ");
    for (const expected of [
      "Objet : Prise en charge",
      `N° de l'accord ${number}`,
      "Code acte IMP2",
      "du 01/09/2022 au 30/06/2023",
      "Nombre de mois 10",
      "Part mutuelle 700,00 DH",
      "Part adhérent 100,00 DH",
      "Association Anaïs",
    ]) {
      assert.ok(text.includes(expected), `letter lacks ${expected}:\n${text}`);
    }
    assert.ok(!text.includes("Handicap"), "no medical detail in the letter");
  },
);
