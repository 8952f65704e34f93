// The real window: a reception agent records a member's RIB change with its
// bank certificate; he cannot validate it himself; another agent validates it;
// the new RIB shows on the member's page and the change in his history. Then
// the letter that opens his space on the portal, and the member's view, as the
// phone desk reads it.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { answerOpenDialog, answerSaveDialog, launch, windowTestsSkipReason, ENTER, cli } from "./webdriver.mjs";

const skip = windowTestsSkipReason();
const FIRST = "Accueil-2026-ok";
const SECOND = "Accueil-2026-ko";
// 24 digits whose key makes them divisible by 97.
const NEW_RIB = "011 780 0000123456789012 96";
let w;

const login = (username, password) => w.login(username, password, "#member-search");

async function openMember() {
  await w.type("#member-search", "13059" + ENTER);
  await w.waitText("#member-title", "Bennani Karim");
}

before(async () => {
  if (skip) return;
  w = await launch();
  await w.waitFor("#setup-form");
  const sys = (op, req) => JSON.parse(cli(w.home, ["call", op, JSON.stringify(req)]));
  cli(w.home, ["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], {
    input: "Admin-Guichet-1\n",
  });
  cli(w.home, ["staff", "add", "--username", "n.alami", "--name", "Nadia Alami", "--role", "reception"], {
    input: FIRST + "\n",
  });
  cli(w.home, ["staff", "add", "--username", "s.idrissi", "--name", "Salma Idrissi", "--role", "reception"], {
    input: SECOND + "\n",
  });
  sys("member_create", {
    matricule: "13059",
    last_name: "Bennani",
    first_name: "Karim",
    cnie: "BE100200",
    employer: "RAM",
    status: "actif",
    rib: "007 780 000 000 3654300171 71",
  });
  writeFileSync(join(w.home, "attestation-rib.pdf"), "%PDF-1.4\n% attestation de RIB\n%%EOF\n");
  writeFileSync(join(w.home, "cnie.pdf"), "%PDF-1.4\n% CNIE\n%%EOF\n");
  writeFileSync(join(w.home, "badge.pdf"), "%PDF-1.4\n% badge\n%%EOF\n");
  await w.exec("location.reload()");
  await login("n.alami", FIRST);
});
after(async () => {
  if (w) await w.close();
});

test(
  "a RIB change is recorded with its certificate and validated by another agent",
  { skip: skip ?? false },
  async () => {
    await openMember();
    await w.click("#member-update-request");
    await w.waitFor("#update-form");
    await w.type('[name="change.rib"]', NEW_RIB);
    // Without the bank certificate the core refuses, naming what is missing.
    await w.click("#update-save");
    await w.waitFormError("#update-form", "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.");
    await w.click("#browse-piece_path");
    answerOpenDialog("Pièce justificative", join(w.home, "attestation-rib.pdf"));
    await w.waitValue("#f-piece_path", /^fichier:\d+\/attestation-rib\.pdf$/);
    // Nor without the copies of the CNIE and badge (FAQ question 9).
    await w.click("#update-save");
    await w.waitFormError(
      "#update-form",
      "Pièce obligatoire manquante : la copie de la CNIE de l'adhérent et du bénéficiaire.",
    );
    await w.click("#browse-cnie_path");
    answerOpenDialog("Copie de la CNIE", join(w.home, "cnie.pdf"));
    await w.waitValue("#f-cnie_path", /^fichier:\d+\/cnie\.pdf$/);
    await w.click("#browse-badge_path");
    answerOpenDialog("Copie du badge", join(w.home, "badge.pdf"));
    await w.waitValue("#f-badge_path", /^fichier:\d+\/badge\.pdf$/);
    // The form holds its fields: none runs out of its card, the RIB typed is seen whole.
    const overflow = await w.exec(
      "const f = document.getElementById('update-form'); const right = f.getBoundingClientRect().right;" +
        "return [...f.querySelectorAll('input, select, button')]" +
        ".filter((e) => e.getBoundingClientRect().right > right + 1).map((e) => e.name || e.id);",
    );
    assert.deepEqual(overflow, [], "fields past the card's edge");
    assert.ok(
      await w.exec("const i = document.getElementById('f-change.rib'); return i.scrollWidth <= i.clientWidth;"),
      "the RIB is seen whole",
    );
    await w.screenshot("29b-demande-pieces");
    await w.click("#update-save");
    await w.waitText("#member-status", (t) => t.endsWith("en attente de validation par un autre agent."));
    // Nothing changed yet.
    assert.ok((await w.texts(".facts dd")).includes("007 780 0000003654300171 71"));
    // The agent who recorded it is not offered to validate it (the core refuses him anyway: storage tests).
    await w.waitText("#member-requests .four-eyes", "Enregistrée par vous : un autre agent la valide.");
    assert.deepEqual(await w.texts("#member-requests button.validate, #member-requests button.refuse"), []);
    await w.screenshot("30-demande-rib");

    await w.click("#logout");
    await login("s.idrissi", SECOND);
    await w.click("#member-updates-pending");
    await w.waitFor("#pending-updates tbody tr");
    assert.match(await w.text("#pending-updates tbody tr"), /Nouveau RIB : 011 780 0000123456789012 96/);
    await w.click("#pending-updates button.validate");
    await w.waitText(".status-line", "Changement de compte bancaire (RIB) : validée.");
    await w.click("#pending-back");
    await w.waitFor("#member-search");
    await openMember();
    assert.ok((await w.texts(".facts dd")).includes("011 780 0000123456789012 96"), "the new RIB on the member's page");
    const history = await w.texts("#member-history tbody tr");
    assert.ok(
      history.some(
        (r) =>
          r.includes("s.idrissi") &&
          r.includes("Modification") &&
          r.includes("RIB : 007 780 0000003654300171 71 → 011 780 0000123456789012 96"),
      ),
      history.join("\n"),
    );
    assert.ok(
      history.some((r) => r.includes("Demande validée") && r.includes("enregistrée par n.alami")),
      history.join("\n"),
    );
    await w.screenshot("31-rib-valide");

    // The letter that opens his space on the portal: its one-time code, printed.
    const letter = join(w.home, "espace-adherent-13059.pdf");
    await w.click("#member-more summary");
    await w.click("#member-portal-letter");
    answerSaveDialog("Code de l'espace adhérent", letter);
    await w.waitText("#member-portal-status", `Enregistré : ${letter}`);
    const text = execFileSync("pdftotext", ["-layout", letter, "-"], { encoding: "utf8" });
    assert.match(text, /Code d'accès\s+[A-Z0-9]{4}-[A-Z0-9]{4}/);
    assert.match(text, /Matricule\s+13059/);

    // The member's view, as read on the phone: only the last four digits of his RIB.
    await w.click("#member-more summary");
    await w.click("#member-view-open");
    await w.waitFor("#member-view");
    assert.ok((await w.texts("#member-view .facts dd")).includes("******************** 1296"));
    // His requests' history, validated ones included, the RIB masked.
    const updates = await w.texts("#view-updates tbody tr");
    assert.ok(
      updates.some((r) => r.includes("Nouveau RIB : ******************** 1296") && r.includes("Validée")),
      updates.join("\n"),
    );
    await w.screenshot("32-vue-adherent");
  },
);
