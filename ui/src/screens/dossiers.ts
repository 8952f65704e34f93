// Dossiers: the home figures, the processors' queue (filters, counts per
// status, 50 a page, export), and the dossier page (checklist, scans, status,
// history, the moves open to the staff member's roles, receipt).
import { labelOf } from "../labels";
import { call, ApiFailure } from "../api/client";
import type { Contents, DossierPage, Move, QueueFilter, SessionInfo, Status } from "../api/bindings";
import { field, formError, frDate, frMoney, h, localTime, mount, onSubmit, select, showError, statusLine, value } from "../dom";
import { KINDS } from "./dossier_form";
import { homePanel } from "./home";
import { liquidationPanel } from "./liquidation";
import { overduePanel } from "./overdue";
import { can } from "../session";
import { PDF, XLSX, saveAs } from "../widgets";

const STATUSES: [Status, string][] = [
  ["recu", "Reçu"],
  ["en_cours", "En cours de traitement"],
  ["incomplet", "Incomplet"],
  ["complet", "Complet"],
  ["rejete", "Rejeté"],
  ["liquide", "Liquidé"],
  ["paye", "Réglé"],
];

const MOVE_LABELS: Record<Move, string> = {
  take: "Prendre le dossier",
  mark_complete: "Déclarer complet",
  mark_incomplete: "Déclarer incomplet",
  reject: "Rejeter",
  complement_received: "Complément reçu",
  reopen: "Rouvrir",
};

/** The journal's actions on a dossier, in words. */
const ACTION_LABELS: Record<string, string> = {
  "dossier.create": "Enregistrement",
  "dossier.original_received": "Original reçu",
  "dossier.medical": "Partie médicale modifiée (confidentiel)",
  "dossier.move": "Changement de statut",
  "dossier.checklist": "Pièces cochées",
  "dossier.scans_added": "Pièces scannées ajoutées",
  "dossier.original_overdue": "Original en retard",
  forbidden: "Action refusée",
};

const CONTENTS: [keyof Contents, string][] = [
  ["accident", "Accident"],
  ["pharmacy", "Pharmacie (médicaments avec vignette)"],
  ["drugs_without_stickers", "Médicaments sans vignette"],
  ["lab_or_imaging", "Biologie / radiologie"],
  ["optics", "Optique"],
  ["sessions", "Séances (rééducation, orthophonie…)"],
  ["dental", "Soins dentaires"],
  ["dental_prosthesis", "Prothèse dentaire / traitement canalaire"],
  ["orthodontics", "Orthodontie (ODF)"],
  ["chronic", "Maladie chronique (ALD/ALC)"],
];

export function dossiersSection(content: HTMLElement, session: SessionInfo): void {
  const home = h("div", { id: "home" });
  const panel = h("div", { class: "panel" });
  const opener = h("form", { id: "dossier-open-form", class: "row", autocomplete: "off" });
  mount(opener, field("Ouvrir le dossier n° (feuille de soins)", "open_form_number"), formError());
  onSubmit(opener, async () => {
    const n = (opener.elements.namedItem("open_form_number") as HTMLInputElement).value;
    const page = await call("dossier_get", { form_number: n });
    showError(opener, "");
    await dossierPage(panel, session, page.dossier.id, () => queuePanel(panel, session, {}));
  });
  mount(content, h("h2", {}, "Dossiers"), home, opener, panel);
  void homePanel(home, (key) => {
    if (key === "originals_overdue") void overduePanel(panel, session);
    else void queuePanel(panel, session, tileFilter(key));
  });
  void queuePanel(panel, session, {});
}

function tileFilter(key: string): QueueFilter {
  switch (key) {
    case "to_take":
      return { status: "recu" };
    case "mine":
      return { mine: true, status: "en_cours" };
    case "complete":
      return { status: "complet" };
    case "incomplete":
      return { status: "incomplet" };
    case "overdue":
      return { overdue: true };
    default:
      return {};
  }
}

