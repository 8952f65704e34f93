// The dossier's history: every change with who and when, the status it left
// the dossier in (in the core's words).
import type { DossierPage } from "../../api/bindings";
import { h, localTime } from "../../dom";
import { dossierStatuses } from "../../words";
import { grid } from "../../widgets";

/** The journal's actions on a dossier, in words. */
const ACTION_LABELS: Record<string, string> = {
  "dossier.create": "Enregistrement",
  "dossier.original_received": "Original reçu",
  "dossier.medical": "Partie médicale modifiée (confidentiel)",
  "dossier.move": "Changement de statut",
  "dossier.checklist": "Pièces cochées",
  "dossier.scans_added": "Pièces scannées ajoutées",
  "dossier.original_overdue": "Original en retard",
  "dossier.complement_overdue": "Complément non reçu dans le délai",
  "dossier.liquidate": "Liquidation",
  "dossier.pay": "Règlement",
  "dossier.payment_returned": "Virement revenu de la banque",
  forbidden: "Action refusée",
};

export async function historyPart(p: DossierPage): Promise<HTMLTableElement> {
  const statuses = await dossierStatuses();
  const history = grid(
    "dossier-history",
    ["Quand", "Qui", "Action", "Statut"],
    p.history.map((e) =>
      h(
        "tr",
        {},
        h("td", {}, localTime(e.at)),
        h("td", {}, e.actor),
        h("td", {}, ACTION_LABELS[e.action] ?? e.action),
        h(
          "td",
          {},
          statuses.find((s) => s.status === (e.after as Record<string, unknown> | null)?.["status"])?.label ?? "",
        ),
      ),
    ),
  );
  return history;
}
