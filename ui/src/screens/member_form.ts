// The member form: a new member, or a registered one's details (his RIB
// changes only through an update request, four eyes).
import { MEMBER_STATUSES } from "../labels";
import { ApiFailure, call } from "../api/client";
import type { Member, MemberInput, MemberStatus, SessionInfo } from "../api/bindings";
import { field, formError, frRib, h, mount, select, showError, value } from "../dom";
import { membersSection } from "./members";
import { memberPage } from "./member_page";

export function memberForm(content: HTMLElement, session: SessionInfo, m: Member | null): void {
  const form = h(
    "form",
    { id: "member-form", class: "card inline", novalidate: true },
    h("h2", {}, m ? `Modifier ${m.last_name} ${m.first_name}` : "Nouvel adhérent"),
    h(
      "div",
      { class: "grid2" },
      field("Matricule", "matricule", { value: m?.matricule ?? "", autofocus: true }),
      field("CNIE", "cnie", { value: m?.cnie ?? "" }),
      field("Nom", "last_name", { value: m?.last_name ?? "" }),
      field("Prénom", "first_name", { value: m?.first_name ?? "" }),
      field("Date de naissance", "birth_date", { type: "date", value: m?.birth_date ?? "" }),
      field("Société", "employer", { value: m?.employer ?? "" }),
      select("Situation", "status", MEMBER_STATUSES, m?.status ?? "actif"),
      field("Date d'affiliation", "affiliation_date", { type: "date", value: m?.affiliation_date ?? "" }),
      field("Adresse", "address", { value: m?.address ?? "" }),
      field("GSM", "gsm", { value: m?.gsm ?? "" }),
      field("E-mail", "email", { value: m?.email ?? "" }),
      ribField(m),
      field("Date de sortie", "end_date", { type: "date", value: m?.end_date ?? "" }),
    ),
    formError(),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary" }, "Enregistrer"),
      h(
        "button",
        {
          type: "button",
          onclick: () =>
            m
              ? void memberPage(content, session, m.id, () => membersSection(content, session))
              : membersSection(content, session),
        },
        "Annuler",
      ),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const opt = (n: string): string | null => value(form, n).trim() || null;
    const member: MemberInput = {
      matricule: value(form, "matricule"),
      cnie: opt("cnie"),
      last_name: value(form, "last_name"),
      first_name: value(form, "first_name"),
      birth_date: opt("birth_date"),
      employer: opt("employer"),
      status: value(form, "status") as MemberStatus,
      address: opt("address"),
      gsm: opt("gsm"),
      email: opt("email"),
      rib: opt("rib"),
      affiliation_date: opt("affiliation_date"),
      end_date: opt("end_date"),
    };
    try {
      const saved = m
        ? await call("member_update", { id: m.id, version: m.version, member })
        : await call("member_create", member);
      void memberPage(content, session, saved.id, () => membersSection(content, session));
    } catch (e) {
      if (e instanceof ApiFailure) showError(form, e.message, e.field);
      else throw e;
    }
  });
  mount(content, form);
  (form.elements.namedItem("matricule") as HTMLInputElement).focus();
}

/**
 * The RIB: typed for a new member; for a registered one it is shown only, as
 * the core refuses it here (a change is an update request, four eyes).
 */
function ribField(m: Member | null): HTMLElement {
  const f = field("RIB (24 chiffres)", "rib", { value: frRib(m?.rib) });
  if (m) {
    (f.querySelector("input") as HTMLInputElement).readOnly = true;
    f.append(
      h("small", { class: "hint" }, "Un nouveau RIB passe par « Demande de modification », avec l'attestation de RIB."),
    );
  }
  return f;
}