async function queuePanel(panel: HTMLElement, session: SessionInfo, filter: QueueFilter): Promise<void> {
  const urns = await call("urn_list", { all: true });
  const page = await call("dossier_queue", filter);
  const form = h("form", { id: "queue-filters", class: "filters" });
  mount(
    form,
    select("Statut", "status", [["", "Tous"], ...STATUSES], filter.status ?? ""),
    select("Urne", "urn_id", [["", "Toutes"], ...urns.map((u): [string, string] => [String(u.id), u.name])], filter.urn_id ? String(filter.urn_id) : ""),
    select("Nature", "kind", [["", "Toutes"], ...KINDS], filter.kind ?? ""),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "mine", id: "f-mine", checked: filter.mine ?? false }), "Mes dossiers"),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "overdue", id: "f-overdue", checked: filter.overdue ?? false }), "En retard"),
    h("button", { type: "submit", class: "primary", id: "queue-apply" }, "Filtrer"),
    h("button", { type: "button", id: "queue-export" }, "Exporter (.xlsx)"),
  );
  const read = (): QueueFilter => {
    const v = (n: string): string => (form.elements.namedItem(n) as HTMLSelectElement).value;
    const c = (n: string): boolean => (form.elements.namedItem(n) as HTMLInputElement).checked;
    return {
      status: (v("status") || null) as Status | null,
      urn_id: v("urn_id") ? Number(v("urn_id")) : undefined,
      kind: (v("kind") || null) as QueueFilter["kind"],
      mine: c("mine"),
      overdue: c("overdue"),
    };
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void queuePanel(panel, session, read());
  });
  const status = statusLine("queue-status");
  form.querySelector("#queue-export")?.addEventListener("click", saveAs(status, { title: "Exporter la file", defaultPath: "dossiers.xlsx", filters: XLSX }, (path) => call("dossier_queue_export", { filter: read(), path }), (p) => `Liste enregistrée : ${p}`));
  const counts = h(
    "div",
    { class: "counts", id: "queue-counts" },
    ...page.counts.map((c) =>
      h(
        "button",
        { type: "button", "data-status": c.status, "aria-pressed": String(filter.status === c.status), onclick: () => void queuePanel(panel, session, { ...filter, status: c.status, page: 0 }) },
        `${c.label} (${c.count})`,
      ),
    ),
  );
  const body = h(
    "tbody",
    {},
    ...page.rows.map((d) =>
      h(
        "tr",
        { "data-form": d.form_number },
        h("td", {}, h("button", { type: "button", class: "link", onclick: () => void dossierPage(panel, session, d.id, () => queuePanel(panel, session, filter)) }, d.form_number)),
        h("td", {}, `${d.member_name} (${d.matricule})`),
        h("td", {}, d.beneficiary_name),
        h("td", {}, labelOf(KINDS, d.kind)),
        h("td", {}, frMoney(d.total_claimed)),
        h("td", {}, h("span", { class: `badge ${d.status}` }, d.status_label), d.late ? h("span", { class: "badge late" }, "hors délai") : null),
        h("td", {}, d.assigned_name ?? ""),
        h("td", {}, frDate(d.validity_end)),
      ),
    ),
  );
  const current = filter.page ?? 0;
  mount(
    panel,
    form,
    counts,
    status,
    h(
      "table",
      { class: "grid", id: "queue" },
      h("thead", {}, h("tr", {}, ...["Feuille", "Adhérent", "Bénéficiaire", "Nature", "Total (DH)", "Statut", "Gestionnaire", "Fin de validité"].map((t) => h("th", {}, t)))),
      body,
    ),
    page.rows.length === 0 ? h("p", { class: "hint" }, "Aucun dossier pour ces filtres.") : null,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", disabled: current === 0, onclick: () => void queuePanel(panel, session, { ...filter, page: current - 1 }) }, "← Précédents"),
      h("span", {}, `Page ${current + 1}`),
      h("button", { type: "button", id: "queue-more", disabled: !page.more, onclick: () => void queuePanel(panel, session, { ...filter, page: current + 1 }) }, "Suivants →"),
    ),
  );
}

