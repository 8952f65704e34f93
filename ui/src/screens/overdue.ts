// Scanned dossiers whose paper original is overdue; claims processors and
// administrators apply the late rule (rejection, or a claw-back once paid).
import { call, ApiFailure } from "../api/client";
import type { SessionInfo } from "../api/bindings";
import { frDate, frMoney, h, mount, statusLine } from "../dom";
import { can } from "../session";
import { XLSX, saveAs, grid } from "../widgets";

export async function overduePanel(panel: HTMLElement, session: SessionInfo): Promise<void> {
  const list = await call("overdue_originals", {});
  const status = statusLine("overdue-status");
  const canApply = can(session, "overdue_enforce");
  const apply = h(
    "button",
    { type: "button", id: "overdue-apply", class: "primary", hidden: !canApply },
    "Appliquer la règle de retard",
  );
  apply.addEventListener("click", async () => {
    try {
      const r = await call("overdue_originals_apply", {});
      await overduePanel(panel, session);
      const s = panel.querySelector("#overdue-status");
      if (s)
        s.textContent =
          `${r.flagged} signalé(s) hors délai, ${r.rejected} rejeté(s), ` +
          `${r.clawbacks} défalcation(s) pour ${frMoney(r.clawed_back)} DH` +
          (r.returned_to_fund > 0
            ? `, ${frMoney(r.returned_to_fund)} DH de parts AMO à rendre à la caisse au prochain bordereau.`
            : ".");
    } catch (e) {
      if (e instanceof ApiFailure) status.textContent = e.message;
    }
  });
  // Incomplete dossiers and approval requests whose complement did not come by its day.
  const complements = h(
    "button",
    { type: "button", id: "complements-apply", hidden: !canApply },
    "Clore les compléments non reçus",
  );
  complements.addEventListener("click", async () => {
    try {
      const r = await call("complements_overdue_apply", {});
      status.textContent =
        `${r.dossiers_rejected} dossier(s) incomplet(s) rejeté(s), ` +
        `${r.requests_closed} demande(s) d'accord close(s) : complément non reçu dans le délai.`;
    } catch (e) {
      if (e instanceof ApiFailure) status.textContent = e.message;
    }
  });
  const exportBtn = h("button", { type: "button", id: "overdue-export" }, "Exporter (.xlsx)");
  exportBtn.addEventListener(
    "click",
    saveAs(
      status,
      { title: "Exporter les originaux en retard", defaultPath: "originaux-en-retard.xlsx", filters: XLSX },
      (path) => call("overdue_originals_export", { path }),
      (p) => `Liste enregistrée : ${p}`,
    ),
  );
  mount(
    panel,
    h(
      "p",
      { class: "hint" },
      "Dossiers reçus scannés dont l'original n'est pas arrivé dans le délai (validité + délai de l'original).",
    ),
    h("div", { class: "row" }, apply, complements, exportBtn),
    status,
    grid(
      "overdue-list",
      ["Feuille", "Adhérent", "Scan reçu le", "Date limite", "Retard (jours)", "Statut", "Défalcation (DH)"],
      list.map((o) =>
        h(
          "tr",
          {},
          h("td", {}, o.dossier.form_number),
          h("td", {}, `${o.dossier.member_name} (${o.dossier.matricule})`),
          h("td", {}, frDate(o.dossier.scanned_on)),
          h("td", {}, frDate(o.dossier.original_deadline)),
          h("td", {}, String(o.days_late)),
          h("td", {}, o.dossier.status_label + (o.dossier.late ? " · hors délai" : "")),
          h("td", {}, o.clawback === null ? "" : frMoney(o.clawback)),
        ),
      ),
    ),
    list.length === 0 ? h("p", { class: "hint" }, "Aucun original en retard.") : null,
  );
}
