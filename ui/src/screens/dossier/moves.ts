// The moves open to the caller, as the core lists them with their words:
// « prendre » at once, the others through a short form (reason, note).
import { call, ApiFailure } from "../../api/client";
import type { DossierPage, Move, MoveOption } from "../../api/bindings";
import { field, formError, h, mount, onSubmit, select } from "../../dom";

/** The row of move buttons and the form a move opens. */
export async function movesPart(
  p: DossierPage,
  status: HTMLElement,
  reload: () => Promise<void>,
): Promise<{ actions: HTMLElement; moveForm: HTMLFormElement }> {
  const d = p.dossier;
  // Moves open to this staff member.
  const reasons = p.can.moves.some((o) => o.move === "mark_incomplete" || o.move === "reject")
    ? await call("reason_list", {})
    : [];
  const actions = h("div", { class: "row", id: "dossier-moves" });
  const moveForm = h("form", { id: "move-form", class: "card inline", hidden: true });
  const showMove = ({ move: m, label }: MoveOption): void => {
    moveForm.hidden = false;
    const parts: HTMLElement[] = [h("h3", {}, label), formError()];
    if (m === "mark_incomplete" || m === "reject") {
      parts.push(
        select(
          "Motif (catalogue)",
          "reason_code",
          [["", "—"], ...reasons.map((r): [string, string] => [r.code, r.label])],
          m === "mark_incomplete" ? "pieces_manquantes" : "",
        ),
      );
      parts.push(
        field("Texte lu par l'adhérent", "reason_text", {
          value: m === "mark_incomplete" ? p.checklist.proposed_reason : "",
        }),
      );
    } else if (m === "reopen") {
      parts.push(field("Pourquoi rouvrir ce dossier rejeté", "reason_text"));
    } else if (m === "complement_received") {
      parts.push(field("Ce qui est arrivé en complément", "note"));
    } else if (m === "mark_complete" && p.checklist.missing.length) {
      parts.push(field("Pièces manquantes : pourquoi le déclarer complet malgré tout", "note"));
    }
    parts.push(h("button", { type: "submit", class: "primary", id: "move-confirm" }, label));
    mount(moveForm, ...parts);
    moveForm.dataset.move = m;
    const first = moveForm.querySelector<HTMLElement>("input, select, button[type=submit]");
    first?.focus();
  };
  onSubmit(moveForm, async () => {
    const m = moveForm.dataset.move as Move;
    const v = (n: string): string | null => {
      const el = moveForm.elements.namedItem(n);
      return el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value || null : null;
    };
    await call("dossier_move", {
      id: d.id,
      version: d.version,
      move: m,
      reason_code: v("reason_code"),
      reason_text: v("reason_text"),
      note: v("note"),
    });
    await reload();
  });
  for (const o of p.can.moves) {
    const m = o.move;
    const b = h("button", { type: "button", class: m === "take" ? "primary" : "", "data-move": m }, o.label);
    b.addEventListener("click", async () => {
      if (m === "take") {
        try {
          await call("dossier_move", { id: d.id, version: d.version, move: "take" });
          await reload();
        } catch (e) {
          if (e instanceof ApiFailure) status.textContent = e.message;
        }
      } else showMove(o);
    });
    actions.append(b);
  }
  return { actions, moveForm };
}
