// A bar chart in SVG, built with DOM calls (no library, nothing inline for the CSP). Each
// bar carries its exact amount; the same numbers are in a table next to it, for screen
// readers and for exact reading.

import { h } from "./dom.js";

const WIDTH = 360;
const BAR = 22;
const GAP = 8;
const LABEL = 112; // the category's name, left of the bars
const VALUE = 96; // room right of the longest bar for its amount
const LABEL_CHARS = 16;

/** Long labels are cut to fit the column; the full text stays in the bar's <title>. */
function shorten(text) {
  const chars = [...String(text)];
  return chars.length > LABEL_CHARS ? `${chars.slice(0, LABEL_CHARS - 1).join("")}…` : chars.join("");
}

/**
 * rows: [{label, value: BigInt minor units, text: formatted value}]. Bar lengths are a
 * ratio for drawing only; the figures shown are the exact formatted amounts.
 */
export function barChart(title, rows) {
  const max = rows.reduce((a, row) => (row.value > a ? row.value : a), 0n) || 1n;
  const height = rows.length * (BAR + GAP) + GAP;
  const room = WIDTH - LABEL - VALUE - 4;
  const svg = h("svg:svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: "100%",
    role: "img",
    "aria-label": title,
    class: "chart",
  });
  rows.forEach((row, index) => {
    const y = GAP + index * (BAR + GAP);
    // Per-mille precision is plenty for pixels.
    const length = Number((row.value * 1000n) / max) / 1000;
    const barWidth = Math.max(1, room * length);
    svg.append(
      h("svg:text", { x: 0, y: y + BAR * 0.7, class: "chart-label" }, shorten(row.label)),
      h(
        "svg:rect",
        { x: LABEL, y, width: barWidth, height: BAR, rx: 3, class: "chart-bar" },
        h("svg:title", {}, `${row.label}: ${row.text}`),
      ),
      h("svg:text", { x: LABEL + barWidth + 4, y: y + BAR * 0.7, class: "chart-value" }, row.text),
    );
  });
  return svg;
}
