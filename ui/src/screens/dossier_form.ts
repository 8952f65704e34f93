// The dossier fields reception types for each claim form, keyboard-first: a
// barcode scanner types the form number and Enter; Enter moves to the next
// field; Enter after the matricule finds the member and numbers his
// beneficiaries (1 = lui-même); the kind is a letter; Enter on the last field
// records the dossier.
import { KINDS, labelOf, RELATIONS } from "../labels";
import { call, ApiFailure } from "../api/client";
import type { Chosen, DossierInput, Kind } from "../api/bindings";
import { field, h, showError } from "../dom";

export { KINDS };

/** `27/08/2026` → `2026-08-27`; other text is passed on for the core to refuse by name. */
export function isoDate(fr: string): string {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(fr);
  if (!m) return fr.trim();
  return `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
}

/** `M` → maladie, `D` → dentaire, `O` → optique, `A` → autres; a word is passed on as typed. */
export function kindOf(typed: string): Kind {
  const t = typed.trim().toLowerCase();
  const found = KINDS.find(([k]) => k === t || (t.length === 1 && k.startsWith(t)));
  return (found ? found[0] : t) as Kind;
}

export interface DossierFields {
  /** The inputs, to place in a form. */
  nodes: HTMLElement[];
  /** The request from what is typed. */
  read(): Chosen<DossierInput>;
  /** Empties the fields for the next dossier and focuses the form number. */
  reset(): void;
}

export function dossierFields(form: HTMLFormElement, submit: () => void): DossierFields {
  const memberFound = h("p", { id: "member-found", class: "hint" });
  // Numbers and letters rather than drop-down lists: typed at speed, and no
  // pop-up swallows the keys.
  const beneficiary = field("Bénéficiaire (n°)", "beneficiary_id", { value: "1" });
  const choices = h("p", { id: "beneficiary-choices", class: "hint" });
  let beneficiaryIds: number[] = [];
  // A letter typed at speed, said in words beside it: « M — Maladie ».
  const kind = field("Nature", "kind", { value: "M" });
  const kindWords = h("small", { class: "hint", id: "kind-words" });
  const sayKind = (): void => {
    const typed = (kind.querySelector("input") as HTMLInputElement).value;
    const k = KINDS.find(([c]) => c === kindOf(typed));
    kindWords.textContent = k ? `${typed.trim().toUpperCase().slice(0, 1)} — ${k[1]}` : "M, D, O ou A";
  };
  kind.querySelector("input")?.addEventListener("input", sayKind);
  kind.append(kindWords);
  sayKind();
  const firstAct = field("Date du premier acte", "first_act_date");
  firstAct.querySelector("input")?.setAttribute("placeholder", "jj/mm/aaaa");
  const confirm = h(
    "label",
    { class: "check", id: "confirm-duplicate", hidden: true },
    h("input", { type: "checkbox", name: "confirm_duplicate", id: "f-confirm_duplicate" }),
    "Enregistrer malgré le doublon possible",
  );
  const nodes: HTMLElement[] = [
    h(
      "div",
      { class: "desk" },
      h("div", { class: "wide" }, field("N° de feuille de soins", "form_number")),
      h("div", { class: "wide" }, field("Matricule", "matricule")),
      h("div", { class: "wide" }, memberFound),
      h("div", { class: "wide" }, choices),
      beneficiary,
      kind,
      firstAct,
      field("Total des frais engagés (DH)", "total_claimed"),
      field("Nombre de pièces", "pieces", { value: "1" }),
    ),
    confirm,
  ];
  const input = (name: string): HTMLInputElement | HTMLSelectElement =>
    form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const order = ["form_number", "matricule", "beneficiary_id", "kind", "first_act_date", "total_claimed", "pieces"];

  const lookup = async (): Promise<boolean> => {
    const matricule = input("matricule").value.trim();
    beneficiaryIds = [];
    choices.textContent = "";
    memberFound.textContent = "";
    if (!matricule) return false;
    try {
      const page = await call("member_get", { matricule });
      const m = page.member;
      const employer = m.employer ? ` — ${m.employer}` : "";
      memberFound.textContent = `${m.last_name} ${m.first_name}${employer}${m.end_date ? " — radié" : ""}`;
      beneficiaryIds = page.beneficiaries.map((b) => b.id);
      choices.textContent = page.beneficiaries
        .map((b, i) => `${i + 1} = ${b.last_name} ${b.first_name} (${labelOf(RELATIONS, b.relation).toLowerCase()})`)
        .join(" · ");
      showError(form, "");
      return true;
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, "matricule");
      return false;
    }
  };

  form.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.ctrlKey || ev.altKey) return;
    const t = ev.target;
    if (!(t instanceof HTMLInputElement || t instanceof HTMLSelectElement)) return;
    const i = order.indexOf(t.name);
    if (t.name === "confirm_duplicate" || i === order.length - 1) {
      ev.preventDefault();
      submit();
      return;
    }
    if (i < 0) return;
    ev.preventDefault();
    // The next field, its content selected: typing replaces the default.
    const next = (): void => {
      const el = input(order[i + 1]!);
      el.focus();
      if (el instanceof HTMLInputElement) el.select();
    };
    // Focus moves at once, so keys typed ahead land in the right field; an
    // unknown matricule brings the focus back to it with the message.
    next();
    if (t.name === "matricule") {
      void lookup().then((ok) => {
        if (!ok) input("matricule").focus();
      });
    }
  });

  return {
    nodes,
    read(): Chosen<DossierInput> {
      const confirmBox = input("confirm_duplicate") as HTMLInputElement;
      return {
        form_number: input("form_number").value,
        matricule: input("matricule").value,
        // The core refuses an id that is not one of the member's beneficiaries.
        beneficiary_id: beneficiaryIds[Number(input("beneficiary_id").value) - 1] ?? 0,
        kind: kindOf(input("kind").value),
        first_act_date: isoDate(input("first_act_date").value),
        total_claimed: input("total_claimed").value,
        pieces: Number(input("pieces").value || 0),
        confirm_duplicate: confirmBox.checked,
      };
    },
    reset(): void {
      for (const n of ["form_number", "matricule", "first_act_date", "total_claimed"]) input(n).value = "";
      input("pieces").value = "1";
      input("beneficiary_id").value = "1";
      input("kind").value = "M";
      sayKind();
      beneficiaryIds = [];
      choices.textContent = "";
      memberFound.textContent = "";
      (input("confirm_duplicate") as HTMLInputElement).checked = false;
      confirm.hidden = true;
      input("form_number").focus();
    },
  };
}

/** A possible duplicate: the core asks for a confirmation; show the box and focus it. */
export function askDuplicateConfirmation(form: HTMLFormElement, message: string): void {
  const box = form.querySelector<HTMLElement>("#confirm-duplicate");
  if (box) box.hidden = false;
  showError(form, message);
  form.querySelector<HTMLInputElement>("#f-confirm_duplicate")?.focus();
}
