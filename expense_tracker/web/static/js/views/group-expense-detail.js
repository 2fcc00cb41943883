// One shared expense, for every member of its group: what it was, both amounts when it was
// in another currency (with the rate), who paid, every share and whether it is paid, notes,
// comments and its history. Edit and Delete only for whoever may (its creator, a payer, an
// owner); marking a share paid says what it means first and can be undone.

import * as api from "../api.js";
import { formatDate, formatTimestamp, relative } from "../dates.js";
import { h, mount, field, toast, toastWrite, busyButton } from "../dom.js";
import { onSubmit } from "../forms.js";
import { formatMoney } from "../money.js";
import { go } from "../router.js";
import * as ui from "../ui.js";
import { loadGroupContext } from "./group.js";
import { amountText, paidByText } from "./group-expenses.js";
import { mayMarkShare, setSharePaid, shareSentence, toastFailure } from "./group-money.js";
import { receiptsSection } from "./receipts.js";

const SPLIT_WAYS = {
  equal: "Split equally",
  exact: "Split by exact amounts",
  percentage: "Split by percentages",
  shares: "Split by shares",
  adjustment: "Split equally, with adjustments",
};

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
    historyCard(ctx, expense, history.data),
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

/** "Mark my share paid", with what it does said right there. */
function myShareAction(ctx, expense, split, render, failed) {
  if (split.is_paid) {
    return h(
      "div",
      { class: "card share-action" },
      h("p", {}, ui.badge("Paid", { kind: "paid" }), ` You marked your ${formatMoney(split.amount, expense.currency)} share paid.`),
      busyButton("Mark unpaid", () => setSharePaid(ctx, expense, split, false, render, failed), { class: "quiet", "aria-label": "Mark my share unpaid" }),
    );
  }
  return h(
    "div",
    { class: "card share-action" },
    h("p", {}, shareSentence(expense, split, ctx)),
    busyButton("Mark my share paid", () => setSharePaid(ctx, expense, split, true, render, failed), { class: "primary" }),
  );
}

function payersCard(ctx, expense) {
  if (expense.payers.length < 2) return null;
  return ui.card(
    "Who paid",
    ui.list(
      expense.payers.map((payer) =>
        ui.listItem({
          title: ctx.memberName(payer.user_id),
          amount: h("span", { class: "amount" }, bothAmounts(payer, expense)),
          badges: ctx.isGuest(payer.user_id) ? [ui.badge("Guest", { kind: "guest" })] : [],
        }),
      ),
    ),
  );
}

/** A payer's or a share's amount, with its original-currency amount first when there is one. */
function bothAmounts(part, expense) {
  const converted = formatMoney(part.amount, expense.currency);
  if (!expense.original_currency || part.original_amount === undefined || part.original_amount === null) return converted;
  return `${formatMoney(part.original_amount, expense.original_currency)} · ${converted}`;
}

function splitDetail(split, expense) {
  if (expense.split_type === "percentage" && split.percentage) return `${split.percentage} %`;
  if (expense.split_type === "shares" && split.shares) return `${split.shares} ${split.shares === "1.00" ? "share" : "shares"}`;
  if (expense.split_type === "adjustment" && split.adjustment && !/^-?0(\.0+)?$/.test(split.adjustment)) {
    return `adjusted by ${formatMoney(split.adjustment, expense.original_currency || expense.currency, { signed: true })}`;
  }
  return null;
}

function splitsCard(ctx, expense, render, failed) {
  const payerIds = expense.payers.map((payer) => payer.user_id);
  return ui.card(
    "Shares",
    h("p", { class: "hint" }, SPLIT_WAYS[expense.split_type] || expense.split_type),
    ui.list(
      expense.splits.map((split) => {
        const name = ctx.memberName(split.user_id);
        // A payer's share is settled by what they paid (for several payers, in the balances):
        // "Not paid yet" would read as a debt.
        const ownPayment = payerIds.includes(split.user_id) && !split.is_paid;
        const badges = [];
        if (ctx.isGuest(split.user_id)) badges.push(ui.badge("Guest", { kind: "guest" }));
        if (ownPayment) badges.push(ui.badge(payerIds.length === 1 ? "Paid the bill" : "Paid part of the bill", { kind: "info" }));
        else if (split.is_paid) badges.push(ui.badge("Paid", { kind: "paid" }));
        else badges.push(ui.badge("Not paid yet", { kind: "warn" }));
        const meta = [splitDetail(split, expense), split.is_paid && split.paid_at && !ownPayment ? `paid ${formatDate(split.paid_at.slice(0, 10))}` : null].filter(Boolean).join(" · ");
        const actions = [];
        // My own share has its own explained action above; others' for a payer, here.
        if (split.user_id !== ctx.me.id && !ownPayment && mayMarkShare(expense, split.user_id, ctx)) {
          actions.push(
            busyButton(split.is_paid ? "Mark unpaid" : "Mark paid", () => setSharePaid(ctx, expense, split, !split.is_paid, render, failed), {
              class: "quiet",
              "aria-label": `${split.is_paid ? "Mark unpaid" : "Mark paid"}: ${name}'s share`,
            }),
          );
        }
        return ui.listItem({
          title: name,
          meta,
          amount: h("span", { class: "amount" }, bothAmounts(split, expense)),
          badges,
          actions,
        });
      }),
    ),
  );
}

