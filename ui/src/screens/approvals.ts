// Accords et prises en charge: the section's tabs, the medical advisor's
// queue and the requests of one member. Registering is approval_register.ts,
// the request page and its decision approval_page.ts, what expires and the
// journal of medical reads approval_watch.ts. Who may decide or read medical
// details is the core's rule; the window only leaves out forms a role could
// not use.
import { call } from "../api/client";
import type { RequestRow, RequestStatus, SessionInfo } from "../api/bindings";
import { field, formError, frDate, h, mount, onSubmit, select, showError, tabs, value } from "../dom";
import { grid } from "../widgets";
import { STATUS_OPTIONS, isMedical, canRegister, grantCells, GRANT_HEADERS } from "./approval_words";
import { registerPanel } from "./approval_register";
import { requestPage } from "./approval_page";
import { expiringPanel, readsPanel } from "./approval_watch";

export function approvalsSection(content: HTMLElement, session: SessionInfo): void {
  const panel = h("div", { class: "panel" });
  const show = (id: number): void =>
    void requestPage(panel, session, id, () => void listPanel(panel, session, {}, show));
  const list: [string, string, () => void][] = [];
  if (isMedical(session))
    list.push([
      "medical-queue",
      "File du médecin conseil",
      () => void listPanel(panel, session, { status: "en_attente" }, show),
    ]);
  list.push(["requests", "Demandes", () => void listPanel(panel, session, {}, show)]);
  if (canRegister(session)) list.push(["register", "Nouvelle demande", () => void registerPanel(panel, show)]);
  list.push(["member-approvals", "Accords d'un adhérent", () => memberPanel(panel, show)]);
  list.push(["expiring", "Échéances", () => void expiringPanel(panel, session)]);
  if (isMedical(session)) list.push(["medical-reads", "Lectures médicales", () => void readsPanel(panel)]);
  const bar = tabs(list);
  mount(content, h("h2", {}, "Accords et prises en charge"), bar, panel);
  (bar.firstElementChild as HTMLButtonElement).click();
}

async function listPanel(
  panel: HTMLElement,
  session: SessionInfo,
  filter: { status?: RequestStatus },
  openRequest?: (id: number) => void,
): Promise<void> {
  const go =
    openRequest ?? ((id: number) => void requestPage(panel, session, id, () => void listPanel(panel, session, filter)));
  const rows = await call("approval_list", filter);
  const statusSelect = select("Statut", "status", STATUS_OPTIONS, filter.status ?? "");
  statusSelect.querySelector("select")?.addEventListener("change", (ev) => {
    const s = (ev.target as HTMLSelectElement).value;
    void listPanel(panel, session, s ? { status: s as RequestStatus } : {}, openRequest);
  });
  mount(
    panel,
    h("div", { class: "row" }, statusSelect),
    requestTable("approval-list", rows, go),
    rows.length === 0
      ? h(
          "p",
          { class: "hint" },
          filter.status === "en_attente" ? "Aucune demande n'attend l'avis du médecin conseil." : "Aucune demande.",
        )
      : null,
  );
}

function requestTable(id: string, rows: RequestRow[], go: (id: number) => void): HTMLTableElement {
  return grid(
    id,
    ["N°", "Nature", "Adhérent", "Bénéficiaire", "Prestataire", "Reçue le", "Attente (j)", "Statut"],
    rows.map((r) =>
      h(
        "tr",
        {
          class: "clickable",
          tabindex: "0",
          "data-id": String(r.id),
          onclick: () => go(r.id),
          onkeydown: (ev: Event) => (ev as KeyboardEvent).key === "Enter" && go(r.id),
        },
        h("td", {}, r.number),
        h("td", {}, r.kind_label),
        h("td", {}, `${r.member_name} (${r.matricule})`),
        h("td", {}, r.beneficiary_name),
        h("td", {}, r.provider_name ?? ""),
        h("td", {}, frDate(r.received_on)),
        h("td", {}, String(r.waiting_days)),
        h("td", {}, r.status_label + (r.confidential ? " · pli confidentiel" : "")),
      ),
    ),
  );
}

function memberPanel(panel: HTMLElement, go: (id: number) => void): void {
  const form = h("form", { id: "member-approvals-form", class: "row", autocomplete: "off" });
  const out = h("div", { id: "member-approvals" });
  mount(form, field("Matricule", "matricule"), formError(), h("button", { type: "submit" }, "Afficher"));
  onSubmit(form, async () => {
    const page = await call("member_get", { matricule: value(form, "matricule") });
    const list = await call("approvals_of_member", { id: page.member.id });
    showError(form, "");
    const today = new Date().toISOString().slice(0, 10);
    const inForce = list.filter((r) => r.status === "accorde" && r.grants.some((g) => g.valid_to >= today));
    mount(
      out,
      h("h4", {}, `Accords en vigueur — ${page.member.last_name.toUpperCase()} ${page.member.first_name}`),
      inForce.length === 0
        ? h("p", { class: "hint" }, "Aucun accord en vigueur.")
        : grid(
            "in-force",
            ["N°", "Bénéficiaire", ...GRANT_HEADERS],
            inForce.flatMap((r) =>
              r.grants.map((g) =>
                h("tr", {}, h("td", {}, r.number), h("td", {}, r.beneficiary_name), ...grantCells(g, r.acts)),
              ),
            ),
          ),
      h("h4", {}, "Toutes ses demandes"),
      requestTable(
        "member-requests",
        list.map((r) => ({ ...r, waiting_days: 0, provider_name: r.provider_name })),
        go,
      ),
    );
  });
  mount(panel, form, out);
  (form.elements.namedItem("matricule") as HTMLInputElement).focus();
}
