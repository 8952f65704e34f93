// A file the person picks through the native dialog: the field shows its
// name, the request carries its handle (the page never names a path).
import { ApiFailure } from "./api/client";
import { open, save } from "./api/dialogs";
import { field, h } from "./dom";

export function pathField(label: string, name: string, title: string = label): HTMLElement {
  const f = field(label, name);
  const input = f.querySelector("input") as HTMLInputElement;
  input.readOnly = true;
  input.placeholder = "Parcourir… pour choisir le fichier";
  const browse = h("button", { type: "button", class: "browse", id: `browse-${name}` }, "Parcourir…");
  browse.addEventListener("click", async () => {
    const picked = await open({ title, filters: [{ name: "PDF, JPG, PNG", extensions: ["pdf", "jpg", "jpeg", "png"] }] });
    if (typeof picked === "string") input.value = picked;
  });
  return h("div", { class: "row" }, f, browse);
}

/** A button that asks where to save a PDF, calls `write` with the chosen
 * handle, and says on `status` where it went (or why it did not). */
export function savePdfButton(id: string, label: string, status: HTMLElement, defaultPath: string, write: (path: string) => Promise<{ path: string }>): HTMLButtonElement {
  const b = h("button", { type: "button", id }, label);
  b.addEventListener("click", async () => {
    const path = await save({ title: label.replace(/…$/, ""), defaultPath, filters: [{ name: "PDF", extensions: ["pdf"] }] });
    if (!path) return;
    try {
      status.textContent = `Enregistré : ${(await write(path)).path}`;
    } catch (e) {
      if (e instanceof ApiFailure) status.textContent = e.message;
    }
  });
  return b;
}
