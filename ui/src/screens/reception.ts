// Réception: open a collection (levée d'urne), record its dossiers at scanner
// speed, close it and print the slip; record dossiers received as scans; the
// overdue originals.
import { KINDS, labelOf } from "../labels";
import { open, save } from "../api/dialogs";
import { call, ApiFailure } from "../api/client";
import type { Collection, Recorded, SessionInfo } from "../api/bindings";
import {
  field,
  formError,
  frDate,
  frMoney,
  h,
  localTime,
  mount,
  onSubmit,
  select,
  showError,
  statusLine,
  tabs,
  todayIso,
} from "../dom";
import { askDuplicateConfirmation, dossierFields, isoDate } from "./dossier_form";
import { homePanel } from "./home";
import { overduePanel } from "./overdue";
import { grid } from "../widgets";

export function receptionSection(content: HTMLElement, session: SessionInfo): void {
  const home = h("div", { id: "home" });
  const panel = h("div", { class: "panel" });
  const tabList: [string, string, () => void][] = [
    ["collection", "Levée d'urne", () => void collectionsPanel(panel)],
    ["scan", "Scan reçu par e-mail", () => scanPanel(panel)],
    ["overdue", "Originaux en retard", () => void overduePanel(panel, session)],
  ];
  const bar = tabs(tabList);
  mount(content, h("h2", {}, "Réception"), home, bar, panel);
  void homePanel(home);
  (bar.firstElementChild as HTMLButtonElement).click();
}

async function collectionsPanel(panel: HTMLElement): Promise<void> {
  const [urns, collections] = await Promise.all([call("urn_list", {}), call("collection_list", { limit: 20 })]);
  const form = h("form", { id: "collection-open-form", class: "card inline" });
  mount(
    form,
    h("h3", {}, "Ouvrir une levée d'urne"),
    formError(),
    h(
      "div",
      { class: "row" },
      select(
        "Urne",
        "urn_id",
        urns.map((u) => [String(u.id), `${u.name} — ${u.site}`]),
      ),
      field("Date de la levée", "pickup_date", { value: frDate(todayIso()) }),
    ),
    h("button", { type: "submit", class: "primary", id: "collection-open" }, "Ouvrir la levée"),
  );
  if (urns.length === 0) {
    mount(
      form,
      h(
        "p",
        { class: "hint" },
        "Aucune urne active : un administrateur doit d'abord en créer (Administration → Urnes).",
      ),
    );
  }
  onSubmit(form, async () => {
    const urn = (form.elements.namedItem("urn_id") as HTMLSelectElement).value;
    const date = (form.elements.namedItem("pickup_date") as HTMLInputElement).value;
    const c = await call("collection_open", { urn_id: Number(urn), pickup_date: isoDate(date) });
    await collectionDesk(panel, c);
  });
  const list = grid(
    "collections",
    ["N°", "Urne", "Date", "Agent", "Dossiers", "Total (DH)", "État", ""],
    collections.map((c) =>
      h(
        "tr",
        {},
        h("td", {}, String(c.id)),
        h("td", {}, c.urn_name),
        h("td", {}, frDate(c.pickup_date)),
        h("td", {}, c.agent),
        h("td", {}, String(c.dossier_count)),
        h("td", {}, frMoney(c.total_claimed)),
        h("td", {}, c.closed_at ? `Clôturée ${localTime(c.closed_at)}` : "En cours"),
        h(
          "td",
          { class: "actions" },
          h(
            "button",
            { type: "button", onclick: () => void collectionDesk(panel, c) },
            c.closed_at ? "Voir" : "Reprendre",
          ),
        ),
      ),
    ),
  );
  mount(panel, form, h("h3", {}, "Levées récentes"), list);
}

