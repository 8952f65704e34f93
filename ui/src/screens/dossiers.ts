// Dossiers: the home figures and the processors' queue (filters, counts per
// status, 50 a page, export); the dossier page is in `dossier/`.
import { labelOf } from "../labels";
import { call } from "../api/client";
import type { QueueFilter, SessionInfo, Status } from "../api/bindings";
import { field, formError, frDate, frMoney, h, mount, onSubmit, select, showError, statusLine } from "../dom";
import { dossierPage } from "./dossier/page";
import { KINDS } from "./dossier_form";
import { homePanel } from "./home";
import { overduePanel } from "./overdue";
import { XLSX, saveAs, grid } from "../widgets";
import { dossierStatuses } from "../words";

export function dossiersSection(content: HTMLElement, session: SessionInfo): void {
  const home = h("div", { id: "home" });
  const panel = h("div", { class: "panel" });
  const opener = h("form", { id: "dossier-open-form", class: "row", autocomplete: "off" });
  mount(opener, field("Ouvrir le dossier n° (feuille de soins)", "open_form_number"), formError());
  onSubmit(opener, async () => {
    const n = (opener.elements.namedItem("open_form_number") as HTMLInputElement).value;
    const page = await call("dossier_get", { form_number: n });
    showError(opener, "");
    await dossierPage(panel, page.dossier.id, () => queuePanel(panel, session, {}));
  });
  mount(content, h("h2", {}, "Dossiers"), home, opener, panel);
  void homePanel(home, (key) => {
    if (key === "originals_overdue") void overduePanel(panel, session);
    else void queuePanel(panel, session, tileFilter(key));
  });
  void queuePanel(panel, session, {});
}

function tileFilter(key: string): QueueFilter {
  switch (key) {
    case "to_take":
      return { status: "recu" };
    case "mine":
      return { mine: true, status: "en_cours" };
    case "complete":
      return { status: "complet" };
    case "incomplete":
      return { status: "incomplet" };
    case "overdue":
      return { overdue: true };
    default:
      return {};
  }
}

async function queuePanel(panel: HTMLElement, session: SessionInfo, filter: QueueFilter): Promise<void> {
  const urns = await call("urn_list", { all: true });
  const statuses = await dossierStatuses();
  const page = await call("dossier_queue", filter);
  const form = h("form", { id: "queue-filters", class: "filters" });
  mount(
    form,
    select(
      "Statut",
      "status",
      [["", "Tous"], ...statuses.map((o): [string, string] => [o.status, o.label])],
      filter.status ?? "",
    ),
    select(
      "Urne",
      "urn_id",
      [["", "Toutes"], ...urns.map((u): [string, string] => [String(u.id), u.name])],
      filter.urn_id ? String(filter.urn_id) : "",
    ),
    select("Nature", "kind", [["", "Toutes"], ...KINDS], filter.kind ?? ""),
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "mine", id: "f-mine", checked: filter.mine ?? false }),
      "Mes dossiers",
    ),
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "overdue", id: "f-overdue", checked: filter.overdue ?? false }),
      "En retard",
    ),
    h("button", { type: "submit", class: "primary", id: "queue-apply" }, "Filtrer"),
    h("button", { type: "button", id: "queue-export" }, "Exporter (.xlsx)"),
  );
  const read = (): QueueFilter => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLSelectElement).value;
    const c = (n: string): boolean => (form.elements.namedItem(n) as HTMLInputElement).checked;
    return {
      status: (v("status") || null) as Status | null,
      urn_id: v("urn_id") ? Number(v("urn_id")) : undefined,
      kind: (v("kind") || null) as QueueFilter["kind"],
      mine: c("mine"),
      overdue: c("overdue"),
    };
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void queuePanel(panel, session, read());
  });
  const status = statusLine("queue-status");
  form.querySelector("#queue-export")?.addEventListener(
    "click",
    saveAs(
      status,
      { title: "Exporter la file", defaultPath: "dossiers.xlsx", filters: XLSX },
      (path) => call("dossier_queue_export", { filter: read(), path }),
      (p) => `Liste enregistrée : ${p}`,
    ),
  );
  const counts = h(
    "div",
    { class: "counts", id: "queue-counts" },
    ...page.counts.map((c) =>
      h(
        "button",
        {
          type: "button",
          "data-status": c.status,
          "aria-pressed": String(filter.status === c.status),
          onclick: () => void queuePanel(panel, session, { ...filter, status: c.status, page: 0 }),
        },
        `${c.label} (${c.count})`,
      ),
    ),
  );
  const body = h(
    "tbody",
    {},
    ...page.rows.map((d) =>
      h(
        "tr",
        { "data-form": d.form_number },
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => void dossierPage(panel, d.id, () => queuePanel(panel, session, filter)),
            },
            d.form_number,
          ),
        ),
        h("td", {}, `${d.member_name} (${d.matricule})`),
        h("td", {}, d.beneficiary_name),
        h("td", {}, labelOf(KINDS, d.kind)),
        h("td", {}, frMoney(d.total_claimed)),
        h(
          "td",
          {},
          h("span", { class: `badge ${d.status}` }, d.status_label),
          d.late ? h("span", { class: "badge late" }, "hors délai") : null,
        ),
        h("td", {}, d.assigned_name ?? ""),
        h("td", {}, frDate(d.validity_end)),
      ),
    ),
  );
  const current = filter.page ?? 0;
  mount(
    panel,
    form,
    counts,
    status,
    grid(
      "queue",
      ["Feuille", "Adhérent", "Bénéficiaire", "Nature", "Total (DH)", "Statut", "Gestionnaire", "Fin de validité"],
      body,
    ),
    page.rows.length === 0 ? h("p", { class: "hint" }, "Aucun dossier pour ces filtres.") : null,
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          type: "button",
          disabled: current === 0,
          onclick: () => void queuePanel(panel, session, { ...filter, page: current - 1 }),
        },
        "← Précédents",
      ),
      h("span", {}, `Page ${current + 1}`),
      h(
        "button",
        {
          type: "button",
          id: "queue-more",
          disabled: !page.more,
          onclick: () => void queuePanel(panel, session, { ...filter, page: current + 1 }),
        },
        "Suivants →",
      ),
    ),
  );
}
