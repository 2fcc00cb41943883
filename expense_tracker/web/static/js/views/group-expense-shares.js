// The money of one shared expense, on its page: who paid (when several did), every share
// with whether it is paid, and "Mark my share paid" with what it means said first.

import { formatDate } from "../dates.js";
import { h, busyButton } from "../dom.js";
import { formatMoney } from "../money.js";
import * as ui from "../ui.js";
import { mayMarkShare, setSharePaid, shareSentence } from "./group-money.js";

const SPLIT_WAYS = {
  equal: "Split equally",
  exact: "Split by exact amounts",
  percentage: "Split by percentages",
  shares: "Split by shares",
  adjustment: "Split equally, with adjustments",
};

/** "Mark my share paid", with what it does said right there. */
export function myShareAction(ctx, expense, split, render, failed) {
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

export function payersCard(ctx, expense) {
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

export function splitsCard(ctx, expense, render, failed) {
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
