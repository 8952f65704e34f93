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

/** The weeks' bars, with a title, a scale on the left, the weeks under them and a legend. */
function chart(home: Home): HTMLElement {
  const ns = "http://www.w3.org/2000/svg";
  const W = 640;
  const H = 160;
  const LEFT = 36;
  const max = Math.max(1, ...home.weeks.flatMap((w) => [w.received, w.processed]));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 -10 ${W + LEFT} ${H + 40}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("id", "home-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Dossiers reçus et traités par semaine, sur 12 semaines");
  const put = (tag: string, attrs: Record<string, string | number>, text?: string): void => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    svg.append(el);
  };
  // The scale: 0, half and the highest week, with their grid lines.
  for (const v of [...new Set([0, Math.round(max / 2), max])]) {
    const y = H - (v / max) * H;
    put("line", { x1: LEFT, x2: W + LEFT, y1: y, y2: y, class: v === 0 ? "axis" : "gridline" });
    put("text", { x: LEFT - 6, y: y + 3, "text-anchor": "end", class: "tick" }, String(v));
  }
  const step = W / home.weeks.length;
  home.weeks.forEach((w, i) => {
    const bars: [number, string, string][] = [
      [w.received, "received", `reçus : ${w.received}`],
      [w.processed, "processed", `traités : ${w.processed}`],
    ];
    bars.forEach(([n, cls, label], j) => {
      const r = document.createElementNS(ns, "rect");
      const height = (n / max) * H;
      r.setAttribute("x", String(LEFT + i * step + 6 + j * (step / 2 - 4)));
      r.setAttribute("y", String(H - height));
      r.setAttribute("width", String(step / 2 - 8));
      r.setAttribute("height", String(height));
      r.setAttribute("class", cls);
      const t = document.createElementNS(ns, "title");
      t.textContent = `Semaine du ${frDate(w.start)} — ${label}`;
      r.append(t);
      svg.append(r);
    });
    put(
      "text",
      { x: LEFT + i * step + step / 2, y: H + 18, "text-anchor": "middle", class: "tick" },
      frDate(w.start).slice(0, 5),
    );
  });
  const key = (cls: string, text: string): HTMLElement =>
    h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
  return h(
    "figure",
    { class: "chart-figure", id: "home-chart-figure" },
    h("figcaption", {}, "Dossiers reçus et traités par semaine (12 dernières semaines, semaine du lundi)"),
    svg,
    h("ul", { class: "legend", id: "home-chart-legend" }, key("received", "Reçus"), key("processed", "Traités")),
  );
}
