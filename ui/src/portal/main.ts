// The members' portal: the pages of the member-area guides (seeds 000, 003,
// 004) over the server's /portail/api. French, usable on a phone and with
// the keyboard alone; each page's title takes the focus for screen readers.
import "./style.css";
import type { ApiError, DossierReceived, PortalView, UpdateChange, UpdateReceived } from "../api/bindings";
import { h, mount, type Child } from "../html";
import { get, post, Refused, setCsrf } from "./api";
import { approvalForms } from "./approvals";
import {
  input,
  choice,
  filesInput,
  chosenFiles,
  sealedInput,
  pieceInput,
  chosenPieces,
  piecesError,
  download,
  form,
} from "./fields";

const main = document.getElementById("contenu") as HTMLElement;
const header = document.getElementById("entete") as HTMLElement;

/** The header of the pages seen before logging in. */
function publicHeader(): void {
  mount(header, h("p", { class: "marque" }, "Espace adhérent"));
}

function page(title: string, ...content: Child[]): void {
  const h1 = h("h1", { tabindex: "-1" }, title);
  mount(main, h1, ...content);
  document.title = `${title} — Espace adhérent`;
  h1.focus();
}

function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href }, text);
}

/** A message the next page shows once (an activation done, a password changed). */
let notice = "";

/** Goes to `hash`, showing `message` there. */
function go(hash: string, message = ""): void {
  notice = message;
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function loginPage(): void {
  publicHeader();
  const message = notice;
  notice = "";
  page(
    "Connexion",
    message ? h("p", { class: "info", role: "status" }, message) : null,
    form(
      "connexion",
      [
        input("Matricule ou adresse e-mail", "identifier", "text", "username"),
        input("Mot de passe", "password", "password", "current-password"),
      ],
      "Se connecter",
      async (v) => {
        const r = await post<{ csrf: string }>("connexion", {
          identifier: v.identifier ?? "",
          password: v.password ?? "",
        });
        setCsrf(r.csrf);
        go("#/informations");
      },
    ),
    h(
      "p",
      {},
      link("#/activation", "Première visite ? Activez votre espace"),
      " · ",
      link("#/oubli", "Mot de passe oublié ?"),
    ),
  );
}

function activationPage(): void {
  publicHeader();
  page(
    "Première visite",
    h(
      "p",
      {},
      "Saisissez votre matricule, le numéro de votre CNIE et le code reçu de votre mutuelle, puis " +
        "choisissez votre mot de passe : au moins 8 caractères, dont une majuscule, une minuscule et un chiffre.",
    ),
    form(
      "activation",
      [
        input("Matricule", "matricule"),
        input("N° de CNIE", "cnie"),
        input("Code reçu", "code"),
        input("Mot de passe", "password", "password", "new-password"),
      ],
      "Activer mon espace",
      async (v) => {
        const r = await post<{ message: string }>("activation", {
          matricule: v.matricule,
          cnie: v.cnie,
          code: v.code,
          password: v.password,
        });
        go("#/connexion", r.message);
      },
    ),
    h("p", {}, link("#/connexion", "Retour à la connexion")),
  );
}

function forgotPage(): void {
  publicHeader();
  const done = h("p", { class: "info", role: "status", id: "oubli-envoye" });
  page(
    "Mot de passe oublié",
    form(
      "oubli",
      [input("Matricule ou adresse e-mail", "identifier", "text", "username")],
      "Recevoir un code",
      async (v) => {
        done.textContent = (await post<{ message: string }>("oubli", { identifier: v.identifier })).message;
      },
    ),
    done,
    h("h2", {}, "J'ai reçu un code"),
    form(
      "reinitialisation",
      [
        input("Matricule", "matricule"),
        input("Code reçu", "code"),
        input("Nouveau mot de passe", "password", "password", "new-password"),
      ],
      "Changer mon mot de passe",
      async (v) => {
        const r = await post<{ message: string }>("reinitialisation", {
          matricule: v.matricule,
          code: v.code,
          password: v.password,
        });
        go("#/connexion", r.message);
      },
    ),
  );
}

/** A table with its caption, or a sentence when there is nothing to show. */
function table(caption: string, headings: string[], rows: Child[][], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", {}, empty);
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...rows.map((r) => h("tr", {}, ...r.map((c, i) => h("td", { "data-label": headings[i] ?? "" }, c)))),
    ),
  );
}

