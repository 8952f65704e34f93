// The portal's form pieces: labelled fields with their error slots, file
// inputs read as base64, and a form that shows each refusal beside the
// field the server names. Shared by every page that sends something.
import type { PieceUpload, UpdatePiece, Upload } from "../api/bindings";
import { h } from "../html";
import { Refused } from "./api";

/** A labelled field with its error slot (`aria-describedby`). */
export function input(label: string, name: string, type = "text", autocomplete = "off"): HTMLElement {
  const error = h("small", { class: "erreur", id: `err-${name}`, "aria-live": "polite" });
  return h(
    "label",
    { class: "champ" },
    h("span", {}, label),
    h("input", { name, id: `f-${name}`, type, autocomplete, "aria-describedby": `err-${name}` }),
    error,
  );
}

/** A labelled choice among `options` (`[value, label]`). */
export function choice(label: string, name: string, options: [string, string][], id = name): HTMLElement {
  const error = h("small", { class: "erreur", id: `err-${id}`, "aria-live": "polite" });
  const select = h(
    "select",
    { name, id: `f-${id}`, "aria-describedby": `err-${id}` },
    ...options.map(([value, text]) => h("option", { value }, text)),
  );
  return h("label", { class: "champ" }, h("span", {}, label), select, error);
}

/** Scanned files to send: PDF, JPG or PNG, several at once. */
export function filesInput(label: string, id = "files"): HTMLElement {
  const error = h("small", { class: "erreur", id: `err-${id}`, "aria-live": "polite" });
  const attrs = { name: "files", id: `f-${id}`, type: "file", multiple: true, accept: ".pdf,.jpg,.jpeg,.png" };
  return h(
    "label",
    { class: "champ" },
    h("span", {}, label),
    h("input", { ...attrs, "aria-describedby": "err-files" }),
    error,
  );
}

/** The files chosen in `input`, each as its name and its content in base64. */
export async function filesOf(input: HTMLInputElement | null): Promise<Upload[]> {
  const read = (file: File): Promise<Upload> =>
    new Promise((done, fail) => {
      const r = new FileReader();
      r.onload = () => done({ name: file.name, base64: String(r.result).split(",")[1] ?? "", confidential: false });
      r.onerror = () =>
        fail(new Refused({ code: "validation", message: `Lecture impossible de « ${file.name} ».`, field: "files" }));
      r.readAsDataURL(file);
    });
  return Promise.all(Array.from(input?.files ?? []).map(read));
}

/** The form's scanned files (its `files` input), and its medical pieces
 * sent sealed (its `sealed` input): opened by the medical advisor only. */
export async function chosenFiles(f: HTMLFormElement): Promise<Upload[]> {
  const open = await filesOf(f.querySelector<HTMLInputElement>('input[name="files"]'));
  const sealed = await filesOf(f.querySelector<HTMLInputElement>('input[name="sealed"]'));
  return [...open, ...sealed.map((u) => ({ ...u, confidential: true }))];
}

/** Medical pieces to send sealed (law 09-08): optional, beside the scans. */
export function sealedInput(id: string): HTMLElement {
  const attrs = { name: "sealed", id: `f-${id}`, type: "file", multiple: true, accept: ".pdf,.jpg,.jpeg,.png" };
  const words =
    "Pièces médicales sous pli confidentiel (comptes rendus, résultats) : lues par le médecin-conseil seulement";
  return h("label", { class: "champ" }, h("span", {}, words), h("input", attrs));
}

/** A piece of a change request to join: one file input per kind of piece. */
export function pieceInput(label: string, piece: UpdatePiece): HTMLElement {
  const attrs = { name: `piece-${piece}`, id: `f-piece-${piece}`, type: "file", accept: ".pdf,.jpg,.jpeg,.png" };
  return h(
    "label",
    { class: "champ" },
    h("span", {}, label),
    h("input", { ...attrs, "aria-describedby": "err-files" }),
  );
}

/** The pieces chosen in the form's piece inputs, each with its kind. */
export async function chosenPieces(f: HTMLFormElement): Promise<PieceUpload[]> {
  const out: PieceUpload[] = [];
  for (const input of Array.from(f.querySelectorAll<HTMLInputElement>('input[name^="piece-"]'))) {
    const piece = input.name.replace(/^piece-/, "") as UpdatePiece;
    for (const file of await filesOf(input)) out.push({ piece, file });
  }
  return out;
}

/** Where the refusals about the pieces as a whole go (`files`). */
export function piecesError(): HTMLElement {
  return h("small", { class: "erreur", id: "err-files", "aria-live": "polite" });
}

/** A link that downloads one of his PDFs. */
export function download(href: string, file: string, text = "Télécharger (PDF)"): HTMLAnchorElement {
  return h("a", { href, download: file }, text);
}

/** A form whose refusals are shown beside the field the server names. */
export function form(
  id: string,
  fields: HTMLElement[],
  submit: string,
  act: (v: Record<string, string>, f: HTMLFormElement) => Promise<void>,
): HTMLFormElement {
  const banner = h("p", { class: "alerte", role: "alert", hidden: true });
  const f = h("form", { id, novalidate: true }, banner, ...fields, h("button", { type: "submit" }, submit));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    f.querySelectorAll(".erreur").forEach((e) => (e.textContent = ""));
    f.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    banner.hidden = true;
    const values: Record<string, string> = {};
    new FormData(f).forEach((v, k) => {
      if (typeof v === "string") values[k] = v;
    });
    try {
      await act(values, f);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      // The field the server names, and the slot its `aria-describedby` points to.
      const field = e.field ? f.querySelector<HTMLElement>(`[name="${e.field}"]`) : null;
      const slot = field ? document.getElementById(field.getAttribute("aria-describedby") ?? "") : null;
      if (slot && field) {
        slot.textContent = e.message;
        field.setAttribute("aria-invalid", "true");
        field.focus();
      } else {
        banner.textContent = e.message;
        banner.hidden = false;
      }
    }
  });
  return f;
}
