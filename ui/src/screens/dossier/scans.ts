// The dossier's scanned pieces: viewed in the window, saved through the
// native dialog; sealed ones say so.
import { call, ApiFailure } from "../../api/client";
import type { DossierPage } from "../../api/bindings";
import { h, mount } from "../../dom";
import { saveAs } from "../../widgets";

export function scansPart(p: DossierPage, status: HTMLElement): HTMLElement[] {
  // Scans, viewable in the window.
  const viewer = h("div", { class: "scan-view", id: "scan-view" });
  const scans = h(
    "ul",
    { id: "dossier-scans" },
    ...p.scans.map((s) =>
      h(
        "li",
        {},
        h(
          "button",
          {
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
              else
                mount(
                  viewer,
                  h("iframe", {
                    src,
                    title: c.info.file_name,
                    style: "width:100%;height:70vh;border:1px solid #d5dde5",
                  }),
                );
            },
          },
          s.file_name,
        ),
        s.confidential ? h("span", { class: "badge confidential" }, " pli confidentiel") : null,
        h(
          "span",
          { class: "hint" },
          ` ${(s.size / 1024).toFixed(0)} Ko · SHA-256 ${s.sha256.slice(0, 16)}… · ${s.created_by} `,
        ),
        h(
          "button",
          {
            type: "button",
            class: "link",
            onclick: saveAs(
              status,
              { title: "Enregistrer la pièce scannée", defaultPath: s.file_name },
              (path) => call("dossier_scan_save", { id: s.id, path }),
              (p) => `Pièce enregistrée : ${p}`,
            ),
          },
          "Enregistrer sous…",
        ),
      ),
    ),
  );
  return [
    h("h3", {}, "Pièces scannées"),
    p.scans.length ? scans : h("p", { class: "hint" }, "Aucune pièce scannée."),
    viewer,
  ];
}
