// Where the money goes: the period's totals first, then by category, by payment method and
// by month, each drawn (numbers on the bars) and tabulated, one chart per currency; or, with
// "In one currency", everything converted at each day's rate (my group shares too, if asked).

import * as api from "../api.js";
import { barChart } from "../chart.js";
import { currencySelect } from "../currencies.js";
import { formatDate, formatMonth, today } from "../dates.js";
import { h, field, mount, loading } from "../dom.js";
import { formatMoney, fromMinor, toMinor } from "../money.js";
import * as session from "../session.js";
import { card, emptyState, failure, foldout, money, pageHeader, segmented, stat, stats } from "../ui.js";
import { methodLabel } from "./common.js";

/** The payment method my group shares are summed under (contract "My money in one currency"). */
const GROUP_METHOD = "group";

function methodName(key) {
  return key === GROUP_METHOD ? "My group shares" : methodLabel(key);
}

/**
 * A rate-unavailable problem's missing rate: {from, to, date} read from its message
 * ("No USD to EUR rate for 2025-01-05."), or null when it names none.
 */
export function missingRate(error) {
  const text = [...[].concat(error.errors?.in || []), error.message || ""].join(" ");
  const match = text.match(/\b([A-Z]{3}) to ([A-Z]{3}) rate for (\d{4}-\d{2}-\d{2})/);
  return match ? { from: match[1], to: match[2], date: match[3] } : null;
}

/** Why the totals cannot be shown in one currency, and what to do (with a way out). */
function rateProblem(error, currency, showSeparately) {
  const missing = missingRate(error);
  const day = missing ? formatDate(missing.date) : null;
  return h(
    "div",
    { class: "failure", role: "alert" },
    h("h2", {}, day ? `No exchange rate for ${day}` : "An exchange rate is missing"),
    h(
      "p",
      {},
      missing
        ? `There is no ${missing.from} to ${missing.to} rate for ${day} (nor for the 7 days before it), so your expenses cannot all be shown in ${currency}.`
        : `Some of your expenses cannot be converted to ${currency}: the rate of their day is missing.`,
    ),
    h(
      "p",
      {},
      "Choose a period after that date, or show each currency on its own. Whoever runs this service can import the missing exchange rates.",
    ),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: showSeparately }, "Show each currency on its own")),
  );
}

const PERIODS = [
  ["month", "This month"],
  ["last-month", "Last month"],
  ["year", "This year"],
  ["all", "All time"],
  ["custom", "Dates…"],
];

function pad(n) {
  return String(n).padStart(2, "0");
}

/** The last day of a month (month 1..12) as YYYY-MM-DD. */
function monthEnd(year, month) {
  return `${year}-${pad(month)}-${pad(new Date(Date.UTC(year, month, 0)).getUTCDate())}`;
}

/** A period's date filters for the API (inclusive), from today in the person's time zone. */
export function periodRange(period, custom = {}) {
  const [year, month] = today().split("-").map(Number);
  if (period === "month") return { date_from: `${year}-${pad(month)}-01`, date_to: monthEnd(year, month) };
  if (period === "last-month") {
    const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
    return { date_from: `${y}-${pad(m)}-01`, date_to: monthEnd(y, m) };
  }
  if (period === "year") return { date_from: `${year}-01-01`, date_to: `${year}-12-31` };
  if (period === "custom") return { date_from: custom.date_from || undefined, date_to: custom.date_to || undefined };
  return {};
}

/** Rows by currency: the person's default currency first, then the others by code. */
function byCurrency(rows) {
  const groups = new Map();
  for (const row of rows) {
    if (!groups.has(row.currency)) groups.set(row.currency, []);
    groups.get(row.currency).push(row);
  }
  const mine = session.user()?.default_currency;
  return [...groups].sort(([a], [b]) => (a === mine ? -1 : b === mine ? 1 : a.localeCompare(b)));
}

/** The sum of rows' totals in one currency, exactly (BigInt minor units). */
function total(items, currency) {
  return fromMinor(
    items.reduce((sum, row) => sum + (toMinor(row.total, currency) ?? 0n), 0n),
    currency,
  );
}

/** One figure per currency: the chart with its total, and the same numbers in a table. */
function block(title, column, rows, label) {
  const sections = [];
  for (const [currency, items] of byCurrency(rows)) {
    const chartRows = items.map((row) => ({
      label: label(row.key),
      value: toMinor(row.total, currency) ?? 0n,
      text: formatMoney(row.total, currency),
    }));
    const sum = formatMoney(total(items, currency), currency);
    const caption = `${title} (${currency}), total ${sum}`;
    sections.push(
      h(
        "figure",
        { class: "chart-figure" },
        h("figcaption", {}, `In ${currency}`, h("span", { class: "chart-total" }, `Total ${sum}`)),
        barChart(caption, chartRows),
        // The bars carry their numbers; the table is for exact reading and screen readers,
        // folded so that a phone shows each chart once.
        foldout(
          "As a table",
          h(
            "table",
            { class: "chart-table" },
            h("caption", { class: "visually-hidden" }, caption),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, column),
                h("th", { scope: "col", class: "num" }, "Total"),
                h("th", { scope: "col", class: "num" }, "Expenses"),
              ),
            ),
            h(
              "tbody",
              {},
              items.map((row, i) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, chartRows[i].label),
                  h("td", { class: "num" }, chartRows[i].text),
                  h("td", { class: "num" }, String(row.count)),
                ),
              ),
            ),
            h(
              "tfoot",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "row" }, "Total"),
                h("td", { class: "num" }, sum),
                h("td", { class: "num" }, String(items.reduce((n, row) => n + row.count, 0))),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return sections;
}

