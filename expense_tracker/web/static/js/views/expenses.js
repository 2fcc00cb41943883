// The personal ledger: what I spent this month first, then the list by day (paginated),
// filters folded away, a floating "+" to add, a row opens its expense for editing in a
// dialog, CSV in and out in a foldout at the end.

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, field, mount, loading, options } from "../dom.js";
import * as session from "../session.js";
import { badge, emptyState, failure, fab, foldout, list, listItem, money, pageHeader, plural, stat, stats } from "../ui.js";
import { methodLabel, methodSelect } from "./common.js";
import { csvPanel } from "./expenses-csv.js";
import { categoryNames, openExpenseDialog } from "./expense-form.js";

const SORTS = [
  ["-date", "Newest first"],
  ["date", "Oldest first"],
  ["-amount", "Largest first"],
  ["amount", "Smallest first"],
];

const PAGE = 50;

/** The first and last day of this month, as the API's dates. */
function thisMonth() {
  const day = today();
  const [year, month] = day.split("-").map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { date_from: `${day.slice(0, 7)}-01`, date_to: `${day.slice(0, 7)}-${String(last).padStart(2, "0")}` };
}

/**
 * The stat tiles: what I spent this month, each currency on its own line in one tile (never
 * added together), and how many expenses; two tiles side by side even on a phone.
 */
async function monthTiles() {
  const rows = (await api.get("/expenses/summary", { query: { ...thisMonth(), group_by: "month" } })).data;
  const currency = session.user()?.default_currency || "EUR";
  // 0n, not "0": an amount string teaches money.js the currency's decimals.
  const amounts = rows.length ? rows.map((row) => money(row.total, row.currency)) : [money(0n, currency)];
  return [
    stat("Spent this month", h("span", { class: "amounts" }, amounts)),
    stat("Expenses this month", String(rows.reduce((n, row) => n + row.count, 0))),
  ];
}

export async function expensesView(node) {
  let filters = {};
  let next = null;
  let lastDay = null; // the day group the next page may continue
  let lastList = null;

  const tiles = h("div", { class: "ledger-stats" }, loading());
  const countLine = h("p", { class: "count", role: "status" });
  const listBox = h("div", { class: "ledger-list" });
  const more = h("button", { type: "button", hidden: true, class: "quiet" }, "Show more");
  const categories = h("datalist", { id: "filter-categories" });

  const filterForm = h(
    "form",
    { role: "search", "aria-label": "Find expenses", class: "filters" },
    h(
      "div",
      { class: "grid" },
      field("Search", h("input", { name: "q", type: "search", autocomplete: "off" })),
      field("From", h("input", { name: "date_from", type: "date" })),
      field("To", h("input", { name: "date_to", type: "date" })),
      field("Category", h("input", { name: "category", list: "filter-categories", autocomplete: "off" })),
      field("Method", methodSelect("payment_method", "", { any: true })),
      field("Order", h("select", { name: "sort" }, options(SORTS, "-date"))),
    ),
    categories,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply filters"),
      h("button", { type: "reset" }, "Clear"),
    ),
  );
  const filterFold = foldout("Filters", filterForm);
  const filterSummary = filterFold.querySelector("summary");
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    filters = Object.fromEntries(new FormData(filterForm));
    reload();
  });
  filterForm.addEventListener("reset", () => {
    filters = {};
    setTimeout(reload);
  });

  function isFiltered() {
    return Object.entries(filters).some(([name, value]) => value && !(name === "sort" && value === "-date"));
  }

  function open(expense) {
    return openExpenseDialog({ id: expense.id, onChanged: () => reload() });
  }

  function row(expense, byDay) {
    const name = expense.description || expense.category;
    const details = [expense.description ? expense.category : null, methodLabel(expense.payment_method)];
    // Under a day's heading the date would say it twice.
    if (!byDay) details.push(formatDate(expense.date));
    return listItem({
      // The title is the row's button: its hit area covers the whole row (app.css), so a tap
      // anywhere opens the expense, and the keyboard reaches it as one stop per row.
      title: h("button", { type: "button", class: "row-open", onclick: () => open(expense) }, name),
      meta: details.filter(Boolean).join(" · "),
      amount: money(expense.amount, expense.currency),
      badges: [
        expense.series_id ? badge("Recurring", { kind: "recurring", href: `#/expenses/recurring?series=${expense.series_id}` }) : null,
        // Kept on this device without a network (outbox.js): not on the server yet.
        expense.pending ? badge("Waiting to be sent", { kind: "warn" }) : null,
      ].filter(Boolean),
      attributes: { class: "list-item ledger-row", "data-expense-id": expense.id },
    });
  }

  /** Append a page: newest first by day, each day under its own heading. */
  function show(expenses) {
    const byDay = !filters.sort || filters.sort === "-date" || filters.sort === "date";
    if (!byDay) {
      if (!lastList) {
        lastList = list([]);
        listBox.append(lastList);
      }
      lastList.append(...expenses.map((expense) => row(expense, false)));
      return;
    }
    for (const expense of expenses) {
      if (expense.date !== lastDay) {
        lastDay = expense.date;
        lastList = list([]);
        listBox.append(h("h2", { class: "list-heading" }, formatDate(expense.date)), lastList);
      }
      lastList.append(row(expense, true));
    }
  }

  async function reload() {
    mount(listBox, loading());
    more.hidden = true;
    lastDay = null;
    lastList = null;
    const active = Object.entries(filters).filter(([name, value]) => value && name !== "sort").length;
    filterSummary.textContent = active ? `Filters (${active} on)` : "Filters";
    monthTiles()
      .then((nodes) => mount(tiles, stats(...nodes)))
      .catch(() => mount(tiles));
    try {
      const answer = await api.get("/expenses/", { query: { ...filters, limit: PAGE } });
      next = answer.next;
      mount(listBox);
      if (!answer.data.length) {
        mount(
          listBox,
          isFiltered()
            ? emptyState("No expense matches these filters", "Change or clear the filters to see more.")
            : emptyState(
                "No expenses yet",
                "Add your first one with the + button, or share costs with others in a group.",
                h("a", { href: "#/groups" }, "Go to groups"),
              ),
        );
      } else {
        show(answer.data);
      }
      countLine.textContent = isFiltered() ? `${plural(answer.total, "expense", "expenses")} match` : plural(answer.total, "expense", "expenses");
      more.hidden = !next;
      categoryNames().then((names) => mount(categories, names.map((value) => h("option", { value }))));
    } catch (error) {
      countLine.textContent = "";
      mount(listBox, failure(error, { back: { href: "#/expenses", label: "Try again" } }));
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const answer = await api.get(next);
      next = answer.next;
      show(answer.data);
      more.hidden = !next;
    } catch (error) {
      listBox.append(failure(error, { back: { href: "#/expenses", label: "Start again" } }));
    } finally {
      more.disabled = false;
    }
  });

  mount(
    node,
    pageHeader("Your expenses", {
      actions: [h("a", { href: "#/expenses/recurring", class: "button quiet" }, "Recurring")],
    }),
    tiles,
    filterFold,
    countLine,
    listBox,
    more,
    foldout("Import or export CSV", csvPanel({ filters: () => filters, onImported: () => reload() })),
    fab("Add expense", () => openExpenseDialog({ onChanged: () => reload() })),
  );
  await reload();
}
