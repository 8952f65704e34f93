// The dossier's checklist: what it contains decides the documents required
// (the rules page of the claim form); the processor ticks what is there.
import { call } from "../../api/client";
import type { Contents, DossierPage } from "../../api/bindings";
import { formError, h, mount, onSubmit } from "../../dom";

const CONTENTS: [keyof Contents, string][] = [
  ["accident", "Accident"],
  ["pharmacy", "Pharmacie (médicaments avec vignette)"],
  ["drugs_without_stickers", "Médicaments sans vignette"],
  ["lab_or_imaging", "Biologie / radiologie"],
  ["optics", "Optique"],
  ["sessions", "Séances (rééducation, orthophonie…)"],
  ["dental", "Soins dentaires"],
  ["dental_prosthesis", "Prothèse dentaire / traitement canalaire"],
  ["orthodontics", "Orthodontie (ODF)"],
  ["chronic", "Maladie chronique (ALD/ALC)"],
];

/** The checklist; once every required document is there it folds into one line that says so. */
export function checklistPart(p: DossierPage, reload: () => Promise<void>): HTMLElement {
  const d = p.dossier;
  // Checklist: what the dossier contains decides the required documents.
  const canTick = p.can.tick_checklist;
  const required = p.checklist.items.filter((it) => it.required);
  const complete = p.checklist.missing.length === 0;
  const checklist = h("form", { id: "checklist", class: "card inline checklist" });
  mount(
    checklist,
    complete ? null : h("h3", {}, "Pièces du dossier"),
    formError(),
    h("p", { class: "hint" }, "Le dossier contient :"),
    ...CONTENTS.map(([k, label]) =>
      h(
        "label",
        {},
        h("input", { type: "checkbox", name: `c-${k}`, id: `c-${k}`, checked: d.contents[k], disabled: !canTick }),
        label,
      ),
    ),
    h("p", { class: "hint" }, "Documents présents (en gras : exigés) :"),
    ...p.checklist.items.map((it) =>
      h(
        "label",
        { class: it.required ? "req" : "" },
        h("input", {
          type: "checkbox",
          name: `d-${it.code}`,
          id: `d-${it.code}`,
          checked: it.present,
          disabled: !canTick,
        }),
        it.label,
      ),
    ),
    complete
      ? null
      : h("p", { id: "checklist-missing", class: "field-error" }, `Manquent : ${p.checklist.missing.join(" ; ")}`),
    canTick ? h("button", { type: "submit", id: "checklist-save" }, "Enregistrer les pièces") : null,
  );
  onSubmit(checklist, async () => {
    const contents = Object.fromEntries(
      CONTENTS.map(([k]) => [k, (checklist.elements.namedItem(`c-${k}`) as HTMLInputElement).checked]),
    ) as unknown as Contents;
    const present = p.checklist.items
      .filter((it) => (checklist.elements.namedItem(`d-${it.code}`) as HTMLInputElement).checked)
      .map((it) => it.code);
    await call("dossier_checklist", { id: d.id, version: d.version, contents, present });
    await reload();
  });
  if (!complete) return checklist;
  const count = `${required.length} exigée${required.length > 1 ? "s" : ""} sur ${required.length}`;
  return h(
    "details",
    { class: "card checklist-folded", id: "checklist-details" },
    h(
      "summary",
      {},
      h("strong", {}, "Pièces du dossier : "),
      h("span", { id: "checklist-missing" }, "Toutes les pièces exigées sont présentes."),
      h("span", { class: "hint" }, ` (${count}) — ouvrir pour les revoir`),
    ),
    checklist,
  );
}
