// Importing an employer's roster: pick the file, see the detected columns and
// the dry-run report, confirm, watch the progress streamed from Rust, read the
// report and export the rejected rows.
import { open, save } from "../api/dialogs";
import { ApiFailure, call, callStreamed } from "../api/client";
import type { ImportProgress, ImportReport } from "../api/bindings";
import { field, formError, h, mount, showError, value } from "../dom";
import { grid } from "../widgets";

const FIELD_LABELS: Record<string, string> = {
  matricule: "Matricule",
  cnie: "CNIE",
  last_name: "Nom",
  first_name: "Prénom",
  full_name: "Nom et prénom",
  birth_date: "Date de naissance",
  employer: "Société",
  status: "Situation",
  address: "Adresse",
  gsm: "GSM",
  email: "E-mail",
  rib: "RIB",
  affiliation_date: "Date d'affiliation",
  end_date: "Date de sortie",
  relation: "Lien",
};
const PHASES: Record<ImportProgress["phase"], string> = {
  lecture: "Lecture du fichier",
  verification: "Vérification des lignes",
  ecriture: "Enregistrement",
  termine: "Terminé",
};

export function importScreen(content: HTMLElement, back: () => void): void {
  const out = h("div", { id: "import-result" });
  const form = h(
    "form",
    { id: "import-form", class: "card inline", novalidate: true },
    h("h2", {}, "Importer un fichier d'employeur"),
    h(
      "p",
      { class: "hint" },
      "Formats : .xlsx, .xls, .ods, .csv. Un essai montre d'abord ce qui serait fait, sans rien écrire.",
    ),
    h(
      "div",
      { class: "row" },
      field("Fichier", "path"),
      h("button", { type: "button", id: "import-browse", onclick: () => void browse() }, "Parcourir…"),
    ),
    formError(),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", id: "import-check" }, "Vérifier (essai)"),
      h("button", { type: "button", onclick: back }, "Retour"),
    ),
  );
  const pathInput = form.elements.namedItem("path") as HTMLInputElement;
  // The file is chosen in the native dialog; the field holds its handle, never a typed path.
  pathInput.readOnly = true;

  const browse = async (): Promise<void> => {
    const picked = await open({
      title: "Fichier d'employeur",
      multiple: false,
      directory: false,
      filters: [{ name: "Tableurs", extensions: ["xlsx", "xls", "ods", "csv"] }],
    });
    if (typeof picked === "string") pathInput.value = picked;
  };

  const reportView = (r: ImportReport, done: boolean): HTMLElement => {
    const rejectedRows = new Set(r.rejected.filter((x) => x.sheet === r.sheet).map((x) => x.row)).size;
    return h(
      "div",
      { class: "report", id: done ? "import-report" : "import-preview" },
      h("h3", {}, done ? "Import terminé" : "Essai : rien n'a encore été écrit"),
      h(
        "p",
        { class: "hint" },
        `Feuille « ${r.sheet} », en-tête ligne ${r.header_row}. Colonnes reconnues : `,
        r.columns.map((c) => `${FIELD_LABELS[c.field] ?? c.field} = « ${c.header} » (${c.letter})`).join(", "),
        ".",
      ),
      h(
        "ul",
        { class: "counts" },
        h("li", { id: "count-rows" }, `${r.rows} lignes lues`),
        h("li", { id: "count-created" }, `${r.created} créées`),
        h("li", { id: "count-updated" }, `${r.updated} mises à jour`),
        h("li", { id: "count-unchanged" }, `${r.unchanged} inchangées`),
        h("li", { id: "count-rejected" }, `${rejectedRows} rejetées`),
        r.rib_requests > 0
          ? h(
              "li",
              { id: "count-rib-requests" },
              `${r.rib_requests} changement(s) de RIB : demandes de modification à valider (le RIB n'a pas changé)`,
            )
          : null,
        r.beneficiaries
          ? h("li", {}, `Bénéficiaires : ${r.beneficiaries.created} ajoutés, ${r.beneficiaries.unchanged} déjà connus`)
          : null,
        r.suspensions > 0
          ? h("li", { id: "count-suspensions" }, `${r.suspensions} suspension(s) de droits (ajoutées ou modifiées)`)
          : null,
      ),
      r.rejected.length === 0
        ? null
        : grid(
            "rejected-rows",
            ["Ligne", "Colonne", "Motif"],
            r.rejected.map((x) =>
              h("tr", {}, h("td", {}, String(x.row)), h("td", {}, x.column), h("td", {}, x.message)),
            ),
          ),
      r.rejected.length === 0
        ? null
        : h(
            "button",
            { type: "button", id: "export-rejected", onclick: () => void exportRejected(r) },
            "Exporter les rejets (.xlsx)…",
          ),
    );
  };

  const exportRejected = async (r: ImportReport): Promise<void> => {
    const dest = await save({
      title: "Enregistrer les lignes rejetées",
      defaultPath: "lignes-rejetees.xlsx",
      filters: [{ name: "Classeur Excel", extensions: ["xlsx"] }],
    });
    if (!dest) return;
    try {
      await call("member_import_rejected_export", { rejected: r.rejected, path: dest });
      out.querySelector("#export-done")?.remove();
      out.append(h("p", { id: "export-done", class: "hint" }, `Rejets enregistrés dans ${dest}.`));
    } catch (e) {
      window.alert(e instanceof ApiFailure ? e.message : String(e));
    }
  };

  const run = async (): Promise<void> => {
    const bar = h("progress", { id: "import-progress", max: 1, value: 0 });
    const label = h("p", { id: "import-progress-label", class: "hint" }, "Démarrage…");
    mount(out, h("div", { class: "card inline" }, h("h3", {}, "Import en cours"), bar, label));
    try {
      const report = await callStreamed<"member_import", ImportProgress>(
        "member_import",
        { file: value(form, "path") },
        (p) => {
          bar.max = Math.max(p.total, 1);
          bar.value = p.done;
          label.textContent =
            `${PHASES[p.phase]} : ${p.done.toLocaleString("fr-FR")} / ` + `${p.total.toLocaleString("fr-FR")} lignes`;
        },
      );
      mount(out, reportView(report, true));
    } catch (e) {
      mount(out, h("p", { class: "form-error", role: "alert" }, e instanceof ApiFailure ? e.message : String(e)));
    }
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError(form, "");
    mount(out, h("p", { class: "hint" }, "Vérification…"));
    try {
      const preview = await call("member_import", { file: value(form, "path"), dry_run: true });
      const nothing = preview.created + preview.updated === 0 && (preview.beneficiaries?.created ?? 0) === 0;
      mount(
        out,
        reportView(preview, false),
        nothing
          ? h("p", { class: "hint" }, "Rien à importer.")
          : h(
              "button",
              { type: "button", class: "primary", id: "import-confirm", onclick: () => void run() },
              "Importer",
            ),
      );
    } catch (e) {
      mount(out);
      if (e instanceof ApiFailure) showError(form, e.message, e.field === "file" ? "path" : e.field);
      else throw e;
    }
  });
  mount(content, form, out);
  pathInput.focus();
}
