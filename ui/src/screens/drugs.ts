// Administration → Médicaments: the versions of the fund's drug reference
// list, the import of a new one (the file chosen in the native dialog, its
// effective date, the differences against the version in force shown before
// anything is saved, the import's progress), and the search of a drug by
// code, name or DCI with its presentation and both prices.
import { open } from "../api/dialogs";
import { call, callStreamed } from "../api/client";
import type { DrugImportProgress, DrugImportReport, FoundDrug } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, value } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";

const PHASES: Record<string, string> = { lecture: "Lecture du fichier", comparaison: "Comparaison et enregistrement" };

const price = (c: number | null): string => (c === null ? "—" : frMoney(c));
const rate = (bp: number | null): string => (bp === null ? "—" : `${bp / 100}\u00a0%`);

function report(r: DrugImportReport): HTMLElement {
  const against = r.compared_with ? `la version du ${frDate(r.compared_with)}` : "aucune version (première)";
  const title = r.identical
    ? "Identique à la version en vigueur : rien à importer."
    : r.saved
      ? `Version du ${frDate(r.effective_from)} importée.`
      : "Essai : rien n'a encore été écrit.";
  return h(
    "div",
    { class: "report", id: r.saved ? "drug-import-report" : "drug-import-preview" },
    h("h3", {}, title),
    h(
      "ul",
      { class: "counts" },
      h("li", {}, `${r.drugs} médicaments, comparés à ${against}`),
      h("li", { id: "drug-count-added" }, `${r.added} ajoutés`),
      h("li", { id: "drug-count-removed" }, `${r.removed} retirés`),
      h("li", { id: "drug-count-changed" }, `${r.changed} modifiés`),
      h("li", {}, `Non remboursables : ${r.without_base} sans prix de base, ${r.not_reimbursable} à 0\u00a0%`),
    ),
    r.differences.length
      ? grid(
          "drug-differences",
          ["", "Code", "Médicament", "Changement"],
          r.differences.map((d) =>
            h(
              "tr",
              {},
              h("td", {}, d.kind),
              h("td", { class: "code" }, d.code),
              h("td", {}, d.name),
              h("td", {}, d.detail),
            ),
          ),
        )
      : null,
  );
}

function found(drugs: FoundDrug[]): HTMLElement {
  return grid(
    "drug-results",
    ["Code", "Médicament", "DCI", "Prix public", "Prix de référence", "Taux", "P/G"],
    drugs.map((d) =>
      h(
        "tr",
        {},
        h("td", { class: "code" }, d.code),
        h("td", {}, d.label),
        h("td", {}, d.dci ?? ""),
        h("td", { class: "num" }, price(d.ppv)),
        h("td", { class: "num" }, price(d.prix_br)),
        h("td", { class: "num" }, rate(d.rate)),
        h("td", {}, d.princeps ?? ""),
      ),
    ),
  );
}

export async function drugsPanel(panel: HTMLElement): Promise<void> {
  const versions = await call("drug_list_versions", {});
  const list = grid(
    "drug-versions",
    ["Date d'effet", "Fichier", "Médicaments", "Importé le", "Par"],
    versions.map((v) =>
      h(
        "tr",
        {},
        h("td", {}, frDate(v.effective_from)),
        h("td", {}, v.file_name),
        h("td", { class: "num" }, v.drugs.toLocaleString("fr-FR")),
        h("td", {}, frDate(v.created_at.slice(0, 10))),
        h("td", {}, v.created_by),
      ),
    ),
  );
  const out = h("div", { id: "drug-import-result" });
  const form = h(
    "form",
    { id: "drug-import-form", class: "card inline", novalidate: true },
    h("h3", {}, "Importer une version du référentiel"),
    h("p", { class: "hint" }, "Le fichier publié par la caisse (.csv ou .xlsx). L'essai montre les différences."),
    h(
      "div",
      { class: "row" },
      field("Fichier", "path"),
      h("button", { type: "button", id: "drug-browse", onclick: () => void browse() }, "Parcourir…"),
    ),
    field("Date d'effet (jj/mm/aaaa)", "effective_from"),
    formError(),
    h("div", { class: "row" }, h("button", { type: "submit", id: "drug-check" }, "Voir les différences")),
  );
  const pathInput = form.elements.namedItem("path") as HTMLInputElement;
  // The file is chosen in the native dialog; the field holds its handle, never a typed path.
  pathInput.readOnly = true;
  const browse = async (): Promise<void> => {
    const picked = await open({
      title: "Référentiel des médicaments",
      multiple: false,
      directory: false,
      filters: [{ name: "Référentiel", extensions: ["csv", "xlsx", "xls", "ods"] }],
    });
    if (typeof picked === "string") pathInput.value = picked;
  };
  const request = (dry_run: boolean) => ({
    file: value(form, "path"),
    effective_from: isoDate(value(form, "effective_from")),
    dry_run,
  });
  onSubmit(form, async () => {
    const preview = await call("drug_import", request(true));
    const go = h("button", { type: "button", class: "primary", id: "drug-import" }, "Importer cette version");
    go.addEventListener("click", async () => {
      const label = h("p", { id: "drug-import-progress", class: "hint" }, "Démarrage…");
      mount(out, h("progress", {}), label);
      const done = await callStreamed<"drug_import", DrugImportProgress>("drug_import", request(false), (p) => {
        label.textContent = PHASES[p.phase] ?? p.phase;
      });
      await drugsPanel(panel);
      panel.querySelector("#drug-import-result")?.replaceChildren(report(done));
    });
    mount(out, report(preview), preview.identical ? null : go);
  });

  const results = h("div", { id: "drug-search-results" });
  const search = h("input", {
    id: "drug-search",
    size: 30,
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "Code, nom ou DCI",
  });
  let asked = 0;
  search.addEventListener("input", async () => {
    const q = search.value.trim();
    const mine = ++asked;
    if (q.length < 2) return results.replaceChildren();
    const r = await call("drug_find", { query: q });
    if (mine !== asked) return;
    results.replaceChildren(
      r.version === null
        ? h("p", { class: "hint" }, "Aucun référentiel en vigueur : importez-le ci-dessus.")
        : r.drugs.length
          ? found(r.drugs)
          : h("p", { class: "hint" }, "Aucun médicament trouvé."),
    );
  });
  mount(
    panel,
    h("h3", {}, "Référentiel des médicaments"),
    versions.length ? list : h("p", { class: "hint" }, "Aucune version importée."),
    form,
    out,
    h(
      "div",
      { class: "card inline" },
      h("h3", {}, "Chercher un médicament"),
      h("label", { class: "field" }, h("span", {}, "Code, nom ou DCI"), search),
      results,
    ),
  );
}
