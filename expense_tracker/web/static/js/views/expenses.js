// The personal ledger: filters, the list (paginated), add / edit / delete, CSV in and out.

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, field, mount, loading, empty, toast, options } from "../dom.js";
import { formatMoney } from "../money.js";
import { confirmed, methodLabel, methodSelect } from "./common.js";
import { csvCard } from "./expenses-csv.js";
import { expenseForm } from "./expense-form.js";

const SORTS = [
  ["-date", "Newest first"],
  ["date", "Oldest first"],
  ["-amount", "Largest first"],
  ["amount", "Smallest first"],
];

export async function expensesView(node) {
  let filters = {};
  const categories = h("datalist", { id: "category-options" });
  const list = h("ul", { class: "rows", "aria-labelledby": "list-heading" });
  const count = h("p", { class: "count", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "Show more");
  let next = null;

  const editor = expenseForm({ onSaved: () => reload(), categoriesListId: "category-options" });

  const filterForm = h(
    "form",
    { class: "card filters", role: "search", "aria-labelledby": "filter-heading" },
    h("h2", { id: "filter-heading" }, "Find expenses"),
    h(
      "div",
      { class: "grid" },
      field("Search", h("input", { name: "q", type: "search", autocomplete: "off" })),
      field("From", h("input", { name: "date_from", type: "date" })),
      field("To", h("input", { name: "date_to", type: "date" })),
      field("Category", h("input", { name: "category", list: "category-options", autocomplete: "off" })),
      field("Method", methodSelect("payment_method", "", { any: true })),
      field("Order", h("select", { name: "sort" }, options(SORTS, "-date"))),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply filters"),
      h("button", { type: "reset" }, "Clear"),
    ),
  );
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    filters = Object.fromEntries(new FormData(filterForm));
    reload();
  });
  filterForm.addEventListener("reset", () => {
    filters = {};
    setTimeout(reload);
  });

  function row(expense) {
    return h(
      "li",
      { class: "row", "data-expense-id": expense.id },
      h(
        "div",
        { class: "row-main" },
        h("span", { class: "title" }, expense.description || expense.category),
        h(
          "span",
          { class: "meta" },
          formatDate(expense.date),
          " · ",
          expense.category,
          " · ",
          methodLabel(expense.payment_method),
        ),
      ),
      h("span", { class: "amount" }, formatMoney(expense.amount, expense.currency)),
      h(
        "div",
        { class: "row-actions" },
        h(
          "button",
          { type: "button", onclick: () => editor.edit(expense.id), "aria-label": `Edit ${expense.description || expense.category}` },
          "Edit",
        ),
        h(
          "button",
          { type: "button", class: "danger", onclick: () => remove(expense), "aria-label": `Delete ${expense.description || expense.category}` },
          "Delete",
        ),
      ),
    );
  }

  async function remove(expense) {
    if (!confirmed(`Delete "${expense.description || expense.category}"? This cannot be undone.`)) return;
    try {
      await api.remove(`/expenses/${expense.id}`);
      toast("Expense deleted.");
    } catch (error) {
      toast(error.message, "error");
    }
    reload();
  }

  async function loadCategories() {
    const answer = await api.get("/expenses/categories");
    mount(categories, answer.data.map((item) => h("option", { value: item.category })));
  }

  async function reload() {
    mount(list, h("li", {}, loading()));
    more.hidden = true;
    try {
      const answer = await api.get("/expenses/", { query: { ...filters, limit: 50 } });
      next = answer.next;
      const filtered = Object.values(filters).some((value) => value && value !== "-date");
      if (!answer.data.length) {
        mount(
          list,
          h(
            "li",
            {},
            filtered
              ? empty("No expense matches these filters.")
              : h("p", { class: "empty" }, "No expenses yet. Add your first one above, or share costs with others in ", h("a", { href: "#/groups" }, "a group"), "."),
          ),
        );
      } else {
        mount(list, answer.data.map(row));
      }
      count.textContent = `${answer.total} expense${answer.total === 1 ? "" : "s"}${filtered ? " match" : ""}`;
      more.hidden = !next;
      loadCategories().catch(() => {});
    } catch (error) {
      mount(list, h("li", { role: "alert" }, error.message));
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const answer = await api.get(next);
      next = answer.next;
      list.append(...answer.data.map(row));
      more.hidden = !next;
    } finally {
      more.disabled = false;
    }
  });

  mount(
    node,
    h("h1", {}, "Your expenses"),
    categories,
    editor.form,
    filterForm,
    h(
      "section",
      { class: "card", "aria-labelledby": "list-heading" },
      h("h2", { id: "list-heading" }, "Expenses"),
      count,
      list,
      more,
    ),
    csvCard({ filters: () => filters, onImported: () => reload() }),
  );
  await reload();
}
