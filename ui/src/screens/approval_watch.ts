// What to watch: approvals and fund coverages ending within a month,
// chronic-illness declarations, the journal of medical reads, the partner
// providers.
import { call } from "../api/client";
import type { Beneficiary, SessionInfo } from "../api/bindings";
import { field, formError, frDate, h, mount, onSubmit, showError, value } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";
import { isMedical, grantCells, GRANT_HEADERS } from "./approval_words";

export async function expiringPanel(panel: HTMLElement, session: SessionInfo): Promise<void> {
  // Who has a chronic illness is health data: claims and medical roles only (the core refuses the others).
  const seesChronic = session.permissions.includes("chronic_read");
  const [approvals, coverages, chronic] = await Promise.all([
    call("approvals_expiring", {}),
    call("fund_coverages_expiring", {}),
    seesChronic ? call("chronic_expiring", {}) : Promise.resolve(null),
  ]);
  const declare = isMedical(session) ? chronicForm(() => void expiringPanel(panel, session)) : null;
  mount(
    panel,
    h("h4", {}, "Accords arrivant à échéance dans les 30 jours (renouvellement à demander)"),
    approvals.length === 0
      ? h("p", { class: "hint" }, "Aucun accord n'arrive à échéance dans les 30 jours.")
      : grid(
          "expiring-approvals",
          ["N°", "Adhérent", "Bénéficiaire", ...GRANT_HEADERS],
          approvals.map((e) =>
            h(
              "tr",
              {},
              h("td", {}, e.number),
              h("td", {}, `${e.member_name} (${e.matricule})`),
              h("td", {}, e.beneficiary_name),
              ...grantCells(e.grant),
            ),
          ),
        ),
    h(
      "h4",
      {},
      "Prises en charge de la caisse AMO arrivant à échéance dans les 30 jours (renouvellement un mois avant)",
    ),
    coverages.length === 0
      ? h("p", { class: "hint" }, "Aucune prise en charge de la caisse n'arrive à échéance dans les 30 jours.")
      : grid(
          "expiring-fund-coverages",
          ["N°", "Adhérent", "Bénéficiaire", "Code", "Prestataire", "Accordé", "Utilisé", "Fin"],
          coverages.map(({ coverage: c, member_name, matricule }) =>
            h(
              "tr",
              {},
              h("td", {}, c.number),
              h("td", {}, `${member_name} (${matricule})`),
              h("td", {}, c.beneficiary_name),
              h("td", {}, c.fund_act),
              h("td", {}, c.provider),
              h("td", {}, `${c.quantity} ${c.unit === "months" ? "mois" : "séances"}`),
              h("td", {}, String(c.used)),
              h("td", {}, frDate(c.valid_to)),
            ),
          ),
        ),
    chronic === null ? null : h("h4", {}, "Maladies chroniques (ALD/ALC) à renouveler dans les 30 jours"),
    chronic === null
      ? null
      : chronic.length === 0
        ? h("p", { class: "hint" }, "Aucune déclaration n'arrive à échéance.")
        : grid(
            "expiring-chronic",
            ["Adhérent", "Bénéficiaire", "Pathologie", "N° d'exonération", "Groupes de soins", "Fin"],
            chronic.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, `${c.member_name} (${c.matricule})`),
                h("td", {}, c.beneficiary_name),
                h("td", {}, c.declaration.condition ?? "confidentiel"),
                h("td", {}, c.declaration.exemption_number ?? ""),
                h("td", {}, c.declaration.families.join(", ")),
                h("td", {}, frDate(c.declaration.end_date)),
              ),
            ),
          ),
    declare,
  );
}

function chronicForm(reload: () => void): HTMLFormElement {
  const form = h("form", { id: "chronic-form", class: "card", autocomplete: "off" });
  let beneficiaries: Beneficiary[] = [];
  mount(
    form,
    h("h4", {}, "Déclarer ou renouveler une maladie chronique (valable 6 mois)"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Matricule", "matricule"),
      field("Bénéficiaire n° (1 = lui-même)", "beneficiary", { value: "1" }),
    ),
    h(
      "div",
      { class: "row" },
      field("Pathologie", "condition"),
      field("N° d'exonération de la caisse", "exemption_number"),
      field("Groupes de soins liés (séparés par ,)", "families"),
      field("À partir du (jj/mm/aaaa)", "start_date"),
    ),
    h("button", { type: "submit", class: "primary" }, "Déclarer"),
  );
  onSubmit(form, async () => {
    const page = await call("member_get", { matricule: value(form, "matricule") });
    beneficiaries = page.beneficiaries;
    const b = beneficiaries[Number.parseInt(value(form, "beneficiary"), 10) - 1];
    if (!b) {
      showError(form, `Bénéficiaire inconnu : de 1 à ${beneficiaries.length}.`, "beneficiary");
      return;
    }
    await call("chronic_declare", {
      beneficiary_id: b.id,
      condition: value(form, "condition"),
      exemption_number: value(form, "exemption_number"),
      families: value(form, "families").split(","),
      start_date: isoDate(value(form, "start_date")),
    });
    reload();
  });
  return form;
}

export async function readsPanel(panel: HTMLElement): Promise<void> {
  const reads = await call("medical_reads", {});
  mount(
    panel,
    h("p", { class: "hint" }, "Chaque lecture d'un détail médical : qui, quoi, quand."),
    grid(
      "medical-reads",
      ["Quand", "Qui", "Quoi", "Objet"],
      reads.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, new Date(e.at).toLocaleString("fr-FR")),
          h("td", {}, e.actor),
          h("td", {}, String((e.after as { what?: string } | null)?.what ?? "")),
          h("td", {}, `${e.entity_type} ${e.entity_id ?? ""}`),
        ),
      ),
    ),
  );
}

/** Administration: the partner providers coverage letters are addressed to. */
export async function providersPanel(panel: HTMLElement): Promise<void> {
  const list = await call("provider_list", { all: true });
  const form = h("form", { id: "provider-form", class: "card inline", autocomplete: "off" });
  mount(
    form,
    h("h3", {}, "Nouveau prestataire conventionné"),
    formError(),
    h(
      "div",
      { class: "row" },
      field("Nom", "name"),
      field("Type (clinique, laboratoire, centre…)", "kind"),
      field("Ville", "city"),
    ),
    h("div", { class: "row" }, field("Adresse", "address"), field("Convention n°", "agreement")),
    h("button", { type: "submit", class: "primary" }, "Ajouter le prestataire"),
  );
  onSubmit(form, async () => {
    await call("provider_save", {
      name: value(form, "name"),
      kind: value(form, "kind"),
      city: value(form, "city"),
      address: value(form, "address"),
      agreement: value(form, "agreement"),
    });
    await providersPanel(panel);
  });
  const rows = list.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, p.name),
      h("td", {}, p.kind),
      h("td", {}, p.city),
      h("td", {}, p.agreement),
      h("td", {}, p.active ? "Conventionné" : "Plus conventionné"),
      h(
        "td",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              await call("provider_save", { ...p, active: !p.active });
              await providersPanel(panel);
            },
          },
          p.active ? "Désactiver" : "Réactiver",
        ),
      ),
    ),
  );
  mount(panel, form, grid("providers", ["Prestataire", "Type", "Ville", "Convention", "État", ""], rows));
}
