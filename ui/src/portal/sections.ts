// The member's space, page by page (the member-area guides, seeds 000, 003,
// 004): his details, his beneficiaries, his dossiers and what to do for an
// incomplete one, his statements and who paid him what, his approvals, his
// requests, the partner providers. Statuses are badges; a next step is a
// button that opens the form doing it; an empty page says what will come.
import type { PortalApproval, PortalDossier, PortalView } from "../api/bindings";
import { h, mount, type Child } from "../html";
import { call, fileUrl } from "./api";
import { approvalForms } from "./approvals";
import { download, form, input } from "./fields";
import { beneficiaryForm, changeForm, periodForm, sendForms } from "./requests";
import { badge, empty, go, header, mark, nextStep, page, redraw, sentNotice, setNotice, table } from "./shell";

export const SECTIONS: [string, string][] = [
  ["informations", "Mes informations"],
  ["beneficiaires", "Mes bénéficiaires"],
  ["dossiers", "Mes dossiers"],
  ["decomptes", "Mes décomptes"],
  ["accords", "Mes accords préalables et prises en charge"],
  ["demandes", "Mes demandes"],
  ["centres", "Centres conventionnés"],
];

/** The header of the member's space: on a phone, one line and a « Menu » button that unfolds the sections. */
export function menu(current: string, name: string): void {
  const out = h("button", { type: "button", id: "deconnexion" }, "Se déconnecter");
  out.addEventListener("click", async () => {
    await call("portal_logout", {}).catch(() => undefined);
    go("#/connexion");
  });
  const toggle = h(
    "button",
    { type: "button", id: "menu-bouton", "aria-expanded": "false", "aria-controls": "rubriques" },
    "Menu",
  );
  const nav = h(
    "nav",
    { "aria-label": "Rubriques" },
    toggle,
    h(
      "div",
      { id: "rubriques" },
      h("p", { class: "membre" }, name),
      h(
        "ul",
        {},
        ...SECTIONS.map(([key, label]) =>
          h("li", {}, h("a", { href: `#/${key}`, "aria-current": key === current ? "page" : undefined }, label)),
        ),
      ),
      out,
    ),
  );
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("ouvert");
    toggle.setAttribute("aria-expanded", String(open));
  });
  mount(header, h("div", { class: "barre" }, mark(), nav));
}

export function section(key: string, v: PortalView): void {
  const i = v.identity;
  switch (key) {
    case "informations":
      return page(
        "Mes informations",
        sentNotice(),
        h(
          "dl",
          {},
          ...(
            [
              ["Matricule", i.matricule],
              ["Nom", i.name],
              ["Date de naissance", i.birth_date ?? "—"],
              ["Employeur", i.employer ?? "—"],
              ["Situation", i.status],
              ["Adresse", i.address ?? "—"],
              ["GSM", i.gsm ?? "—"],
              ["E-mail", i.email ?? "—"],
              ["RIB", i.rib],
            ] as [string, string][]
          ).flatMap(([k, val]) => [h("dt", {}, k), h("dd", {}, val)]),
        ),
        ...changeForm(),
      );
    case "beneficiaires":
      return page(
        "Mes bénéficiaires",
        sentNotice(),
        table(
          "Bénéficiaires",
          ["N°", "Nom", "Lien", "Naissance", "Couverture"],
          v.beneficiaries.map((b) => [String(b.number), b.name, b.relation, b.birth_date ?? "—", b.coverage]),
          empty(
            "Aucun bénéficiaire.",
            "Votre conjoint et vos enfants apparaissent ici une fois inscrits : demandez l'ajout de l'un d'eux " +
              "ci-dessous.",
          ),
        ),
        ...beneficiaryForm(),
      );
    case "dossiers":
      return page(
        "Mes dossiers",
        sentNotice(),
        table(
          "Dossiers de soins",
          ["Feuille", "Nature", "Bénéficiaire", "Reçu le", "Statut", "Détail", "Accusé de réception"],
          v.dossiers.map((d) => [
            d.form_number,
            d.kind,
            d.beneficiary,
            d.received_on,
            badge(d.status, d.tone),
            dossierDetail(d),
            download(fileUrl("portal_dossier_receipt", { number: d.form_number }), `accuse-${d.form_number}.pdf`),
          ]),
          empty(
            "Aucun dossier reçu.",
            "Chaque feuille de soins déposée dans une urne de la mutuelle, ou envoyée ci-dessous, apparaît ici " +
              "dès sa réception, avec son statut et ce qu'il reste à faire.",
          ),
        ),
        ...sendForms(v),
      );
    case "decomptes":
      return page(
        "Mes décomptes",
        table(
          "Décomptes",
          ["Décompte", "Feuille", "Réglé le", "Versé", "Virement", "Document"],
          v.statements.map((s) => [
            s.number,
            s.form_number,
            s.paid_on,
            lines(s.paid_by),
            s.payment_reference
              ? download(
                  fileUrl("portal_payment_pdf", { number: s.payment_reference }),
                  `virement-${s.payment_reference}.pdf`,
                  s.payment_reference,
                )
              : "",
            download(fileUrl("portal_statement_pdf", { number: s.number }), `decompte-${s.number}.pdf`),
          ]),
          empty(
            "Aucun décompte pour le moment.",
            "Le décompte d'un dossier apparaît ici dès son règlement : ce que la mutuelle et votre caisse vous " +
              "ont versé, à télécharger en PDF.",
          ),
        ),
        ...periodForm(),
      );
    case "accords":
      return approvalsPage(v);
    case "centres":
      return partnersPage();
    default:
      return page(
        "Mes demandes",
        table(
          "Demandes de modification",
          ["N°", "Demande", "Détail", "Reçue le", "Statut", "Motif", "Accusé de réception"],
          v.updates.map((u) => [
            String(u.number),
            u.kind,
            u.summary,
            u.received_on,
            badge(u.status, u.tone),
            u.reason ?? "",
            download(fileUrl("portal_update_receipt", { number: String(u.number) }), `accuse-demande-${u.number}.pdf`),
          ]),
          empty(
            "Aucune demande de modification.",
            "Vos demandes de changement (adresse, GSM, e-mail, RIB, bénéficiaire), faites depuis « Mes " +
              "informations » ou « Mes bénéficiaires », apparaissent ici avec leur suite.",
          ),
        ),
      );
  }
}

