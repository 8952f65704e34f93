// The audit journal with its filters (who, what, when), newest first.
import { ApiFailure, call } from "../api/client";
import type { AuditEntry, AuditFilter } from "../api/bindings";
import { field, formError, h, localTime, mount, showError, value } from "../dom";
import { grid } from "../widgets";

function summary(e: AuditEntry): string {
  const show = (v: unknown): string => (v === null || v === undefined ? "—" : JSON.stringify(v));
  return e.before || e.after ? `${show(e.before)} → ${show(e.after)}` : "";
}

export async function auditPanel(panel: HTMLElement): Promise<void> {
  const rows = h("tbody", {});
  const more = h("button", { type: "button", id: "audit-more", hidden: true }, "Plus anciens…");
  const form = h(
    "form",
    { id: "audit-filters", class: "filters", novalidate: true },
    field("Qui (identifiant)", "actor"),
    field("Action", "action"),
    field("Du", "from", { type: "date" }),
    field("Au", "to", { type: "date" }),
    // A closed year set apart (`guichet db archive-year`) is read only when asked.
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "with_archives", id: "f-with_archives" }),
      "Années mises à part",
    ),
    h("button", { type: "submit", class: "primary" }, "Filtrer"),
    formError(),
  );
  let filter: AuditFilter = {};
  let next: number | null = null;

  const load = async (append: boolean): Promise<void> => {
    try {
      const res = await call("audit_list", { ...filter, ...(append && next !== null ? { before_id: next } : {}) });
      if (!append) rows.replaceChildren();
      for (const e of res.entries) {
        rows.append(
          h(
            "tr",
            {},
            h("td", {}, localTime(e.at)),
            h("td", {}, e.actor),
            h("td", { class: "desk" }, e.desk ? `${e.desk} (${e.remote_addr ?? "?"})` : ""),
            h("td", {}, e.action),
            h("td", {}, `${e.entity_type}${e.entity_id ? ` ${e.entity_id}` : ""}`),
            h("td", { class: "json" }, summary(e)),
          ),
        );
      }
      next = res.next_before_id;
      more.hidden = next === null;
      showError(form, "");
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const opt = (n: string): string | undefined => value(form, n).trim() || undefined;
    filter = {};
    const actor = opt("actor"),
      action = opt("action"),
      from = opt("from"),
      to = opt("to");
    if (actor) filter.actor = actor;
    if (action) filter.action = action;
    if (from) filter.from = from;
    if (to) filter.to = to;
    if ((form.elements.namedItem("with_archives") as HTMLInputElement).checked) filter.with_archives = true;
    void load(false);
  });
  more.addEventListener("click", () => void load(true));

  mount(panel, form, grid("audit-table", ["Quand", "Qui", "Poste", "Action", "Objet", "Avant → après"], rows), more);
  await load(false);
}