const SECTIONS: [string, string][] = [
  ["informations", "Mes informations"],
  ["beneficiaires", "Mes bénéficiaires"],
  ["dossiers", "Mes dossiers"],
  ["decomptes", "Mes décomptes"],
  ["accords", "Mes accords préalables et prises en charge"],
  ["demandes", "Mes demandes"],
  ["centres", "Centres conventionnés"],
];

function menu(current: string, name: string): void {
  const out = h("button", { type: "button", id: "deconnexion" }, "Se déconnecter");
  out.addEventListener("click", async () => {
    await post("deconnexion", {}).catch(() => undefined);
    go("#/connexion");
  });
  mount(
    header,
    h("p", { class: "marque" }, `Espace adhérent — ${name}`),
    h(
      "nav",
      { "aria-label": "Rubriques" },
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
}

function section(key: string, v: PortalView): void {
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
          "Aucun bénéficiaire.",
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
            d.status,
            [
              d.reason,
              ...d.missing.map((m) => `À envoyer : ${m}`),
              d.how_to_complete,
              d.original_expected,
              d.paid,
              ...d.parts,
            ]
              .filter((x) => x)
              .join(" · "),
            download(
              `/portail/api/dossiers/${encodeURIComponent(d.form_number)}/accuse`,
              `accuse-${d.form_number}.pdf`,
            ),
          ]),
          "Aucun dossier reçu.",
        ),
        ...sendForms(v),
      );
    case "decomptes":
      return page(
        "Mes décomptes",
        table(
          "Décomptes",
          ["Décompte", "Feuille", "Réglé le", "Versé", "Virement", ""],
          v.statements.map((s) => [
            s.number,
            s.form_number,
            s.paid_on,
            s.paid_by.join(" ; "),
            s.payment_reference
              ? download(
                  `/portail/api/virements/${encodeURIComponent(s.payment_reference)}`,
                  `virement-${s.payment_reference}.pdf`,
                  s.payment_reference,
                )
              : "",
            download(`/portail/api/decomptes/${encodeURIComponent(s.number)}`, `decompte-${s.number}.pdf`),
          ]),
          "Aucun décompte pour le moment.",
        ),
        ...periodForm(),
      );
    case "accords":
      return page(
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
            a.status,
            [a.reason, ...a.missing, ...a.granted, a.renew].filter((x) => x).join(" · "),
            a.letter_available
              ? download(`/portail/api/lettres/${encodeURIComponent(a.number)}`, `lettre-${a.number}.pdf`)
              : "",
            download(`/portail/api/accords/${encodeURIComponent(a.number)}/accuse`, `accuse-${a.number}.pdf`),
          ]),
          "Aucune demande d'accord.",
        ),
        table(
          "Prises en charge de la caisse AMO",
          ["Prise en charge", "Bénéficiaire", "Détail", "Échéance"],
          v.fund_coverages.map((c) => [c.title, c.beneficiary, c.detail, c.renew ?? ""]),
          "Aucune prise en charge de la caisse enregistrée.",
        ),
        v.direct_payments.length === 0 ? null : h("h2", {}, "Payé directement à vos prestataires"),
        v.direct_payments.length === 0 ? null : h("ul", {}, ...v.direct_payments.map((p) => h("li", {}, p))),
        ...approvalForms(v, async (text) => {
          notice = text;
          await route();
        }),
      );
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
            u.status,
            u.reason ?? "",
            download(`/portail/api/demandes/${u.number}/accuse`, `accuse-demande-${u.number}.pdf`),
          ]),
          "Aucune demande de modification.",
        ),
      );
  }
}