/** Sentences one under the other (no run-on line). */
function lines(texts: (string | null | undefined)[]): HTMLElement | string {
  const kept = texts.filter((t): t is string => !!t);
  return kept.length === 0 ? "" : h("div", { class: "lignes" }, ...kept.map((t) => h("p", {}, t)));
}

/** What a dossier's member reads under its status, and for an incomplete one the button that sends the pieces. */
function dossierDetail(d: PortalDossier): Child {
  const waiting = d.missing.length > 0 || d.how_to_complete;
  const step = waiting
    ? nextStep(
        d.complement_due ? `Envoyer les pièces avant le ${d.complement_due}` : "Envoyer les pièces manquantes",
        "envoi-complement",
        "f-complement-form_number",
        d.form_number,
      )
    : null;
  const rest = lines([
    d.reason,
    ...d.missing.map((m) => `À envoyer : ${m}`),
    waiting ? "Ou déposez-les dans une urne, avec le numéro de la feuille de soins." : null,
    d.original_expected,
    d.paid,
    ...d.parts,
  ]);
  if (!step) return rest;
  return h("div", { class: "lignes" }, rest, step);
}

function approvalDetail(a: PortalApproval): Child {
  const rest = lines([a.reason, ...a.missing, ...a.granted, a.renew]);
  if (!a.complement_due) return rest;
  const step = nextStep(
    `Compléter la demande avant le ${a.complement_due}`,
    "complement-accord",
    "f-complement-number",
    a.number,
  );
  return h("div", { class: "lignes" }, rest, step);
}

function approvalsPage(v: PortalView): void {
  page(
    "Mes accords préalables et prises en charge",
    sentNotice(),
    table(
      "Demandes d'accord",
      ["N°", "Nature", "Bénéficiaire", "Reçue le", "Statut", "Détail", "Lettre", "Accusé de réception"],
      v.approvals.map((a) => [
        a.number,
        a.kind,
        a.beneficiary,
        a.received_on,
        badge(a.status, a.tone),
        approvalDetail(a),
        a.letter_available
          ? download(fileUrl("portal_letter_pdf", { number: a.number }), `lettre-${a.number}.pdf`)
          : "",
        download(fileUrl("portal_approval_receipt", { number: a.number }), `accuse-${a.number}.pdf`),
      ]),
      empty(
        "Aucune demande d'accord.",
        "Vos demandes d'accord préalable et de prise en charge, déposées à l'accueil ou ci-dessous, apparaissent " +
          "ici avec l'avis du médecin conseil et sa lettre.",
      ),
    ),
    table(
      "Prises en charge de la caisse AMO",
      ["Prise en charge", "Bénéficiaire", "Détail", "Échéance"],
      v.fund_coverages.map((c) => [c.title, c.beneficiary, c.detail, c.renew ?? ""]),
      empty(
        "Aucune prise en charge de la caisse enregistrée.",
        "Celles que votre caisse (CNOPS, CNSS) vous accorde apparaissent ici dès que vous en remettez la " +
          "lettre à l'accueil.",
      ),
    ),
    v.direct_payments.length === 0 ? null : h("h2", {}, "Payé directement à vos prestataires"),
    v.direct_payments.length === 0 ? null : h("ul", {}, ...v.direct_payments.map((p) => h("li", {}, p))),
    ...approvalForms(v, async (text) => {
      setNotice(text);
      await redraw();
    }),
  );
}

/** « Centres conventionnés » : the partner providers, searched by name, kind or city. */
function partnersPage(): void {
  const results = h("div", { id: "centres-liste", "aria-live": "polite" });
  const search = async (text: string): Promise<void> => {
    const list = await call("portal_partners", {
      search: text,
    });
    mount(
      results,
      table(
        "Centres conventionnés",
        ["Nom", "Spécialité", "Ville", "Adresse"],
        list.map((p) => [p.name, p.kind, p.city, p.address]),
        empty(
          "Aucun centre conventionné ne correspond à cette recherche.",
          "Essayez le nom d'une ville, une spécialité ou une partie du nom du centre.",
        ),
      ),
    );
  };
  page(
    "Centres conventionnés",
    form("centres", [input("Ville, spécialité ou nom", "search")], "Rechercher", (v) => search(v.search ?? "")),
    results,
  );
  void search("");
}
