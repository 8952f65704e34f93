// Administration: staff accounts, the audit journal, and the reference tables
// of reception and dossiers (urns, reasons, document types, deadlines, rule
// sets, the drug list).
import type { SessionInfo } from "../api/bindings";
import { call } from "../api/client";
import { h, mount, tabs } from "../dom";
import { providersPanel } from "./approval_watch";
import { auditPanel } from "./audit";
import { backupsPanel } from "./backups";
import { deadlinesPanel, documentsPanel, mutualPanel, reasonsPanel, urnsPanel } from "./catalogues";
import { drugsPanel } from "./drugs";
import { ruleSetsPanel } from "./rule_sets";
import { staffPanel } from "./staff";

export function administrationSection(content: HTMLElement, session: SessionInfo): void {
  const panel = h("div", { class: "panel" });
  const tabList: [string, string, () => void][] = [
    ["staff", "Personnel", () => staffPanel(panel, session)],
    ["audit", "Journal", () => auditPanel(panel)],
    ["urns", "Urnes", () => void urnsPanel(panel)],
    ["reasons", "Motifs", () => void reasonsPanel(panel)],
    ["documents", "Pièces", () => void documentsPanel(panel)],
    ["deadlines", "Délais", () => void deadlinesPanel(panel)],
    ["rules", "Barèmes", () => void ruleSetsPanel(panel)],
    ["drugs", "Médicaments", () => void drugsPanel(panel)],
    ["providers", "Prestataires", () => void providersPanel(panel)],
    ["mutual", "Mutuelle", () => void mutualPanel(panel)],
    ["backups", "Sauvegardes", () => backupsPanel(panel, () => window.location.reload())],
  ];
  const bar = tabs(tabList);
  const reminder = h("div", { id: "admin-reminders" });
  mount(content, h("h2", {}, "Administration"), reminder, bar, panel);
  (bar.firstElementChild as HTMLButtonElement).click();
  // What the administrator still has to type: the acts without a tariff.
  void call("rule_set_unpriced", {}).then((u) => {
    if (!u.summary) return;
    const open = (): void => (bar.querySelector("#tab-rules") as HTMLButtonElement | null)?.click();
    mount(
      reminder,
      h(
        "p",
        { class: "card warning reminder" },
        `${u.summary}. `,
        h("button", { type: "button", class: "link", onclick: open }, "Saisir leur tarif (Barèmes)"),
      ),
    );
  });
}
