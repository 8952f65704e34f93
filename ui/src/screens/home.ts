// The home panel: the counts that matter to the staff member's roles, and the
// dossiers received and processed per week (12 weeks) as a bar chart.
import { call } from "../api/client";
import type { Home } from "../api/bindings";
import { frDate, h, mount } from "../dom";

export async function homePanel(parent: HTMLElement, onTile?: (key: string) => void): Promise<void> {
  const home = await call("home", {});
  const tiles = h(
    "div",
    { class: "tiles", id: "home-tiles" },
    ...home.tiles.map((t) =>
      h(
        "button",
        { type: "button", class: "tile", "data-key": t.key, onclick: () => onTile?.(t.key) },
        h("strong", { class: "count" }, String(t.count)),
        h("span", {}, t.label),
      ),
    ),
  );
  const reminders = home.reminders.map((r) => h("p", { class: "card warning reminder" }, r));
  mount(parent, ...reminders, tiles, chart(home));
}

function chart(home: Home): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const W = 640;
  const H = 160;
  const max = Math.max(1, ...home.weeks.flatMap((w) => [w.received, w.processed]));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 30}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("id", "home-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Dossiers reçus et traités par semaine");
  const step = W / home.weeks.length;
  home.weeks.forEach((w, i) => {
    const bars: [number, string, string][] = [
      [w.received, "received", `reçus : ${w.received}`],
      [w.processed, "processed", `traités : ${w.processed}`],
    ];
    bars.forEach(([n, cls, label], j) => {
      const r = document.createElementNS(ns, "rect");
      const height = (n / max) * H;
      r.setAttribute("x", String(i * step + 6 + j * (step / 2 - 4)));
      r.setAttribute("y", String(H - height));
      r.setAttribute("width", String(step / 2 - 8));
      r.setAttribute("height", String(height));
      r.setAttribute("class", cls);
      const t = document.createElementNS(ns, "title");
      t.textContent = `Semaine du ${frDate(w.start)} — ${label}`;
      r.append(t);
      svg.append(r);
    });
    const l = document.createElementNS(ns, "text");
    l.setAttribute("x", String(i * step + step / 2));
    l.setAttribute("y", String(H + 18));
    l.setAttribute("text-anchor", "middle");
    l.textContent = frDate(w.start).slice(0, 5);
    svg.append(l);
  });
  return svg;
}
