import { ApiFailure } from "./api/client";

import { h } from "./html";

export { h, mount } from "./html";

/** A labelled input; `name` is also the field name the core reports errors on. */
export function field(
  label: string,
  name: string,
  opts: {
    type?: string;
    value?: string;
    autocomplete?: string;
    required?: boolean;
    autofocus?: boolean;
    /** Characters seen at once, for a value of known length (a RIB). */
    size?: number;
  } = {},
): HTMLLabelElement {
  return h(
    "label",
    { class: "field" },
    h("span", {}, label),
    h("input", {
      name,
      id: `f-${name}`,
      type: opts.type ?? "text",
      value: opts.value ?? "",
      autocomplete: opts.autocomplete ?? "off",
      required: opts.required ?? false,
      autofocus: opts.autofocus ?? false,
      size: opts.size,
      spellcheck: "false",
    }),
    h("small", { class: "field-error", "data-error-for": name }),
  );
}

export function value(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  return el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value : "";
}

/** Shows a message once, where it belongs: beside its field when the form
 * has a place for it there, else in the form's banner (an error of the
 * whole form, or of several fields: the core names the first, the message
 * names them all). The field is marked and focused either way. */
export function showError(form: HTMLFormElement, message: string, fieldName?: string): void {
  form.querySelectorAll<HTMLElement>(".field-error").forEach((e) => (e.textContent = ""));
  form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  let slot = fieldName ? form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(fieldName)}"]`) : null;
  if (slot) {
    slot.textContent = message;
    // Beside a field out of sight (a folded part), it would be read by no one.
    if (slot.getClientRects().length === 0) {
      slot.textContent = "";
      slot = null;
    }
  }
  const banner = form.querySelector<HTMLElement>(".form-error");
  if (banner) {
    banner.textContent = slot ? "" : message;
    banner.hidden = slot !== null || message === "";
  }
  const input = fieldName ? form.elements.namedItem(fieldName) : null;
  if (input instanceof HTMLElement) {
    input.classList.add("invalid");
    input.focus();
  }
}

export function formError(): HTMLParagraphElement {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

/** Formats an RFC 3339 UTC time in local French form. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("fr-FR");
}

/** `1981-08-27` as `27/08/1981`; empty for null. */
export function frDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return d && m && y ? `${d}/${m}/${y}` : iso;
}

/** A RIB as printed: bank 3, city 3, account 16, key 2. */
export function frRib(rib: string | null | undefined): string {
  if (!rib || rib.length !== 24) return rib ?? "";
  return `${rib.slice(0, 3)} ${rib.slice(3, 6)} ${rib.slice(6, 22)} ${rib.slice(22)}`;
}

/** A select of `[value, label]` options. */
export function select(label: string, name: string, options: [string, string][], selected = ""): HTMLLabelElement {
  const s = h(
    "select",
    { name, id: `f-${name}` },
    ...options.map(([v, l]) => h("option", { value: v, selected: v === selected }, l)),
  );
  return h(
    "label",
    { class: "field" },
    h("span", {}, label),
    s,
    h("small", { class: "field-error", "data-error-for": name }),
  );
}

/**
 * Runs `action` when the form is submitted; a refusal from the core is shown
 * on the form, beside the field it names.
 */
export function onSubmit(form: HTMLFormElement, action: () => Promise<void>): void {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  });
}

/** Centimes as dirhams the French way: `110000` → `1 100,00`. */
export function frMoney(centimes: number): string {
  const sign = centimes < 0 ? "-" : "";
  const a = Math.abs(centimes);
  const units = String(Math.floor(a / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${sign}${units},${String(a % 100).padStart(2, "0")}`;
}

/** Today as `YYYY-MM-DD` in local time (date inputs). */
export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A status line under a form: what just happened, for the agent's eyes. */
export function statusLine(id: string): HTMLParagraphElement {
  return h("p", { id, class: "status-line", role: "status", "aria-live": "polite" });
}

/** A row of tabs: `[id, label, show]` each; the button is `#tab-<id>` and marks itself selected. */
export function tabs(list: [string, string, () => void][]): HTMLDivElement {
  const bar = h("div", { class: "tabs", role: "tablist" });
  for (const [id, label, show] of list) {
    bar.append(
      h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `tab-${id}`,
          onclick: () => {
            bar
              .querySelectorAll("button")
              .forEach((b) => b.setAttribute("aria-selected", String(b.id === `tab-${id}`)));
            show();
          },
        },
        label,
      ),
    );
  }
  return bar;
}

/** A long token cut only where it reads well: `parts` in order, with a
 * break opportunity between each two and none inside one. */
function cutBetween(parts: string[]): (string | HTMLElement)[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [h("wbr", {}), p]));
}

/** A path or address, cut only after a `/`: never inside a folder's name. */
export function pathText(path: string): (string | HTMLElement)[] {
  return cutBetween(path.split(/(?<=\/)/));
}

/** A certificate's fingerprint (`CF:DC:…`), cut only between groups of
 * eight bytes, so that its lines can be compared group by group. */
export function fingerprintText(fingerprint: string): (string | HTMLElement)[] {
  const bytes = fingerprint.split(":");
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    const last = i + 8 >= bytes.length;
    groups.push(bytes.slice(i, i + 8).join(":") + (last ? "" : ":"));
  }
  return cutBetween(groups);
}

/**
 * A sentence whose references (`M26-0000002`, `AP-2026-000042`, an e-mail)
 * are never cut at their hyphen or dot: each is a span that does not wrap,
 * the words around it wrap as usual.
 */
export function unbroken(text: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\d][\p{L}\d._%+]*[-@/][\p{L}\d.\-@/]*[\p{L}\d]/gu)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h("span", { class: "nowrap" }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
