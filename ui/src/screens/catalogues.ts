// Administration of the reference tables of reception and dossiers: urns,
// reasons members read, document types of the checklist, deadline rules.
import { open } from "../api/dialogs";
import { call, ApiFailure } from "../api/client";
import type { LateEffect } from "../api/bindings";
import { field, formError, frDate, h, mount, onSubmit, select, statusLine } from "../dom";
import { grid } from "../widgets";
import { isoDate } from "./dossier_form";

export async function urnsPanel(panel: HTMLElement): Promise<void> {
  const urns = await call("urn_list", { all: true });
  const form = h("form", { id: "urn-form", class: "card inline" });
  mount(
    form,
    h("h3", {}, "Nouvelle urne"),
    formError(),
    field("Nom", "name"),
    field("Site", "site"),
    h("button", { type: "submit", class: "primary" }, "Ajouter l'urne"),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    await call("urn_save", { name: v("name"), site: v("site") });
    await urnsPanel(panel);
  });
  const rows = urns.map((u) =>
    h(
      "tr",
      {},
      h("td", {}, u.name),
      h("td", {}, u.site),
      h("td", {}, u.active ? "Active" : "Désactivée"),
      h(
        "td",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              await call("urn_save", { id: u.id, version: u.version, name: u.name, site: u.site, active: !u.active });
              await urnsPanel(panel);
            },
          },
          u.active ? "Désactiver" : "Réactiver",
        ),
      ),
    ),
  );
  mount(panel, form, grid("urns", ["Urne", "Site", "État", ""], rows));
}

// A catalogue of labels members read, each under a code: its form to add
// one, and a row per entry to rename it, deactivate it or bring it back.
interface Labelled {
  code: string;
  label: string;
  active: boolean;
  version: number;
}

interface LabelSave {
  code?: string;
  version?: number;
  label: string;
  active?: boolean;
}

interface LabelledCatalogue<T extends Labelled> {
  // The form's id is `${form}-form`; the grid's, `grid`.
  form: string;
  grid: string;
  title: string;
  field: string;
  add: string;
  headers: string[];
  list: () => Promise<T[]>;
  save: (body: LabelSave) => Promise<unknown>;
  // What the third column says of an entry.
  state: (entry: T) => string;
  // Whether it may be deactivated (a rule of the claim form may not).
  optional: (entry: T) => boolean;
}

async function labelledPanel<T extends Labelled>(panel: HTMLElement, c: LabelledCatalogue<T>): Promise<void> {
  const entries = await c.list();
  const form = h("form", { id: `${c.form}-form`, class: "card inline" });
  mount(
    form,
    h("h3", {}, c.title),
    formError(),
    field(c.field, "label"),
    h("button", { type: "submit", class: "primary" }, c.add),
  );
  const saved = async (body: LabelSave) => {
    await c.save(body);
    await labelledPanel(panel, c);
  };
  onSubmit(form, () => saved({ label: (form.elements.namedItem("label") as HTMLInputElement).value }));
  const button = (text: string, body: () => LabelSave) =>
    h("button", { type: "button", onclick: () => saved(body()) }, text);
  const rows = entries.map((e) => {
    const input = h("input", { value: e.label, "aria-label": `Libellé ${e.code}` });
    const version = { code: e.code, version: e.version };
    return h(
      "tr",
      {},
      h("td", {}, h("code", {}, e.code)),
      h("td", {}, input),
      h("td", {}, c.state(e)),
      h(
        "td",
        { class: "actions" },
        button("Enregistrer", () => ({ ...version, label: input.value, active: e.active })),
        c.optional(e)
          ? button(e.active ? "Désactiver" : "Réactiver", () => ({ ...version, label: e.label, active: !e.active }))
          : null,
      ),
    );
  });
  mount(panel, form, grid(c.grid, c.headers, rows));
}

export async function reasonsPanel(panel: HTMLElement): Promise<void> {
  await labelledPanel(panel, {
    form: "reason",
    grid: "reasons",
    title: "Nouveau motif",
    field: "Libellé lu par l'adhérent",
    add: "Ajouter le motif",
    headers: ["Code", "Libellé", "État", ""],
    list: () => call("reason_list", { all: true }),
    save: (body) => call("reason_save", body),
    state: (r) => (r.active ? "Actif" : "Désactivé"),
    optional: () => true,
  });
}

export async function documentsPanel(panel: HTMLElement): Promise<void> {
  await labelledPanel(panel, {
    form: "document",
    grid: "document-types",
    title: "Nouveau type de document",
    field: "Libellé (ex. : le devis signé)",
    add: "Ajouter",
    headers: ["Code", "Libellé lu par l'adhérent", "Nature", ""],
    list: () => call("document_type_list", {}),
    save: (body) => call("document_type_save", body),
    state: (t) => (t.builtin ? "Règle de la feuille de soins" : t.active ? "Actif" : "Désactivé"),
    optional: (t) => !t.builtin,
  });
}

