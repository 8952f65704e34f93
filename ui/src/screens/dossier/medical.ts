// Medical secrecy (law 09-08): the medical advisor reads and writes the
// nature of the illness and his notes; others see only that they exist.
import { call } from "../../api/client";
import type { DossierPage } from "../../api/bindings";
import { field, formError, h, mount, onSubmit, value } from "../../dom";

export function medicalPart(p: DossierPage, status: HTMLElement): HTMLElement | null {
  const d = p.dossier;
  // Medical secrecy: the medical advisor reads and writes the medical side; others see that it exists.
  const medical = ((): HTMLElement | null => {
    if (!p.can.read_medical)
      return p.confidential
        ? h(
            "p",
            { class: "hint", id: "dossier-confidential" },
            "Ce dossier contient des éléments médicaux confidentiels, réservés au médecin conseil.",
          )
        : null;
    const form = h("form", { id: "dossier-medical-form", class: "card medical", autocomplete: "off" });
    mount(
      form,
      h("h4", {}, "Médical (médecin conseil seul)"),
      formError(),
      field("Nature de la maladie", "nature", { value: p.medical?.nature ?? "" }),
      field("Notes médicales", "notes", { value: p.medical?.notes ?? "" }),
      h("button", { type: "submit" }, "Enregistrer"),
    );
    onSubmit(form, async () => {
      await call("dossier_medical_save", {
        dossier_id: d.id,
        nature: value(form, "nature"),
        notes: value(form, "notes"),
      });
      status.textContent = "Partie médicale enregistrée.";
    });
    return form;
  })();
  return medical;
}