function statusLabel(code: unknown): string {
  return STATUSES.find(([s]) => s === code)?.[1] ?? "";
}

/** The dossier page; `back` returns to where the processor came from. */
export async function dossierPage(panel: HTMLElement, session: SessionInfo, id: number, back: () => void): Promise<void> {
  const p: DossierPage = await call("dossier_get", { id });
  const d = p.dossier;
  const reload = (): Promise<void> => dossierPage(panel, session, id, back);
  const status = statusLine("dossier-status");

  const facts = h(
    "dl",
    { class: "facts", id: "dossier-facts" },
    ...([
      ["Feuille de soins", d.form_number],
      ["Adhérent", `${d.member_name} — matricule ${d.matricule}`],
      ["Bénéficiaire", d.beneficiary_name],
      ["Nature", labelOf(KINDS, d.kind)],
      ["Premier acte", frDate(d.first_act_date)],
      ["Total des frais engagés", `${frMoney(d.total_claimed)} DH`],
      ["Pièces", String(d.pieces)],
      ["Reçu le", frDate(d.received_on)],
      ["Arrivée", d.scanned_on ? `scan du ${frDate(d.scanned_on)}${d.original_received_on ? `, original reçu le ${frDate(d.original_received_on)}` : ", original attendu"}` : `urne ${d.urn_name ?? ""}`],
      ["Fin de validité", frDate(d.validity_end)],
      ["Date limite de l'original", d.scanned_on ? frDate(d.original_deadline) : "—"],
      ["Gestionnaire", d.assigned_name ?? "—"],
    ] as [string, string][]).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
  const statusBox = h(
    "p",
    { id: "dossier-status-badge" },
    h("span", { class: `badge ${d.status}` }, d.status_label),
    d.late ? h("span", { class: "badge late" }, "hors délai") : null,
    d.reason ? h("span", { id: "dossier-reason" }, ` — ${d.reason}`) : null,
    d.checklist_override ? h("span", { class: "hint" }, ` (complet malgré des pièces manquantes : ${d.checklist_override})`) : null,
  );

  // Checklist: what the dossier contains decides the required documents.
  const canTick = can(session, "dossiers_process") && ["recu", "en_cours", "incomplet"].includes(d.status);
  const checklist = h("form", { id: "checklist", class: "card inline checklist" });
  mount(
    checklist,
    h("h3", {}, "Pièces du dossier"),
    formError(),
    h("p", { class: "hint" }, "Le dossier contient :"),
    ...CONTENTS.map(([k, label]) =>
      h("label", {}, h("input", { type: "checkbox", name: `c-${k}`, id: `c-${k}`, checked: d.contents[k], disabled: !canTick }), label),
    ),
    h("p", { class: "hint" }, "Documents présents (en gras : exigés) :"),
    ...p.checklist.items.map((it) =>
      h(
        "label",
        { class: it.required ? "req" : "" },
        h("input", { type: "checkbox", name: `d-${it.code}`, id: `d-${it.code}`, checked: it.present, disabled: !canTick }),
        it.label,
      ),
    ),
    p.checklist.missing.length ? h("p", { id: "checklist-missing", class: "field-error" }, `Manquent : ${p.checklist.missing.join(" ; ")}`) : h("p", { id: "checklist-missing", class: "hint" }, "Toutes les pièces exigées sont présentes."),
    canTick ? h("button", { type: "submit", id: "checklist-save" }, "Enregistrer les pièces") : null,
  );
  onSubmit(checklist, async () => {
    const contents = Object.fromEntries(CONTENTS.map(([k]) => [k, (checklist.elements.namedItem(`c-${k}`) as HTMLInputElement).checked])) as unknown as Contents;
    const present = p.checklist.items.filter((it) => (checklist.elements.namedItem(`d-${it.code}`) as HTMLInputElement).checked).map((it) => it.code);
    await call("dossier_checklist", { id: d.id, version: d.version, contents, present });
    await reload();
  });

  // Moves open to this staff member.
  const reasons = p.moves.some((m) => m === "mark_incomplete" || m === "reject") ? await call("reason_list", {}) : [];
  const actions = h("div", { class: "row", id: "dossier-moves" });
  const moveForm = h("form", { id: "move-form", class: "card inline", hidden: true });
  const showMove = (m: Move): void => {
    moveForm.hidden = false;
    const parts: HTMLElement[] = [h("h3", {}, MOVE_LABELS[m]), formError()];
    if (m === "mark_incomplete" || m === "reject") {
      parts.push(select("Motif (catalogue)", "reason_code", [["", "—"], ...reasons.map((r): [string, string] => [r.code, r.label])], m === "mark_incomplete" ? "pieces_manquantes" : ""));
      parts.push(field("Texte lu par l'adhérent", "reason_text", { value: m === "mark_incomplete" ? p.checklist.proposed_reason : "" }));
    } else if (m === "reopen") {
      parts.push(field("Pourquoi rouvrir ce dossier rejeté", "reason_text"));
    } else if (m === "complement_received") {
      parts.push(field("Ce qui est arrivé en complément", "note"));
    } else if (m === "mark_complete" && p.checklist.missing.length) {
      parts.push(field("Pièces manquantes : pourquoi le déclarer complet malgré tout", "note"));
    }
    parts.push(h("button", { type: "submit", class: "primary", id: "move-confirm" }, MOVE_LABELS[m]));
    mount(moveForm, ...parts);
    moveForm.dataset.move = m;
    const first = moveForm.querySelector<HTMLElement>("input, select, button[type=submit]");
    first?.focus();
  };
  onSubmit(moveForm, async () => {
    const m = moveForm.dataset.move as Move;
    const v = (n: string): string | null => {
      const el = moveForm.elements.namedItem(n);
      return el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value || null : null;
    };
    await call("dossier_move", { id: d.id, version: d.version, move: m, reason_code: v("reason_code"), reason_text: v("reason_text"), note: v("note") });
    await reload();
  });
  for (const m of p.moves) {
    const b = h("button", { type: "button", class: m === "take" ? "primary" : "", "data-move": m }, MOVE_LABELS[m]);
    b.addEventListener("click", async () => {
      if (m === "take") {
        try {
          await call("dossier_move", { id: d.id, version: d.version, move: "take" });
          await reload();
        } catch (e) {
          if (e instanceof ApiFailure) status.textContent = e.message;
        }
      } else showMove(m);
    });
    actions.append(b);
  }
  const receipt = h("button", { type: "button", id: "dossier-receipt" }, "Accusé de réception (PDF)");
  receipt.addEventListener(
    "click",
    saveAs(status, { title: "Enregistrer l'accusé de réception", defaultPath: `accuse-${d.form_number}.pdf`, filters: PDF }, (path) => call("dossier_receipt", { id: d.id, path }), (p) => `Accusé de réception enregistré : ${p}`),
  );
  actions.append(receipt, h("button", { type: "button", onclick: back }, "Retour à la file"));

  // Scans, viewable in the window.
  const viewer = h("div", { class: "scan-view", id: "scan-view" });
  const scans = h(
    "ul",
    { id: "dossier-scans" },
    ...p.scans.map((s) =>
      h(
        "li",
        {},
        h("button", {
          type: "button",
          class: "link",
          onclick: async () => {
            let c;
            try {
              c = await call("dossier_scan_get", { id: s.id });
            } catch (e) {
              if (e instanceof ApiFailure) status.textContent = e.message;
              return;
            }
            const src = `data:${c.info.media_type};base64,${c.base64}`;
            if (c.info.media_type.startsWith("image/")) mount(viewer, h("img", { src, alt: c.info.file_name }));
            else mount(viewer, h("iframe", { src, title: c.info.file_name, style: "width:100%;height:70vh;border:1px solid #d5dde5" }));
          },
        }, s.file_name),
        s.confidential ? h("span", { class: "badge confidential" }, " pli confidentiel") : null,
        h("span", { class: "hint" }, ` ${(s.size / 1024).toFixed(0)} Ko · SHA-256 ${s.sha256.slice(0, 16)}… · ${s.created_by} `),
        h("button", {
          type: "button",
          class: "link",
          onclick: saveAs(status, { title: "Enregistrer la pièce scannée", defaultPath: s.file_name }, (path) => call("dossier_scan_save", { id: s.id, path }), (p) => `Pièce enregistrée : ${p}`),
        }, "Enregistrer sous…"),
      ),
    ),
  );

  const portal = h(
    "div",
    { class: "portal", id: "member-view" },
    h("strong", {}, "Ce que l'adhérent voit : "),
    `${p.member_view.status}`,
    p.member_view.reason ? h("p", {}, p.member_view.reason) : null,
    p.member_view.missing.length ? h("ul", {}, ...p.member_view.missing.map((m) => h("li", {}, m))) : null,
    p.member_view.how_to_complete ? h("p", { class: "hint" }, p.member_view.how_to_complete) : null,
    p.member_view.original_expected ? h("p", { class: "hint", id: "member-view-original" }, p.member_view.original_expected) : null,
  );

  const history = h(
    "table",
    { class: "grid", id: "dossier-history" },
    h("thead", {}, h("tr", {}, ...["Quand", "Qui", "Action", "Statut"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      ...p.history.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, localTime(e.at)),
          h("td", {}, e.actor),
          h("td", {}, ACTION_LABELS[e.action] ?? e.action),
          h("td", {}, statusLabel((e.after as Record<string, unknown> | null)?.["status"])),
        ),
      ),
    ),
  );

  // Medical secrecy: the medical advisor reads and writes the medical side; others see that it exists.
  const medical = ((): HTMLElement | null => {
    const isMedical = can(session, "medical_read");
    if (!isMedical) return p.confidential ? h("p", { class: "hint", id: "dossier-confidential" }, "Ce dossier contient des éléments médicaux confidentiels, réservés au médecin conseil.") : null;
    const form = h("form", { id: "dossier-medical-form", class: "card medical", autocomplete: "off" });
    mount(
      form,
      h("h4", {}, "Médical (médecin conseil seul)"),
      formError(),
      field("Nature de la maladie", "nature", { value: p.medical?.nature ?? "" }),
      field("Notes médicales", "notes", { value: p.medical?.notes ?? "" }),
      h("button", { type: "submit" }, "Enregistrer"),
    );
    onSubmit(form, async () => {
      await call("dossier_medical_save", { dossier_id: d.id, nature: value(form, "nature"), notes: value(form, "notes") });
      status.textContent = "Partie médicale enregistrée.";
    });
    return form;
  })();

  const liquidation = h("div", { id: "liquidation" });
  if (["en_cours", "complet", "liquide", "paye"].includes(d.status)) void liquidationPanel(liquidation, session, d, reload);
  mount(
    panel,
    h("h3", { id: "dossier-title" }, `Dossier ${d.form_number}`),
    statusBox,
    actions,
    status,
    moveForm,
    facts,
    portal,
    medical,
    checklist,
    liquidation,
    h("h3", {}, "Pièces scannées"),
    p.scans.length ? scans : h("p", { class: "hint" }, "Aucune pièce scannée."),
    viewer,
    h("h3", {}, "Historique"),
    history,
  );
}
