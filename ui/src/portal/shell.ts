// The frame every page of the portal is drawn in: the header (the mutual's
// name and logo, the member's menu), a page's title taking the focus, the
// message the next page shows once, tables with their empty state, and the
// badges statuses are shown as.
import type { Brand, Tone } from "../api/bindings";
import { h, mount, type Child } from "../html";
import { call, fileUrl } from "./api";

const main = document.getElementById("contenu") as HTMLElement;
export const header = document.getElementById("entete") as HTMLElement;

/** A message the next page shows once (an activation done, a request sent). */
let notice = "";

export function setNotice(message: string): void {
  notice = message;
}

/** The message waiting for this page, said once. */
export function takeNotice(): string {
  const n = notice;
  notice = "";
  return n;
}

let router: () => Promise<void> = async () => undefined;

/** Registers how a page is drawn from the address (main.ts). */
export function onRoute(r: () => Promise<void>): void {
  router = r;
}

/** Draws the current page again (after a sending). */
export function redraw(): Promise<void> {
  return router();
}

/** Goes to `hash`, showing `message` there. */
export function go(hash: string, message = ""): void {
  notice = message;
  if (location.hash === hash) void router();
  else location.hash = hash;
}

export function page(title: string, ...content: Child[]): void {
  const h1 = h("h1", { tabindex: "-1" }, title);
  mount(main, h1, ...content);
  document.title = `${title} — Espace adhérent`;
  h1.focus();
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href }, text);
}

let brand: Brand | null = null;

/** The mutual's name and logo, asked once (public: shown before login too). */
export async function loadBrand(): Promise<void> {
  brand = await call("portal_brand", {}).catch(() => ({ name: "Mutuelle", logo: false }));
}

/** The top of the header: the mutual's logo and name, then « Espace adhérent ». */
export function mark(): HTMLElement {
  const name = brand?.name ?? "Mutuelle";
  return h(
    "p",
    { class: "marque" },
    brand?.logo ? h("img", { src: fileUrl("portal_logo", {}), alt: `Logo de ${name}`, class: "logo" }) : null,
    h(
      "span",
      { class: "titres" },
      h("span", { class: "nom" }, name),
      h("span", { class: "espace" }, "Espace adhérent"),
    ),
  );
}

/** The header of the pages seen before logging in. */
export function publicHeader(): void {
  mount(header, mark());
}

/** What an empty list says: that nothing is there yet, then what will appear and how. */
export function empty(nothing: string, how: string): HTMLElement {
  return h("div", { class: "vide" }, h("p", {}, nothing), h("p", { class: "comment" }, how));
}

/** A table with its caption, or its empty state. */
export function table(caption: string, headings: string[], rows: Child[][], none: HTMLElement): HTMLElement {
  if (rows.length === 0) return none;
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h("tr", {}, ...r.map((c, i) => h("td", { "data-label": headings[i] ?? "", class: token(c) }, c))),
      ),
    ),
  );
}

/** A number or a reference (`M26-0000902`, `DEC-2026-000012`) is one word: never cut in the middle. */
function token(c: Child): string | undefined {
  return typeof c === "string" && /^[\p{L}\d][\p{L}\d/.-]*$/u.test(c) && /\d/.test(c) ? "jeton" : undefined;
}

/** A status as a coloured badge; its words carry the meaning, the colour only repeats it. */
export function badge(label: string, tone: Tone): HTMLElement {
  return h("span", { class: `badge badge-${tone}` }, label);
}

/** What the last sending did, shown once under the title of the page drawn again after it. */
export function sentNotice(): HTMLElement {
  const message = takeNotice();
  return h("p", { class: "info", role: "status", id: "envoi-fait", hidden: !message }, message);
}

/** A next step as a button: it opens the form that does it, that item chosen. */
export function nextStep(text: string, formId: string, selectId: string, value: string): HTMLButtonElement {
  const b = h("button", { type: "button", class: "etape" }, text);
  b.addEventListener("click", () => {
    const select = document.getElementById(selectId) as HTMLSelectElement | null;
    if (select) select.value = value;
    const f = document.getElementById(formId);
    f?.scrollIntoView({ block: "start" });
    (f?.querySelector("input, select") as HTMLElement | null)?.focus();
  });
  return b;
}