export async function deadlinesPanel(panel: HTMLElement): Promise<void> {
  const rules = await call("deadline_rule_list", {});
  const form = h("form", { id: "deadline-form", class: "card inline" });
  const effects: [LateEffect, string][] = [
    ["reject", "Rejet « Dépôt hors délai »"],
    ["flag_only", "Signalé hors délai seulement"],
  ];
  mount(
    form,
    h("h3", {}, "Nouvelle règle de délais"),
    h(
      "p",
      { class: "hint" },
      "La règle en vigueur à la date du premier acte fixe les délais de la feuille ; celle en " +
        "vigueur le jour où un dossier ou une demande est déclaré incomplet fixe le délai du " +
        "complément. Les dossiers déjà reçus gardent leurs délais.",
    ),
    formError(),
    field("En vigueur à partir du (jj/mm/aaaa)", "effective_from"),
    field("Validité de la feuille (mois)", "validity_months", { value: "3" }),
    field("Délai de l'original après la validité (mois)", "original_grace_months", { value: "1" }),
    field("Délai du complément d'un dossier incomplet (jours)", "complement_days", { value: "60" }),
    field("Délai du complément d'une demande d'accord (jours)", "approval_complement_days", { value: "60" }),
    select("Effet du retard", "late_effect", effects, "reject"),
    h("button", { type: "submit", class: "primary" }, "Ajouter la règle"),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    await call("deadline_rule_add", {
      effective_from: isoDate(v("effective_from")),
      validity_months: Number(v("validity_months")),
      original_grace_months: Number(v("original_grace_months")),
      late_effect: v("late_effect") as LateEffect,
      complement_days: Number(v("complement_days")),
      approval_complement_days: Number(v("approval_complement_days")),
    });
    await deadlinesPanel(panel);
  });
  const rows = rules.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, frDate(r.effective_from)),
      h("td", {}, `${r.validity_months} mois`),
      h("td", {}, `${r.original_grace_months} mois`),
      h("td", {}, r.late_effect === "reject" ? "Rejet « Dépôt hors délai »" : "Signalé seulement"),
      h("td", {}, `${r.complement_days} j / ${r.approval_complement_days} j`),
    ),
  );
  mount(
    panel,
    form,
    grid(
      "deadline-rules",
      ["À partir du", "Validité", "Original après scan", "Effet du retard", "Complément (dossier / accord)"],
      rows,
    ),
  );
}

/** The mutual's name and address, printed on its documents. */
export async function mutualPanel(panel: HTMLElement): Promise<void> {
  const current = await call("settings_get", {});
  const form = h("form", { id: "mutual-form", class: "card inline" });
  mount(
    form,
    h("h3", {}, "La mutuelle sur ses documents"),
    formError(),
    field("Nom", "mutual_name", { value: current.mutual_name }),
    field("Adresse", "mutual_address", { value: current.mutual_address }),
    h(
      "label",
      { class: "field" },
      h("span", {}, "Mention loi 09-08 (imprimée sur les décomptes, accusés de réception et lettres)"),
      h(
        "textarea",
        { name: "privacy_notice", id: "f-privacy_notice", rows: "4", cols: "70" },
        current.privacy_notice ?? "",
      ),
      h("small", { class: "field-error", "data-error-for": "privacy_notice" }),
    ),
    field("Délai de recours après un refus (jours)", "appeal_days", { value: String(current.appeal_days ?? 30) }),
    h("button", { type: "submit", class: "primary" }, "Enregistrer"),
  );
  onSubmit(form, async () => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLInputElement).value;
    const days = Number.parseInt(v("appeal_days"), 10);
    await call("settings_save", {
      mutual_name: v("mutual_name"),
      mutual_address: v("mutual_address"),
      privacy_notice: v("privacy_notice"),
      appeal_days: Number.isNaN(days) ? 0 : days,
    });
    await mutualPanel(panel);
  });
  const logo = await call("logo_get", {});
  const logoStatus = statusLine("logo-status");
  const logoCard = h(
    "div",
    { class: "card inline", id: "logo-card" },
    h("h3", {}, "Logo (en haut des décomptes)"),
    h(
      "p",
      { id: "logo-info" },
      logo.present ? `Logo en place : ${logo.width} × ${logo.height} pixels.` : "Aucun logo.",
    ),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          type: "button",
          id: "logo-choose",
          onclick: async () => {
            const path = await open({
              title: "Logo de la mutuelle (PNG)",
              filters: [{ name: "Image PNG", extensions: ["png"] }],
            });
            if (typeof path !== "string") return;
            try {
              await call("logo_set", { file: path });
              await mutualPanel(panel);
            } catch (e) {
              if (e instanceof ApiFailure) logoStatus.textContent = e.message;
            }
          },
        },
        "Choisir un logo…",
      ),
      logo.present
        ? h(
            "button",
            {
              type: "button",
              id: "logo-remove",
              onclick: async () => {
                await call("logo_set", {});
                await mutualPanel(panel);
              },
            },
            "Retirer le logo",
          )
        : null,
    ),
    logoStatus,
  );
  const lock = await call("lock_settings_get", {});
  const lockForm = h("form", { id: "lock-form", class: "card inline" });
  mount(
    lockForm,
    h("h3", {}, "Verrouillage des postes"),
    formError(),
    field("Verrouiller après (minutes d'inactivité, de 1 à 240)", "idle_lock_minutes", {
      value: String(lock.idle_lock_minutes),
    }),
    h("button", { type: "submit", class: "primary" }, "Enregistrer"),
  );
  onSubmit(lockForm, async () => {
    const n = Number.parseInt((lockForm.elements.namedItem("idle_lock_minutes") as HTMLInputElement).value, 10);
    await call("lock_settings_save", { idle_lock_minutes: Number.isNaN(n) ? -1 : n });
    await mutualPanel(panel);
  });
  mount(panel, form, logoCard, lockForm);
}