function commentsCard(ctx, expense, comments, render, failed) {
  const path = `/groups/${ctx.id}/expenses/${expense.id}/comments`;
  const items = comments.map((comment) => {
    const mayDelete = comment.author_id === ctx.me.id || ctx.isOwner;
    return ui.listItem({
      title: ctx.memberName(comment.author_id),
      meta: h("time", { datetime: comment.created_at, title: formatTimestamp(comment.created_at) }, relative(comment.created_at)),
      badges: [h("p", { class: "comment-body" }, comment.body)],
      actions: mayDelete
        ? [
            busyButton(
              "Delete",
              async () => {
                const yes = await ui.confirmDialog({
                  title: "Delete this comment?",
                  message: "Its text is removed for everyone, from the expense's history too. This cannot be undone.",
                  confirmLabel: "Delete comment",
                  danger: true,
                });
                if (!yes) return;
                try {
                  await api.remove(`${path}/${comment.id}`);
                } catch (error) {
                  // A comment already gone is not the expense gone: say so and redraw.
                  toastFailure(error);
                  await render();
                  return;
                }
                toast("Comment deleted.", "ok");
                await render();
              },
              { class: "quiet danger", "aria-label": `Delete comment by ${ctx.memberName(comment.author_id)}` },
            ),
          ]
        : [],
    });
  });
  const form = h(
    "form",
    { class: "comment-form", novalidate: true },
    field("Add a comment", h("textarea", { name: "body", rows: 2, maxlength: 2000, required: true })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Post comment")),
  );
  onSubmit(form, async (values) => {
    if (!values.body) throw new api.ApiError(422, { detail: "Write something first.", errors: { body: ["Write a comment first."] } });
    try {
      await api.create(path, { body: values.body });
    } catch (error) {
      if (error.status === 404) {
        failed(error);
        return;
      }
      throw error;
    }
    toast("Comment posted.", "ok");
    await render();
  });
  return ui.card(
    "Comments",
    items.length ? ui.list(items) : h("p", { class: "hint" }, "No comments yet."),
    form,
  );
}

/** Which share a split.paid / split.unpaid entry changed: the split whose is_paid differs. */
function changedShare(entry) {
  const before = entry.before?.splits || [];
  const after = entry.after?.splits || [];
  const changed = after.find((split) => before.find((old) => old.user_id === split.user_id)?.is_paid !== split.is_paid);
  return changed?.user_id;
}

/** The fields an update changed, in words: "amount €10.00 → €12.00, description". */
function changes(entry) {
  const before = entry.before || {};
  const after = entry.after || {};
  const words = [];
  if (before.description !== after.description) words.push(`renamed it from “${before.description}” to “${after.description}”`);
  if (before.amount !== after.amount) words.push(`changed the amount from ${formatMoney(before.amount, before.currency)} to ${formatMoney(after.amount, after.currency)}`);
  if (before.date !== after.date) words.push(`moved it from ${formatDate(before.date)} to ${formatDate(after.date)}`);
  if ((before.category || "") !== (after.category || "")) words.push(`set the category to “${after.category || "none"}”`);
  if ((before.notes || "") !== (after.notes || "")) words.push("changed the notes");
  if (JSON.stringify(before.payers) !== JSON.stringify(after.payers)) words.push("changed who paid");
  const shareKeys = (splits) => JSON.stringify((splits || []).map((split) => [split.user_id, split.amount]));
  if (before.split_type !== after.split_type || shareKeys(before.splits) !== shareKeys(after.splits)) words.push("changed the shares");
  return words.length ? words.join(", ") : "edited it";
}

/** One history entry as a sentence. */
export function historyLine(entry, ctx) {
  const who = ctx.memberName(entry.actor_id);
  switch (entry.kind) {
    case "expense.created":
      return `${who} added it (${formatMoney(entry.after?.amount, entry.after?.currency)})`;
    case "expense.updated":
      return `${who} ${changes(entry)}`;
    case "expense.deleted":
      return `${who} deleted it`;
    case "expense.restored":
      return `${who} restored it`;
    case "split.paid":
    case "split.unpaid": {
      const userId = changedShare(entry);
      const share = userId === entry.actor_id ? (userId === ctx.me.id ? "your" : "their") : userId === ctx.me.id ? "your" : `${ctx.memberName(userId)}'s`;
      return `${who} marked ${share} share ${entry.kind === "split.paid" ? "paid" : "unpaid"}`;
    }
    default:
      return `${who}: ${entry.kind.replace(".", " ")}`;
  }
}

function historyCard(ctx, expense, entries) {
  return ui.card(
    "History",
    entries.length
      ? h(
          "ol",
          { class: "history" },
          entries.map((entry) =>
            h(
              "li",
              {},
              h("span", {}, historyLine(entry, ctx)),
              " · ",
              h("time", { datetime: entry.at, title: formatTimestamp(entry.at), class: "meta" }, relative(entry.at)),
            ),
          ),
        )
      : h("p", { class: "hint" }, "No changes recorded."),
  );
}
