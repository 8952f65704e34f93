// « Déposer une demande » and the complement of an incomplete one (seed 000:
// « déposer vos demandes de prise en charge ou d'accord préalable »). The
// prescription and the medical report go sealed to the medical advisor.
import type { ApprovalPiece, Piece, PortalView, RequestKind } from "../api/bindings";
import { h } from "../html";
import { call } from "./api";
import { choice, filesOf, form, input, piecesError } from "./fields";

/** One file input per kind of piece, named `apiece-<kind>`. */
function pieceInput(label: string, piece: Piece, id: string): HTMLElement {
  const attrs = { name: `apiece-${piece}`, id: `f-${id}-${piece}`, type: "file", accept: ".pdf,.jpg,.jpeg,.png" };
  return h(
    "label",
    { class: "champ" },
    h("span", {}, label),
    h("input", { ...attrs, "aria-describedby": "err-files" }),
  );
}

/** The pieces chosen in the form, each with its kind. */
async function chosen(f: HTMLFormElement): Promise<ApprovalPiece[]> {
  const out: ApprovalPiece[] = [];
  for (const el of Array.from(f.querySelectorAll<HTMLInputElement>('input[name^="apiece-"]'))) {
    const piece = el.name.replace(/^apiece-/, "") as Piece;
    for (const file of await filesOf(el)) out.push({ piece, file });
  }
  return out;
}

const SEALED = " — sous pli confidentiel, lu par le médecin-conseil seulement";

function pieces(id: string): HTMLElement[] {
  return [
    pieceInput(`Prescription médicale${SEALED}`, "prescription", id),
    pieceInput(`Rapport médical${SEALED}`, "medical_report", id),
    pieceInput("Devis", "quotation", id),
    pieceInput("Copie de la CNIE", "cnie", id),
    pieceInput("Copie du badge", "badge", id),
    piecesError(),
  ];
}

const number = (text: string | undefined): number | undefined => (text && text.trim() ? Number(text) : undefined);

/** The forms of « Mes accords préalables et prises en charge ». */
export function approvalForms(v: PortalView, done: (text: string) => Promise<void>): HTMLElement[] {
  const kinds: [RequestKind, string][] = [
    ["prior_approval", "Accord préalable"],
    ["coverage", "Prise en charge (le prestataire est payé par la mutuelle)"],
  ];
  const provider = choice("Prestataire conventionné (pour une prise en charge)", "provider_id", [["", "—"]]);
  const select = provider.querySelector("select");
  // The partner providers, once the server answers.
  void call("portal_partners", { search: "" }).then((list) => {
    for (const p of list) select?.append(h("option", { value: String(p.id) }, `${p.name} — ${p.city}`));
  });
  const deposit = form(
    "depot-accord",
    [
      choice("Nature de la demande", "kind", kinds),
      choice(
        "Bénéficiaire",
        "beneficiary",
        v.beneficiaries.map((b) => [String(b.number), b.name]),
      ),
      choice(
        "Soins demandés",
        "act_code",
        v.approval_care.map((c) => [c.code, c.label]),
      ),
      input("Nombre de séances (rééducation)", "sessions", "number"),
      input("Nombre de mois", "months", "number"),
      provider,
      input("Médecin prescripteur", "prescriber"),
      input("Début prévu des soins", "expected_from", "date"),
      input("Fin prévue des soins", "expected_to", "date"),
      input("Montant du devis (DH)", "quotation"),
      ...pieces("depot"),
    ],
    "Déposer la demande",
    async (x, f) => {
      const sent = await call("portal_approval_send", {
        kind: (x.kind ?? "") as RequestKind,
        beneficiary: Number(x.beneficiary),
        act_code: x.act_code ?? "",
        sessions: number(x.sessions),
        months: number(x.months),
        provider_id: number(x.provider_id),
        prescriber: x.prescriber ?? "",
        expected_from: x.expected_from ?? "",
        expected_to: x.expected_to ?? "",
        quotation: x.quotation ?? "",
        pieces: await chosen(f),
      });
      await done(
        `Demande ${sent.number} reçue : ${sent.status}. Son accusé de réception est à télécharger ci-dessous.`,
      );
    },
  );
  const parts: HTMLElement[] = [h("h2", {}, "Déposer une demande"), deposit];
  const waiting = v.approvals.filter((a) => a.complement_due);
  if (waiting.length > 0) {
    const complement = form(
      "complement-accord",
      [
        choice(
          "Demande",
          "number",
          waiting.map((a) => [a.number, `${a.number} — ${a.beneficiary} (avant le ${a.complement_due ?? ""})`]),
          "complement-number",
        ),
        ...pieces("complement"),
      ],
      "Envoyer le complément",
      async (x, f) => {
        const sent = await call("portal_approval_complement_send", {
          number: x.number ?? "",
          pieces: await chosen(f),
        });
        await done(`Complément de la demande ${sent.number} reçu : ${sent.status}.`);
      },
    );
    parts.push(h("h2", {}, "Compléter une demande"), complement);
  }
  return parts;
}
