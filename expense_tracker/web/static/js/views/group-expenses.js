// A group's shared expenses: who paid, my share, marking my share paid.

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, empty, toast, busyButton } from "../dom.js";
import { formatMoney } from "../money.js";

export async function groupExpenseList(id, currency, name, me, owner, reload) {
  const list = h("ul", { class: "rows group-expenses" });
  const more = h("button", { type: "button", hidden: true }, "Show more");
  let next = null;

  function row(expense) {
    const payers = expense.payers.map((payer) => payer.user_id);
    const mySplit = expense.splits.find((split) => split.user_id === me);
    const soleSelfPayer = payers.length === 1 && payers[0] === me;
    const mayEdit = owner || expense.created_by === me || payers.includes(me);
    const paidBy = expense.payers
      .map((payer) => (expense.payers.length > 1 ? `${name(payer.user_id)} (${formatMoney(payer.amount, expense.currency)})` : name(payer.user_id)))
      .join(", ");
    return h(
      "li",
      { class: "row", "data-expense-id": expense.id },
      h(
        "div",
        { class: "row-main" },
        h("span", { class: "title" }, expense.description),
        h("span", { class: "meta" }, formatDate(expense.date), expense.category ? ` · ${expense.category}` : "", ` · paid by ${paidBy}`),
        mySplit
          ? h(
              "span",
              { class: "meta" },
              `Your share: ${formatMoney(mySplit.amount, expense.currency)}`,
              mySplit.is_paid ? " · paid" : "",
            )
          : h("span", { class: "meta" }, "You are not part of this one."),
      ),
      h("span", { class: "amount" }, formatMoney(expense.amount, expense.currency)),
      h(
        "div",
        { class: "row-actions" },
        mySplit && !soleSelfPayer
          ? busyButton(mySplit.is_paid ? "Unmark my share" : "Mark my share paid", async () => {
              try {
                await api.patch(`/groups/${id}/expenses/${expense.id}/splits/${me}`, { is_paid: !mySplit.is_paid });
                await reload();
                toast(mySplit.is_paid ? "Your share is open again." : "Your share is marked paid.");
              } catch (error) {
                toast(error.message, "error");
              }
            }, { "aria-label": `${mySplit.is_paid ? "Unmark my share of" : "Mark my share paid for"} ${expense.description}` })
          : null,
        mayEdit
          ? h("a", { class: "button", href: `#/groups/${id}/expenses/${expense.id}`, "aria-label": `Edit ${expense.description}` }, "Edit")
          : null,
      ),
    );
  }

  const answer = await api.get(`/groups/${id}/expenses/`, { query: { limit: 50 } });
  next = answer.next;
  if (answer.data.length) list.append(...answer.data.map(row));
  else list.append(h("li", {}, empty("No shared expenses yet.")));
  more.hidden = !next;
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api.get(next);
      next = page.next;
      list.append(...page.data.map(row));
      more.hidden = !next;
    } finally {
      more.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "group-expenses-heading" },
    h("h2", { id: "group-expenses-heading" }, "Shared expenses"),
    h("p", { class: "count" }, `${answer.total} expense${answer.total === 1 ? "" : "s"}`),
    list,
    more,
  );
}