/** The period in words, under the tiles: "1 Dec 2026 – 31 Dec 2026", "All time". */
function periodText(range) {
  if (range.date_from && range.date_to) return `${formatDate(range.date_from)} – ${formatDate(range.date_to)}`;
  if (range.date_from) return `From ${formatDate(range.date_from)}`;
  if (range.date_to) return `Until ${formatDate(range.date_to)}`;
  return "All time";
}

export async function summaryView(node, params = {}) {
  const query = params.query;
  let period = PERIODS.some(([value]) => value === query?.get("period")) ? query.get("period") : "month";
  const output = h("div", { "aria-live": "polite", class: "summary-output" });
  const custom = h(
    "form",
    { class: "summary-dates", "aria-label": "Dates", hidden: period !== "custom", novalidate: true },
    h(
      "div",
      { class: "grid" },
      field("From", h("input", { name: "date_from", type: "date" })),
      field("To", h("input", { name: "date_to", type: "date" })),
    ),
    h("button", { type: "submit", class: "primary" }, "Show"),
  );
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  // "In one currency": the switch, then where to convert to and whether my group shares count.
  const mine = session.user()?.default_currency || "EUR";
  const convert = h("form", { class: "summary-convert", "aria-label": "In one currency", novalidate: true });
  const switchId = "summary-one-currency";
  const sharesId = "summary-group-shares";
  const target = currencySelect({ name: "in", value: query?.get("in") || mine, onchange: () => load() });
  const details = h(
    "div",
    { class: "convert-options", hidden: !(query?.get("in") || query?.get("include")) },
    field("Currency to show", target),
    h(
      "div",
      { class: "field checkbox" },
      h("input", { type: "checkbox", id: sharesId, name: "include", checked: query?.get("include") === "group_shares", onchange: () => load() }),
      h("label", { for: sharesId }, "Include my group shares"),
    ),
  );
  const oneCurrency = h("input", {
    type: "checkbox",
    role: "switch",
    id: switchId,
    checked: !details.hidden,
    onchange: () => {
      details.hidden = !oneCurrency.checked;
      load();
    },
  });
  convert.append(
    h("div", { class: "field checkbox" }, oneCurrency, h("label", { for: switchId }, "In one currency"), h("p", { class: "hint" }, "Each amount at its day's exchange rate.")),
    details,
  );
  convert.addEventListener("submit", (event) => event.preventDefault());

  /** The conversion the person asked for: {in, include} for the API, or {} for none. */
  function conversion() {
    if (!oneCurrency.checked) return {};
    return { in: target.value || mine, include: convert.elements.include.checked ? "group_shares" : undefined };
  }

  function showSeparately() {
    oneCurrency.checked = false;
    details.hidden = true;
    load();
    oneCurrency.focus();
  }

  const choice = segmented("Period", "period", PERIODS, period, (value) => {
    period = value;
    custom.hidden = period !== "custom";
    if (period !== "custom") load();
    else custom.elements.date_from.focus();
  });

  async function load() {
    mount(output, loading());
    const range = periodRange(period, Object.fromEntries(new FormData(custom)));
    const converted = conversion();
    // A newer choice may be made while this one loads: only the latest is drawn.
    const ticket = (loads += 1);
    try {
      const [categories, methods, months] = await Promise.all(
        ["category", "payment_method", "month"].map(
          async (group_by) => (await api.get("/expenses/summary", { query: { ...range, ...converted, group_by } })).data,
        ),
      );
      if (ticket !== loads) return;
      if (!categories.length) {
        mount(
          output,
          emptyState(
            "Nothing spent in this period",
            period === "all" ? "Add expenses in the ledger and they appear here." : "Choose another period, or add expenses in the ledger.",
            h("a", { href: "#/expenses" }, "Go to your expenses"),
          ),
        );
        return;
      }
      const currencies = [...byCurrency(categories)];
      const totals = currencies.map(([currency, items]) =>
        stat(
          converted.in ? `Spent, all in ${currency}` : currencies.length > 1 ? `Spent in ${currency}` : "Spent",
          money(total(items, currency), currency),
        ),
      );
      if (converted.include) {
        const shares = methods.filter((row) => row.key === GROUP_METHOD);
        totals.push(stat("Of it, my group shares", money(total(shares, converted.in), converted.in)));
      }
      totals.push(stat(converted.include ? "Expenses and shares" : "Expenses", String(categories.reduce((sum, row) => sum + row.count, 0))));
      mount(
        output,
        h("p", { class: "meta summary-period" }, periodText(range)),
        stats(...totals),
        card("By category", block("By category", "Category", categories, (key) => key)),
        card("By payment method", block("By payment method", "Method", methods, methodName)),
        card("By month", block("By month", "Month", months, formatMonth)),
      );
    } catch (error) {
      if (ticket !== loads) return;
      if (String(error.type).endsWith("/rate-unavailable")) {
        mount(output, rateProblem(error, converted.in, showSeparately));
        return;
      }
      mount(output, failure(error, { back: { href: "#/expenses", label: "Your expenses" } }));
    }
  }
  let loads = 0;

  mount(node, pageHeader("Summary"), h("div", { class: "summary-period-choice" }, choice, custom, convert), output);
  await load();
}