/** The desk of one collection: record dossiers, close, print the slip. */
async function collectionDesk(panel: HTMLElement, c: Collection): Promise<void> {
  const detail = await call("collection_get", { id: c.id });
  let current = detail.collection;
  const title = h("h3", { id: "collection-title" });
  const rows = h("tbody", {});
  const totals = h("p", { id: "collection-totals", class: "hint" });
  const status = statusLine("record-status");
  const form = h("form", { id: "dossier-form", class: "card inline", autocomplete: "off" });
  const fields = dossierFields(form, () => form.requestSubmit());
  mount(
    form,
    formError(),
    ...fields.nodes,
    h("button", { type: "submit", class: "primary", id: "dossier-save" }, "Enregistrer (Entrée)"),
  );

  const addRow = (r: Recorded, n: number): void => {
    const d = r.dossier;
    rows.append(
      h(
        "tr",
        { "data-form": d.form_number },
        h("td", {}, String(n)),
        h("td", {}, d.form_number),
        h("td", {}, d.matricule),
        h("td", {}, d.beneficiary_name),
        h("td", {}, labelOf(KINDS, d.kind)),
        h("td", {}, String(d.pieces)),
        h("td", {}, frMoney(d.total_claimed)),
        h(
          "td",
          {},
          h(
            "span",
            { class: `badge ${d.status}${d.late ? " late" : ""}` },
            d.late ? `${d.status_label} · hors délai` : d.status_label,
          ),
        ),
      ),
    );
  };
  let count = 0;
  let total = 0;
  const refreshHeader = (): void => {
    title.textContent =
      `Levée n° ${current.id} — ${current.urn_name} — ` +
      `${frDate(current.pickup_date)}${current.closed_at ? " (clôturée)" : ""}`;
    totals.textContent = `${count} dossier${count > 1 ? "s" : ""} · ${frMoney(total)} DH`;
  };
  for (const d of detail.dossiers) {
    count += 1;
    total += d.total_claimed;
    addRow({ outcome: "created", dossier: d, message: "" }, count);
  }
  refreshHeader();

  onSubmit(form, async () => {
    try {
      const r = await call("dossier_record", { ...fields.read(), collection_id: current.id });
      count += 1;
      total += r.dossier.total_claimed;
      addRow(r, count);
      refreshHeader();
      status.textContent = r.message;
      status.classList.toggle("warn", r.dossier.late);
      showError(form, "");
      fields.reset();
    } catch (e) {
      if (e instanceof ApiFailure && e.field === "confirm_duplicate") askDuplicateConfirmation(form, e.message);
      else throw e;
    }
  });

  const closeBtn = h("button", { type: "button", id: "collection-close" }, "Clôturer la levée");
  const slipBtn = h("button", { type: "button", id: "collection-slip" }, "Imprimer le bordereau (PDF)");
  const slipDone = statusLine("slip-status");
  closeBtn.addEventListener("click", async () => {
    try {
      current = await call("collection_close", { id: current.id, version: current.version });
      form.hidden = true;
      closeBtn.hidden = true;
      refreshHeader();
      slipBtn.focus();
    } catch (e) {
      if (e instanceof ApiFailure) slipDone.textContent = e.message;
    }
  });
  slipBtn.addEventListener("click", async () => {
    const path = await save({
      title: "Enregistrer le bordereau",
      defaultPath: `bordereau-levee-${current.id}.pdf`,
      filters: [{ name: "PDF", extensions: ["pdf"] }],
    });
    if (!path) return;
    try {
      const w = await call("collection_slip", { id: current.id, path });
      slipDone.textContent = `Bordereau enregistré : ${w.path}`;
    } catch (e) {
      if (e instanceof ApiFailure) slipDone.textContent = e.message;
    }
  });
  if (current.closed_at) {
    form.hidden = true;
    closeBtn.hidden = true;
  }
  mount(
    panel,
    title,
    form,
    status,
    grid(
      "collection-dossiers",
      ["N°", "Feuille", "Matricule", "Bénéficiaire", "Nature", "Pièces", "Total (DH)", "Statut"],
      rows,
    ),
    totals,
    h(
      "div",
      { class: "row" },
      closeBtn,
      slipBtn,
      h("button", { type: "button", onclick: () => void collectionsPanel(panel) }, "Retour aux levées"),
    ),
    slipDone,
  );
  if (!current.closed_at) (form.elements.namedItem("form_number") as HTMLInputElement).focus();
}

/** A dossier received as a scan by e-mail, with its files. */
function scanPanel(panel: HTMLElement): void {
  const form = h("form", { id: "scan-form", class: "card inline", autocomplete: "off" });
  const status = statusLine("scan-status");
  const fields = dossierFields(form, () => form.requestSubmit());
  const files = h("ul", { id: "scan-files" });
  let chosen: string[] = [];
  const browse = h("button", { type: "button", id: "scan-browse" }, "Choisir les fichiers…");
  browse.addEventListener("click", async () => {
    const picked = await open({
      multiple: true,
      title: "Pièces scannées",
      filters: [{ name: "PDF, JPG, PNG", extensions: ["pdf", "jpg", "jpeg", "png"] }],
    });
    if (!picked) return;
    chosen = Array.isArray(picked) ? picked : [picked];
    mount(files, ...chosen.map((p) => h("li", {}, p.split("/").pop() ?? p)));
  });
  mount(
    form,
    h("h3", {}, "Dossier reçu scanné par e-mail"),
    formError(),
    ...fields.nodes,
    field("Reçu par e-mail le", "scanned_on", { value: frDate(todayIso()) }),
    h("div", { class: "row" }, browse),
    files,
    h("small", { class: "field-error", "data-error-for": "files" }),
    h("button", { type: "submit", class: "primary", id: "scan-save" }, "Enregistrer le dossier scanné"),
  );
  onSubmit(form, async () => {
    const scannedOn = (form.elements.namedItem("scanned_on") as HTMLInputElement).value;
    try {
      const r = await call("dossier_record_scan", { ...fields.read(), scanned_on: isoDate(scannedOn), files: chosen });
      status.textContent = r.message;
      chosen = [];
      files.replaceChildren();
      showError(form, "");
      fields.reset();
    } catch (e) {
      if (e instanceof ApiFailure && e.field === "confirm_duplicate") askDuplicateConfirmation(form, e.message);
      else throw e;
    }
  });
  mount(panel, form, status);
  (form.elements.namedItem("form_number") as HTMLInputElement).focus();
}
