// One shared expense, for every member of its group: what it was, both amounts when it was
// in another currency (with the rate), who paid, every share and whether it is paid
// (group-expense-shares.js), notes, comments and its history (group-expense-history.js).
// Edit and Delete only for whoever may (its creator, a payer, an owner); marking a share
// paid says what it means first and can be undone.

import * as api from "../api.js";
import { formatDate, formatTimestamp } from "../dates.js";
import { h, mount, toast, toastWrite, busyButton } from "../dom.js";
import { formatMoney } from "../money.js";
import { go } from "../router.js";
import * as ui from "../ui.js";
import { loadGroupContext } from "./group.js";
import { amountText, paidByText } from "./group-expenses.js";
import { commentsCard, historyCard } from "./group-expense-history.js";
import { myShareAction, payersCard, splitsCard } from "./group-expense-shares.js";
import { toastFailure } from "./group-money.js";
import { receiptsSection } from "./receipts.js";

export async function groupExpenseDetailView(node, params) {
  node.classList.add("group-screen");
  const render = () => groupExpenseDetailView(node, params);
  const ctx = await loadGroupContext(params.id, render);
  if (ctx.public) {
    // An open group I am not in: its expenses are for members.
    throw new api.ApiError(404, { detail: "This expense is not there, or you are not a member of its group." });
  }
  const answer = await api.get(`/groups/${ctx.id}/expenses/${params.eid}`);
  const expense = answer.data;
  const [comments, history] = await Promise.all([
    api.get(`/groups/${ctx.id}/expenses/${expense.id}/comments`, { query: { limit: 200 } }),
    api.get(`/groups/${ctx.id}/activity`, { query: { subject_type: "expense", subject_id: expense.id, limit: 50 } }),
  ]);
  const me = ctx.me.id;
  const back = { href: `#/groups/${ctx.id}`, label: ctx.group.name };
  const payerIds = expense.payers.map((payer) => payer.user_id);
  const mayChange = ctx.isOwner || expense.created_by === me || payerIds.includes(me);

  /** The expense went away while this page was open: say so instead of a dead button. */
  function gone() {
    mount(
      node,
      ui.pageHeader(expense.description, { back }),
      h(
        "div",
        { class: "notice warn", role: "alert", tabindex: "-1" },
        h("p", {}, h("strong", {}, "This expense was deleted."), " Someone deleted it after you opened this page, so it no longer counts in the balances."),
        h("p", {}, "An owner or whoever deleted it can restore it from the trash. ", h("a", { href: back.href }, `Back to ${ctx.group.name}`)),
      ),
    );
    node.querySelector("[role=alert]").focus();
  }

  /** An action's failure: 404 means deleted elsewhere; anything else is explained in a toast. */
  function failed(error) {
    if (error instanceof api.ApiError && error.status === 404) gone();
    else toastFailure(error);
  }

  async function remove() {
    const yes = await ui.confirmDialog({
      title: "Delete this expense?",
      message: `${expense.description} (${amountText(expense)}) leaves the list and the balances for everyone. You can undo it right after, or restore it later from the trash.`,
      confirmLabel: "Delete expense",
      danger: true,
    });
    if (!yes) return;
    let removed;
    try {
      removed = await api.remove(`/groups/${ctx.id}/expenses/${expense.id}`, { etag: answer.etag });
    } catch (error) {
      if (error.status === 412) {
        toast("Someone else changed this expense since you opened it: look at it again before deleting.", "error");
        await render();
        return;
      }
      failed(error);
      return;
    }
    // Kept offline, the deletion has nothing to undo on the server yet: no Undo.
    toastWrite(removed, `Deleted ${expense.description}.`, `the deletion of “${expense.description}”`, {
      action: {
        label: "Undo",
        run: async () => {
          try {
            await api.post(`/groups/${ctx.id}/expenses/${expense.id}/restore`);
            toast(`${expense.description} is back.`, "ok");
            go(`/groups/${ctx.id}/expenses/${expense.id}`);
          } catch (error) {
            toastFailure(error);
          }
        },
      },
    });
    go(`/groups/${ctx.id}`);
  }

  /** Before leaving for the edit page, make sure there is still something to edit. */
  async function edit() {
    try {
      await api.get(`/groups/${ctx.id}/expenses/${expense.id}`);
    } catch (error) {
      failed(error);
      return;
    }
    go(`/groups/${ctx.id}/expenses/${expense.id}/edit`);
  }

  const actions = mayChange
    ? [
        busyButton("Edit", edit, { class: "button", "aria-label": `Edit ${expense.description}` }),
        busyButton("Delete", remove, { class: "danger", "aria-label": `Delete ${expense.description}` }),
      ]
    : [];

  const mySplit = expense.splits.find((split) => split.user_id === me);
  // A payer who owes a share has paid more than anyone could pay them back in "my share":
  // the action is for those who only share.
  const markMine = mySplit && !payerIds.includes(me) ? myShareAction(ctx, expense, mySplit, render, failed) : null;

  mount(
    node,
    ui.pageHeader(expense.description, { back, actions }),
    ui.stats(
      // The converted total is the big number; the amount as paid goes in its label, so
      // that neither wraps on a phone.
      ui.stat(expense.original_currency ? `Total (${formatMoney(expense.original_amount, expense.original_currency)})` : "Total", formatMoney(expense.amount, expense.currency)),
      mySplit ? ui.stat("Your share", formatMoney(mySplit.amount, expense.currency), { tone: mySplit.is_paid || payerIds.includes(me) ? undefined : "owing" }) : null,
    ),
    markMine,
    ui.card(
      null,
      h(
        "dl",
        { class: "facts" },
        fact("Date", formatDate(expense.date)),
        expense.category ? fact("Category", expense.category) : null,
        fact("Paid by", paidByText(expense, ctx).replace(/ paid$/, "")),
        expense.original_currency ? fact("Amount", `${formatMoney(expense.original_amount, expense.original_currency)}`) : null,
        expense.original_currency ? fact("Rate", `1 ${expense.original_currency} = ${formatRate(expense.exchange_rate)} ${expense.currency}`) : null,
        expense.original_currency ? fact(`In ${expense.currency}`, formatMoney(expense.amount, expense.currency)) : null,
        fact("Added", `${formatTimestamp(expense.created_at)} by ${ctx.memberName(expense.created_by)}`),
      ),
      expense.series_id ? h("p", {}, ui.badge("Recurring", { kind: "recurring", href: `#/groups/${ctx.id}/recurring/${expense.series_id}` }), " One occurrence of a recurring bill.") : null,
    ),
    payersCard(ctx, expense),
    splitsCard(ctx, expense, render, failed),
    expense.notes ? ui.card("Notes", h("p", { class: "notes" }, expense.notes)) : null,
    receiptsSection({
      path: `/groups/${ctx.id}/expenses/${expense.id}/receipts`,
      canAttach: mayChange,
      canDelete: (receipt) => ctx.isOwner || receipt.uploaded_by === me,
      nameOf: ctx.memberName,
    }),
    commentsCard(ctx, expense, comments.data, render, failed),
    historyCard(ctx, history.data),
  );
}

// A rate in the browser's locale ("1,17"), digit for digit: Intl formats the decimal string
// itself, never a float.
const rateFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 12 });
function formatRate(rate) {
  try {
    return rateFormat.format(rate);
  } catch {
    return rate;
  }
}

function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value));
}