/** « Centres conventionnés » : the partner providers, searched by name, kind or city. */
function partnersPage(): void {
  const results = h("div", { id: "centres-liste", "aria-live": "polite" });
  const search = async (text: string): Promise<void> => {
    const list = await post<{ name: string; kind: string; city: string; address: string }[]>("centres", {
      search: text,
    });
    mount(
      results,
      table(
        "Centres conventionnés",
        ["Nom", "Spécialité", "Ville", "Adresse"],
        list.map((p) => [p.name, p.kind, p.city, p.address]),
        "Aucun centre conventionné ne correspond à cette recherche.",
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

/** Where the acknowledgement of receipt went, in the member's words. */
function receiptWords(sentTo: string | null): string {
  return sentTo
    ? ` Accusé de réception envoyé à ${sentTo}.`
    : " Votre accusé de réception est à télécharger dans la liste ci-dessous.";
}

/** What the last sending did, shown once under the title of the page drawn again after it. */
function sentNotice(): HTMLElement {
  const status = h("p", { class: "info", role: "status", id: "envoi-fait", hidden: !notice }, notice);
  notice = "";
  return status;
}

/** Sends a change request and shows, on the page drawn again, what became of it. */
async function sendChange(change: UpdateChange, f: HTMLFormElement, where: string): Promise<void> {
  const sent = await post<UpdateReceived>("demandes", { change, pieces: await chosenPieces(f) });
  notice =
    `Demande n° ${sent.update.number} reçue : un agent de la mutuelle la vérifiera avant tout changement ; ` +
    `suivez-la dans « Mes demandes ».` +
    (sent.receipt_sent_to
      ? ` Accusé de réception envoyé à ${sent.receipt_sent_to}.`
      : " Votre accusé de réception est à télécharger dans « Mes demandes ».");
  if (location.hash === where) await route();
  else location.hash = where;
}

/** The copies every request the member sends comes with (FAQ question 9). */
function identityPieces(): HTMLElement[] {
  return [
    pieceInput("Copie de votre CNIE (et de celle du bénéficiaire)", "cnie"),
    pieceInput("Copie de votre badge", "badge"),
    piecesError(),
  ];
}

/** « Mes informations » : asking for a new e-mail, GSM, address or bank account. */
function changeForm(): HTMLElement[] {
  const kinds: [string, string][] = [
    ["email", "Adresse e-mail"],
    ["gsm", "GSM"],
    ["address", "Adresse postale"],
    ["rib", "Compte bancaire (RIB)"],
  ];
  const values: Record<string, HTMLElement> = {
    email: input("Nouvelle adresse e-mail", "change.email", "email", "email"),
    gsm: input("Nouveau GSM", "change.gsm", "tel", "tel"),
    address: input("Nouvelle adresse", "change.address", "text", "street-address"),
    rib: input("Nouveau RIB (24 chiffres)", "change.rib"),
  };
  const certificate = pieceInput("Attestation de RIB de votre banque", "bank_certificate");
  const kind = choice("Que voulez-vous changer ?", "kind", kinds, "change-kind");
  const select = kind.querySelector("select") as HTMLSelectElement;
  const show = (): void => {
    for (const [k, el] of Object.entries(values)) el.hidden = k !== select.value;
    certificate.hidden = select.value !== "rib";
    (certificate.querySelector("input") as HTMLInputElement).disabled = select.value !== "rib";
  };
  select.addEventListener("change", show);
  const f = form(
    "demande-modification",
    [kind, ...Object.values(values), certificate, ...identityPieces()],
    "Envoyer la demande",
    async (x, el) => {
      const k = select.value;
      const typed = x[`change.${k}`] ?? "";
      const change = (
        k === "email"
          ? { kind: "email", email: typed }
          : k === "gsm"
            ? { kind: "gsm", gsm: typed }
            : k === "address"
              ? { kind: "address", address: typed }
              : { kind: "rib", rib: typed }
      ) as UpdateChange;
      await sendChange(change, el, "#/informations");
    },
  );
  show();
  return [h("h2", {}, "Demander une modification"), f];
}

/** « Mes bénéficiaires » : asking to add a spouse or a child, with the certificate. */
function beneficiaryForm(): HTMLElement[] {
  const relation = choice(
    "Lien",
    "change.beneficiary.relation",
    [
      ["enfant", "Enfant"],
      ["conjoint", "Conjoint(e)"],
    ],
    "beneficiary-relation",
  );
  const select = relation.querySelector("select") as HTMLSelectElement;
  const certificate = pieceInput("Acte de naissance (enfant) ou de mariage (conjoint)", "birth_certificate");
  const certInput = certificate.querySelector("input") as HTMLInputElement;
  select.addEventListener("change", () => {
    certInput.name = select.value === "conjoint" ? "piece-marriage_certificate" : "piece-birth_certificate";
  });
  const f = form(
    "demande-beneficiaire",
    [
      input("Nom", "change.beneficiary.last_name", "text", "family-name"),
      input("Prénom", "change.beneficiary.first_name", "text", "given-name"),
      relation,
      input("Date de naissance", "change.beneficiary.birth_date", "date"),
      certificate,
      ...identityPieces(),
    ],
    "Demander l'ajout",
    async (x, el) => {
      const change: UpdateChange = {
        kind: "beneficiary_add",
        beneficiary: {
          relation: select.value === "conjoint" ? "conjoint" : "enfant",
          last_name: x["change.beneficiary.last_name"] ?? "",
          first_name: x["change.beneficiary.first_name"] ?? "",
          birth_date: x["change.beneficiary.birth_date"] || null,
        },
      };
      await sendChange(change, el, "#/beneficiaires");
    },
  );
  return [h("h2", {}, "Ajouter un bénéficiaire"), f];
}

/** « Mes décomptes » : the statement of every payment of a period, downloaded. */
function periodForm(): HTMLElement[] {
  const f = form(
    "releve-periode",
    [input("Du", "from", "date"), input("Au", "to", "date")],
    "Télécharger le relevé (PDF)",
    async (x) => {
      if (!x.from) throw new Refused({ code: "validation", message: "Choisissez le premier jour.", field: "from" });
      if (!x.to) throw new Refused({ code: "validation", message: "Choisissez le dernier jour.", field: "to" });
      const r = await fetch(`/portail/api/releves/${x.from}/${x.to}`, { credentials: "same-origin" });
      if (!r.ok) {
        const e = (await r.json().catch(() => null)) as ApiError | null;
        throw new Refused(e ?? { code: "unavailable", message: "Service indisponible : réessayez plus tard." });
      }
      const a = download(URL.createObjectURL(await r.blob()), `releve-${x.from}-${x.to}.pdf`);
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    },
  );
  return [h("h2", {}, "Relevé d'une période"), f];
}

/** « Envoyer un dossier » and, when one waits for it, « Envoyer un complément ». */
function sendForms(v: PortalView): HTMLElement[] {
  const done = async (text: string): Promise<void> => {
    notice = text;
    await route();
  };
  const kinds: [string, string][] = [
    ["maladie", "Maladie"],
    ["dentaire", "Dentaire"],
    ["optique", "Optique"],
    ["autres", "Autres"],
  ];
  const sendDossier = form(
    "envoi-dossier",
    [
      input("N° de la feuille de soins", "form_number"),
      choice(
        "Bénéficiaire",
        "beneficiary",
        v.beneficiaries.map((b) => [String(b.number), b.name]),
      ),
      choice("Nature des soins", "kind", kinds),
      input("Date du premier acte", "first_act_date", "date"),
      input("Total des frais engagés (DH)", "total_claimed", "text", "off"),
      filesInput("Copies scannées (PDF, JPG, PNG)"),
      sealedInput("sealed"),
    ],
    "Envoyer le dossier",
    async (x, f) => {
      const sent = await post<DossierReceived>("dossiers", {
        form_number: x.form_number,
        beneficiary: Number(x.beneficiary),
        kind: x.kind,
        first_act_date: x.first_act_date,
        total_claimed: x.total_claimed,
        files: await chosenFiles(f),
      });
      await done(
        `Dossier ${sent.dossier.form_number} reçu : envoyez l'original par une urne de votre mutuelle.` +
          receiptWords(sent.receipt_sent_to),
      );
    },
  );
  const waiting = v.dossiers.filter((d) => d.missing.length > 0 || d.how_to_complete);
  const parts: HTMLElement[] = [h("h2", {}, "Envoyer un dossier"), sendDossier];
  if (waiting.length > 0) {
    const complement = form(
      "envoi-complement",
      [
        choice(
          "Dossier",
          "form_number",
          waiting.map((d) => [d.form_number, `${d.form_number} — ${d.beneficiary}`]),
          "complement-form_number",
        ),
        filesInput("Pièces demandées (PDF, JPG, PNG)", "complement-files"),
        sealedInput("complement-sealed"),
      ],
      "Envoyer le complément",
      async (x, f) => {
        await post("complements", { form_number: x.form_number, files: await chosenFiles(f) });
        await done(`Complément du dossier ${x.form_number} reçu : la mutuelle reprend son traitement.`);
      },
    );
    parts.push(h("h2", {}, "Envoyer un complément"), complement);
  }
  return parts;
}

async function route(): Promise<void> {
  const key = location.hash.replace(/^#\/?/, "") || "connexion";
  if (key === "activation") return activationPage();
  if (key === "oubli") return forgotPage();
  if (key === "connexion") return loginPage();
  try {
    const s = await get<{ csrf: string; matricule: string }>("session");
    setCsrf(s.csrf);
    const v = await get<PortalView>("moi");
    menu(key, v.identity.name);
    section(SECTIONS.some(([k]) => k === key) ? key : "informations", v);
  } catch (e) {
    if (!(e instanceof Refused) || e.code !== "unauthenticated") throw e;
    notice = e.message === "Connectez-vous d'abord." ? "" : e.message;
    loginPage();
  }
}

window.addEventListener("hashchange", () => void route());
void route();
