// A group's Expenses tab: the list first (what, who paid, the total, my share; both
// amounts for an expense in another currency), a "+" to add one, filters folded away, and
// the way to the group's recurring bills. Each row opens the expense's detail view.

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, mount, field, options, uid } from "../dom.js";
import { formatMoney } from "../money.js";
import * as ui from "../ui.js";

const PAGE = 50;

/** "£60.00 · €70.20" for an expense in another currency, else "€70.20". */
export function amountText(expense) {
  const converted = formatMoney(expense.amount, expense.currency);
  if (!expense.original_currency || expense.original_amount === null || expense.original_amount === undefined) return converted;
  return `${formatMoney(expense.original_amount, expense.original_currency)} · ${converted}`;
}

/** "Alice paid", "You paid", "Alice and Bob paid". */
export function paidByText(expense, ctx) {
  // Guests are marked wherever they are named.
  const names = expense.payers.map((payer) => `${ctx.memberName(payer.user_id)}${ctx.isGuest(payer.user_id) ? " (guest)" : ""}`);
  if (names.length <= 1) return `${names[0] || "Nobody"} paid`;
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)} paid`;
}

/** My part of an expense, in words: "Your share €12.50", "Your share €12.50 · paid", "Not in this one". */
export function myShareText(expense, ctx) {
  const split = expense.splits.find((candidate) => candidate.user_id === ctx.me.id);
  if (!split) return "You are not in this one";
  const text = `Your share ${formatMoney(split.amount, expense.currency)}`;
  const soleSelfPayer = expense.payers.length === 1 && expense.payers[0].user_id === ctx.me.id;
  return split.is_paid && !soleSelfPayer ? `${text} · paid` : text;
}

function expenseRow(expense, ctx) {
  const badges = [];
  // Not a link here: the whole row is one already (the detail view links to the series).
  if (expense.series_id) badges.push(ui.badge("Recurring", { kind: "recurring" }));
  // Added or changed without a network (outbox.js): counted in the balances here, not sent yet.
  if (expense.pending) badges.push(ui.badge("Waiting to be sent", { kind: "warn" }));
  const meta = [formatDate(expense.date), paidByText(expense, ctx), myShareText(expense, ctx)];
  if (expense.category) meta.splice(1, 0, expense.category);
  return ui.listItem({
    title: expense.description,
    meta: meta.join(" · "),
    amount: h("span", { class: "amount" }, amountText(expense)),
    href: `#/groups/${ctx.id}/expenses/${expense.id}`,
    badges,
  });
}

export async function expensesTab(panel, ctx) {
  const filters = {};
  const listHolder = h("div", { class: "group-expense-list" });
  const count = h("p", { class: "meta", role: "status" });
  let categories = [];

  async function load() {
    const answer = await api.get(`/groups/${ctx.id}/expenses/`, { query: { ...filters, limit: PAGE } });
    const filtered = Object.values(filters).some(Boolean);
    categories = [...new Set([...categories, ...answer.data.map((expense) => expense.category).filter(Boolean)])].sort();
    refreshCategories();
    if (!answer.data.length) {
      count.textContent = "";
      mount(
        listHolder,
        filtered
          ? ui.emptyState("No expenses match these filters", "Change or clear the filters to see more.")
          : ctx.members.length === 1
            ? // A group of one needs people before it needs expenses.
              ui.emptyState(
                "Invite people first",
                "Only you are in this group so far. Send the invite link to the people you share costs with.",
                h("a", { class: "button primary", href: `#/groups/${ctx.id}/members` }, "Invite people"),
              )
            : ui.emptyState(
              "No shared expenses yet",
              "Add what someone paid for the group; everyone's share shows up under Balances.",
              h("a", { class: "button primary", href: `#/groups/${ctx.id}/expenses/new` }, "Add the first expense"),
            ),
      );
      return;
    }
    count.textContent = filtered ? `${answer.total} matching` : ui.plural(answer.total, "expense");
    const list = ui.list(answer.data.map((expense) => expenseRow(expense, ctx)));
    let next = answer.next;
    const more = h("button", { type: "button", hidden: !next }, "Show more");
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await api.get(next);
        next = page.next;
        list.append(...page.data.map((expense) => expenseRow(expense, ctx)));
        more.hidden = !next;
      } catch (error) {
        more.after(ui.failure(error, {}));
      } finally {
        more.disabled = false;
      }
    });
    mount(listHolder, list, h("div", { class: "more" }, more));
  }

  const categoryList = h("datalist", { id: uid("categories") });
  function refreshCategories() {
    mount(categoryList, categories.map((category) => h("option", { value: category })));
  }
  const people = ctx.everyone.map((member) => [member.user_id, `${ctx.memberName(member.user_id)}${member.guest ? " (guest)" : ""}`]);
  const filterForm = h(
    "form",
    { class: "filters", novalidate: true },
    h(
      "div",
      { class: "grid" },
      field("Category", h("input", { name: "category", list: categoryList.id, autocomplete: "off", maxlength: 50 })),
      field("Paid by", h("select", { name: "paid_by" }, options([["", "Anyone"], ...people]))),
      field("Involving", h("select", { name: "involving" }, options([["", "Anyone"], ...people]))),
      field("From", h("input", { name: "date_from", type: "date" })),
      field("To", h("input", { name: "date_to", type: "date" })),
    ),
    categoryList,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply filters"),
      h("button", { type: "reset", class: "quiet" }, "Clear filters"),
    ),
  );
  async function apply() {
    for (const key of ["category", "paid_by", "involving", "date_from", "date_to"]) {
      const value = filterForm.elements[key].value.trim();
      if (value) filters[key] = value;
      else delete filters[key];
    }
    try {
      await load();
    } catch (error) {
      mount(listHolder, ui.failure(error, {}));
    }
  }
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  // After the reset has emptied the controls.
  filterForm.addEventListener("reset", () => setTimeout(apply));

  await load();
  mount(
    panel,
    h(
      "div",
      { class: "spread" },
      count,
      h("a", { href: `#/groups/${ctx.id}/recurring` }, "Recurring bills"),
    ),
    ui.foldout("Filters", filterForm),
    listHolder,
    ui.fab("Add expense", `#/groups/${ctx.id}/expenses/new`),
  );
}
