// A member's rights on his page: each beneficiary's coverage today and its
// end, suspensions and death; and what changes them: a schooling certificate
// or a disability (reception), a death or a suspension (administrators).
// The rules are the core's (members/coverage.rs): this page only shows them.
import { call } from "../api/client";
import type { Beneficiary, MemberPage, SessionInfo, SuspensionReason } from "../api/bindings";
import { field, formError, frDate, h, mount, onSubmit, select, value } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";

const REASONS: [SuspensionReason, string][] = [
  ["cotisations_impayees", "Cotisations impayées"],
  ["disponibilite", "Mise en disponibilité"],
  ["fin_emploi", "Fin d'emploi"],
];

/** The coverage text of a beneficiary (« Couvert(e) jusqu'au … », or why not). */
export function coverageText(page: MemberPage, b: Beneficiary): string {
  const c = page.rights.coverage.find((x) => x.beneficiary_id === b.id);
  if (!c) return "";
  const fund = c.amo_fund === "aucune" ? "sans caisse AMO" : c.amo_fund ? `caisse ${c.amo_fund}` : "";
  const insured = c.fund_insured_name ? `assuré(e) : ${c.fund_insured_name}, n° ${c.fund_insured_number ?? ""}` : "";
  return [c.text, fund, insured].filter((x) => x !== "").join(" — ");
}

export function rightsPanel(page: MemberPage, session: SessionInfo, reload: (msg: string) => void): HTMLElement {
  const can = (p: string): boolean => session.permissions.some((x) => x === p);
  const editor = h("div", { id: "rights-editor" });
  const who = (only?: (b: Beneficiary) => boolean): [string, string][] =>
    page.beneficiaries.filter((b) => !only || only(b)).map((b) => [String(b.id), `${b.first_name} ${b.last_name}`]);
  const form = (id: string, title: string, fields: HTMLElement[], send: (f: HTMLFormElement) => Promise<string>) => {
    const f = h(
      "form",
      { id, class: "card inline", novalidate: true },
      h("h4", {}, title),
      ...fields,
      formError(),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, "Enregistrer"),
        h("button", { type: "button", onclick: () => mount(editor) }, "Annuler"),
      ),
    );
    onSubmit(f, async () => reload(await send(f)));
    mount(editor, f);
    f.querySelector<HTMLElement>("input, select")?.focus();
  };
  const child = (b: Beneficiary): boolean => b.relation === "enfant";
  const buttons: HTMLElement[] = [];
  if (can("members_write") && page.beneficiaries.some(child)) {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          id: "rights-schooling",
          onclick: () =>
            form(
              "schooling-form",
              "Certificat de scolarité",
              [
                select("Enfant", "beneficiary_id", who(child)),
                field("Année scolaire (2039-2040)", "school_year"),
                field("Établissement", "school"),
              ],
              async (f) => {
                await call("schooling_certificate_add", {
                  beneficiary_id: Number(value(f, "beneficiary_id")),
                  school_year: value(f, "school_year"),
                  school: value(f, "school"),
                });
                return "Certificat de scolarité enregistré.";
              },
            ),
        },
        "Certificat de scolarité",
      ),
      h(
        "button",
        {
          type: "button",
          id: "rights-disability",
          onclick: () =>
            form(
              "disability-form",
              "Handicap reconnu (couvert sans limite d'âge)",
              [
                select("Enfant", "beneficiary_id", who(child)),
                field("Date du certificat (jj/mm/aaaa)", "since"),
                field("Certificat (numéro, établi par)", "certificate"),
              ],
              async (f) => {
                await call("beneficiary_disability_set", {
                  beneficiary_id: Number(value(f, "beneficiary_id")),
                  since: isoDate(value(f, "since")),
                  certificate: value(f, "certificate"),
                });
                return "Handicap enregistré.";
              },
            ),
        },
        "Handicap",
      ),
    );
  }
  if (can("members_write")) {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          id: "rights-fund",
          onclick: () =>
            form(
              "fund-form",
              "Caisse AMO d'un bénéficiaire",
              [
                select("Bénéficiaire", "beneficiary_id", who()),
                select("Caisse", "amo_fund", [
                  ["", "Celle de l'adhérent"],
                  ["CNOPS", "CNOPS"],
                  ["CNSS", "CNSS"],
                  ["aucune", "Aucune caisse AMO"],
                ]),
                field("Assuré de la caisse, si autre que l'adhérent", "insured_name"),
                field("Son n° d'immatriculation", "insured_number"),
              ],
              async (f) => {
                await call("beneficiary_fund_set", {
                  beneficiary_id: Number(value(f, "beneficiary_id")),
                  amo_fund: value(f, "amo_fund"),
                  insured_name: value(f, "insured_name"),
                  insured_number: value(f, "insured_number"),
                });
                return "Caisse AMO enregistrée.";
              },
            ),
        },
        "Caisse AMO",
      ),
    );
  }
  if (can("settings_manage")) {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          id: "rights-suspension",
          onclick: () =>
            form(
              "suspension-form",
              "Suspension des droits (toute la famille)",
              [
                select("Motif", "reason", REASONS),
                field("Du (jj/mm/aaaa)", "start_date"),
                field("Au (jj/mm/aaaa, vide : en cours)", "end_date"),
              ],
              async (f) => {
                const end = value(f, "end_date").trim();
                await call("member_suspension_add", {
                  member_id: page.member.id,
                  reason: value(f, "reason") as SuspensionReason,
                  start_date: isoDate(value(f, "start_date")),
                  end_date: end ? isoDate(end) : null,
                });
                return "Suspension enregistrée.";
              },
            ),
        },
        "Suspendre les droits",
      ),
      h(
        "button",
        {
          type: "button",
          id: "rights-death",
          onclick: () =>
            form(
              "death-form",
              "Décès de l'adhérent",
              [field("Date du décès (jj/mm/aaaa)", "deceased_on")],
              async (f) => {
                await call("member_death_record", {
                  member_id: page.member.id,
                  deceased_on: isoDate(value(f, "deceased_on")),
                });
                return "Décès enregistré : la famille garde ses droits.";
              },
            ),
        },
        "Décès de l'adhérent",
      ),
    );
  }
  const r = page.rights;
  return h(
    "div",
    { id: "member-rights" },
    r.deceased_on
      ? h("p", { class: "card warning" }, `Adhérent décédé le ${frDate(r.deceased_on)} : sa famille garde ses droits.`)
      : null,
    r.suspensions.length > 0
      ? grid(
          "member-suspensions",
          ["Droits suspendus du", "au", "Motif"],
          r.suspensions.map((s) =>
            h(
              "tr",
              {},
              h("td", {}, frDate(s.start)),
              h("td", {}, s.end ? frDate(s.end) : "en cours"),
              h("td", {}, s.reason_label),
            ),
          ),
        )
      : null,
    buttons.length > 0 ? h("div", { class: "row" }, ...buttons) : null,
    editor,
  );
}
