// Where the money goes: totals by month and by category, drawn and tabulated.

import * as api from "../api.js";
import { barChart } from "../chart.js";
import { formatMonth } from "../dates.js";
import { h, field, mount, loading, empty } from "../dom.js";
import { formatMoney, toMinor } from "../money.js";

function byCurrency(rows) {
  const groups = new Map();
  for (const row of rows) {
    if (!groups.has(row.currency)) groups.set(row.currency, []);
    groups.get(row.currency).push(row);
  }
  return groups;
}

function block(title, rows, label) {
  const sections = [];
  for (const [currency, items] of byCurrency(rows)) {
    const chartRows = items.map((row) => ({
      label: label(row.key),
      value: toMinor(row.total, currency) ?? 0n,
      text: formatMoney(row.total, currency),
    }));
    const caption = `${title} (${currency})`;
    sections.push(
      h(
        "figure",
        { class: "chart-figure" },
        h("figcaption", {}, caption),
        barChart(caption, chartRows),
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, title.split(" ").pop()), h("th", { scope: "col", class: "num" }, "Total"), h("th", { scope: "col", class: "num" }, "Expenses"))),
          h(
            "tbody",
            {},
            items.map((row, i) =>
              h("tr", {}, h("th", { scope: "row" }, chartRows[i].label), h("td", { class: "num" }, chartRows[i].text), h("td", { class: "num" }, String(row.count))),
            ),
          ),
        ),
      ),
    );
  }
  return sections;
}

export async function summaryView(node) {
  const output = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card filters", "aria-labelledby": "summary-filter-heading" },
    h("h2", { id: "summary-filter-heading" }, "Period"),
    h("div", { class: "grid" }, field("From", h("input", { name: "date_from", type: "date" })), field("To", h("input", { name: "date_to", type: "date" }))),
    h("button", { type: "submit", class: "primary" }, "Show"),
  );

  async function load() {
    mount(output, loading());
    const query = Object.fromEntries(new FormData(form));
    try {
      const [months, categories] = await Promise.all([
        api.get("/expenses/summary", { query: { ...query, group_by: "month" } }),
        api.get("/expenses/summary", { query: { ...query, group_by: "category" } }),
      ]);
      if (!months.data.length) {
        mount(output, empty("Nothing to show yet: add expenses and they appear here."));
        return;
      }
      mount(
        output,
        h("section", { class: "card", "aria-labelledby": "by-month" }, h("h2", { id: "by-month" }, "By month"), block("Spending by month", months.data, formatMonth)),
        h("section", { class: "card", "aria-labelledby": "by-category" }, h("h2", { id: "by-category" }, "By category"), block("Spending by category", categories.data, (key) => key)),
      );
    } catch (error) {
      mount(output, h("p", { role: "alert" }, error.message));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  mount(node, h("h1", {}, "Summary"), form, output);
  await load();
}
