// The window's repeated pieces: a file picked through the native dialog
// (the field shows its name, the request carries its handle: the page never
// names a path), and "save as → call → say where it went".
import { ApiFailure } from "./api/client";
import { open, save, type DialogFilter } from "./api/dialogs";
import { field, h } from "./dom";

export function pathField(label: string, name: string, title: string = label): HTMLElement {
  const f = field(label, name);
  const input = f.querySelector("input") as HTMLInputElement;
  input.readOnly = true;
  input.placeholder = "Parcourir… pour choisir le fichier";
  const browse = h("button", { type: "button", class: "browse", id: `browse-${name}` }, "Parcourir…");
  browse.addEventListener("click", async () => {
    const picked = await open({
      title,
      filters: [{ name: "PDF, JPG, PNG", extensions: ["pdf", "jpg", "jpeg", "png"] }],
    });
    if (typeof picked === "string") input.value = picked;
  });
  return h("div", { class: "row" }, f, browse);
}

export interface SaveDialog {
  title: string;
  defaultPath: string;
  filters?: DialogFilter[];
}

/** Asks where to save, calls `write` with the chosen handle, and says on
 * `status` what `said` makes of the written path (or why it failed). */
export function saveAs(
  status: HTMLElement,
  dialog: SaveDialog,
  write: (path: string) => Promise<{ path: string }>,
  said: (path: string) => string,
): () => Promise<void> {
  return async () => {
    const path = await save(dialog);
    if (!path) return;
    try {
      status.textContent = said((await write(path)).path);
    } catch (e) {
      if (e instanceof ApiFailure) status.textContent = e.message;
    }
  };
}

export const PDF: DialogFilter[] = [{ name: "PDF", extensions: ["pdf"] }];
export const XLSX: DialogFilter[] = [{ name: "Classeur Excel", extensions: ["xlsx"] }];

/** Where to save a batch's list of transfers for the bank (members' or providers'). */
export function transfersDialog(reference: string): SaveDialog {
  return {
    title: "Enregistrer la liste de virements",
    defaultPath: `virements-${reference}.xlsx`,
    filters: [{ name: "Classeur Excel ou CSV", extensions: ["xlsx", "csv"] }],
  };
}

/** A button that saves a PDF through [saveAs]. */
export function savePdfButton(
  id: string,
  label: string,
  status: HTMLElement,
  defaultPath: string,
  write: (path: string) => Promise<{ path: string }>,
): HTMLButtonElement {
  const b = h("button", { type: "button", id }, label);
  b.addEventListener(
    "click",
    saveAs(status, { title: label.replace(/…$/, ""), defaultPath, filters: PDF }, write, (p) => `Enregistré : ${p}`),
  );
  return b;
}

/** The desk's one table: headings, then the rows (or a body kept to fill later). */
export function grid(id: string | null, headings: string[], body: Node[] | HTMLTableSectionElement): HTMLTableElement {
  const rows = body instanceof HTMLTableSectionElement ? body : h("tbody", {}, ...body);
  return h(
    "table",
    { class: "grid", id: id ?? undefined },
    h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", {}, t)))),
    rows,
  );
}
