// An editor's table (the rule sets): a row per item, each value in a field
// sized to it; a column is as narrow as its fields or shares the width left
// with the row's long texts, which wrap and grow to show all they hold
// rather than hide their end past a field's edge. No horizontal scroll.
import { h } from "./dom";

/** A value that may be long (an act's label, a tariff's source): it wraps
 * within its column and grows to show all of it, where a field would hide
 * its end past its edge; Enter sends the form, as in a field. Its form
 * calls [fitLongTexts] once shown. */
export function longText(name: string, value: string, label: string): HTMLTextAreaElement {
  const t = h("textarea", { name, rows: 1, class: "long", "aria-label": label, spellcheck: "false" }, value);
  t.addEventListener("input", () => fit(t));
  t.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    t.form?.requestSubmit();
  });
  return t;
}

function fit(t: HTMLTextAreaElement): void {
  t.style.height = "auto";
  t.style.height = `${t.scrollHeight + t.offsetHeight - t.clientHeight}px`;
}

/** Fits every long text under `root` to its value, now and whenever the
 * width it wraps in changes. */
export function fitLongTexts(root: HTMLElement): void {
  let width = -1;
  new ResizeObserver(() => {
    if (root.clientWidth === width) return;
    width = root.clientWidth;
    root.querySelectorAll<HTMLTextAreaElement>("textarea.long").forEach(fit);
  }).observe(root);
}

/** The width of a column's fields: its widest value (a group's code) and a
 * character to type, at least `least`. Nothing typed is hidden behind the
 * field's edge, and a column's fields are one width. */
export function widest<T>(least: number, rows: T[], value: (row: T) => string | null | undefined): number {
  return Math.min(Math.max(least, ...rows.map((r) => (value(r) ?? "").length + 1)), 48);
}

/** An input of `size` characters inside an editor's cell, with its error
 * slot; `name` is the field the core names. The cell is as narrow as its
 * field, so the long texts of the row get the rest of the width. */
export function cell(name: string, value: string, size = 8, label = name, numeric = false): HTMLTableCellElement {
  return h("td", { class: "fit" }, sized(name, value, size, label, numeric), errorSlot(name));
}

export function sized(name: string, value: string, size: number, label: string, numeric = false): HTMLInputElement {
  return h("input", {
    name,
    value,
    size: Math.max(size, value.length + 1),
    class: numeric ? "num" : undefined,
    "aria-label": label,
    spellcheck: "false",
    autocomplete: "off",
  });
}

export function errorSlot(name: string): HTMLElement {
  return h("small", { class: "field-error", "data-error-for": name });
}

/** A long text (a label, a source) in its cell: it wraps and shows all of it. */
export function textCell(name: string, value: string, label: string): HTMLTableCellElement {
  return h("td", {}, longText(name, value, label), errorSlot(name));
}

/** An editor's table: a column is `fit` when as narrow as its fields, or
 * shares the width left (a long text). Its headers are short; what they
 * mean in full is in the hint above the table. */
export function editorTable(id: string, columns: [string, boolean][], body: HTMLTableSectionElement): HTMLTableElement {
  const compact = columns.every(([, fit]) => fit);
  return h(
    "table",
    { class: compact ? "grid editor compact" : "grid editor", id },
    h("thead", {}, h("tr", {}, ...columns.map(([t, fit]) => h("th", { class: fit ? "fit" : undefined }, t)))),
    body,
  );
}

/** The second line of an item, under all its columns but the first: the
 * fields its header has no room for, each with its own label. */
export function detailRow(span: number, ...parts: HTMLElement[]): HTMLTableRowElement {
  return h("tr", { class: "detail" }, h("td", {}), h("td", { colspan: span }, h("div", { class: "detail" }, ...parts)));
}

export function detail(label: string, ...control: HTMLElement[]): HTMLLabelElement {
  return h("label", {}, h("span", {}, label), ...control);
}
