// What a member sends from his space: a change of his details or a new
// beneficiary (with their pieces), a dossier's scans and its complement, and
// the statement of a period he downloads.
import type { ApiError, Kind, PortalView, UpdateChange } from "../api/bindings";
import { h } from "../html";
import { call, fileUrl, Refused } from "./api";
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
import { redraw, setNotice } from "./shell";

/** Where the acknowledgement of receipt went, in the member's words. */
function receiptWords(sentTo: string | null): string {
  return sentTo
    ? ` Accusé de réception envoyé à ${sentTo}.`
    : " Votre accusé de réception est à télécharger dans la liste ci-dessous.";
}

/** Sends a change request and shows, on the page drawn again, what became of it. */
async function sendChange(change: UpdateChange, f: HTMLFormElement, where: string): Promise<void> {
  const sent = await call("portal_update_send", { change, pieces: await chosenPieces(f) });
  setNotice(
    `Demande n° ${sent.update.number} reçue : un agent de la mutuelle la vérifiera avant tout changement ; ` +
      `suivez-la dans « Mes demandes ».` +
      (sent.receipt_sent_to
        ? ` Accusé de réception envoyé à ${sent.receipt_sent_to}.`
        : " Votre accusé de réception est à télécharger dans « Mes demandes »."),
  );
  if (location.hash === where) await redraw();
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
export function changeForm(): HTMLElement[] {
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
export function beneficiaryForm(): HTMLElement[] {
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
export function periodForm(): HTMLElement[] {
  const f = form(
    "releve-periode",
    [input("Du", "from", "date"), input("Au", "to", "date")],
    "Télécharger le relevé (PDF)",
    async (x) => {
      if (!x.from) throw new Refused({ code: "validation", message: "Choisissez le premier jour.", field: "from" });
      if (!x.to) throw new Refused({ code: "validation", message: "Choisissez le dernier jour.", field: "to" });
      const r = await fetch(fileUrl("portal_period_pdf", { from: x.from, to: x.to }), { credentials: "same-origin" });
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
export function sendForms(v: PortalView): HTMLElement[] {
  const done = async (text: string): Promise<void> => {
    setNotice(text);
    await redraw();
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
      const sent = await call("portal_dossier_send", {
        form_number: x.form_number ?? "",
        beneficiary: Number(x.beneficiary),
        kind: (x.kind ?? "") as Kind,
        first_act_date: x.first_act_date ?? "",
        total_claimed: x.total_claimed ?? "",
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
        await call("portal_complement_send", { form_number: x.form_number ?? "", files: await chosenFiles(f) });
        await done(`Complément du dossier ${x.form_number} reçu : la mutuelle reprend son traitement.`);
      },
    );
    parts.push(h("h2", {}, "Envoyer un complément"), complement);
  }
  return parts;
}
