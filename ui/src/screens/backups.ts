// Administration → Sauvegardes: a backup now (through the native save
// dialog), a restore into a new file the desk then opens (nothing is
// overwritten), and where the daily automatic backups are kept.
import { open, save } from "../api/dialogs";
import { call, ApiFailure, localConfigure } from "../api/client";
import { h, mount, statusLine } from "../dom";

export function backupsPanel(panel: HTMLElement, restarted: () => void): void {
  const status = statusLine("backup-status");
  const today = new Date().toISOString().slice(0, 10);
  const backupNow = h("button", { type: "button", id: "backup-now", class: "primary" }, "Sauvegarder maintenant…");
  backupNow.addEventListener("click", async () => {
    const path = await save({ title: "Enregistrer la sauvegarde", defaultPath: `guichet-${today}.sqlite3` });
    if (!path) return;
    status.textContent = "Sauvegarde en cours…";
    try {
      const r = await call("backup_create", { path });
      status.textContent = `Sauvegarde écrite : ${r.path} (${Math.round(r.bytes / 1024)} Ko).`;
    } catch (e) {
      status.textContent = e instanceof ApiFailure ? e.message : String(e);
    }
  });
  const restore = h("button", { type: "button", id: "backup-restore" }, "Restaurer une sauvegarde…");
  restore.addEventListener("click", async () => {
    const path = await open({ title: "Sauvegarde à restaurer", multiple: false });
    if (typeof path !== "string") return;
    try {
      const r = await call("backup_restore", { path });
      status.textContent =
        `Sauvegarde restaurée dans une nouvelle base (${r.report.members} ` +
        `adhérents, ${r.report.dossiers} dossiers, journal ${r.report.journal_intact ? "intact" : "ALTÉRÉ"}).`;
      if (window.confirm("Ouvrir maintenant la base restaurée ? Il faudra vous reconnecter.")) {
        await localConfigure(true);
        restarted();
      }
    } catch (e) {
      status.textContent = e instanceof ApiFailure ? e.message : String(e);
    }
  });
  mount(
    panel,
    h(
      "p",
      { class: "hint" },
      "La base intégrée est sauvegardée automatiquement chaque jour dans le dossier « sauvegardes » " +
        "des données de Guichet ; les 14 dernières sont gardées. Un poste relié à un serveur " +
        "Guichet n'a pas de base à lui : la base du site se sauvegarde sur la machine du serveur (guichet backup).",
    ),
    h("div", { class: "row" }, backupNow, restore),
    status,
    h(
      "p",
      { class: "hint" },
      "Une restauration n'écrase jamais la base en service : elle crée une nouvelle base, que ce " +
        "poste peut ensuite ouvrir.",
    ),
  );
}
