// A group's money: the Balances tab (who pays whom first, each with "Record payment";
// every member's net; the history of payments), the dialog that records a payment, and
// marking a share paid, which is a payment too and is shown and undone as one.

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, mount, field, options, toast, toastWrite, busyButton } from "../dom.js";
import { onSubmit } from "../forms.js";
import { amountInput, formatMoney } from "../money.js";
import * as ui from "../ui.js";

/** A failure as one toast: what happened and what to do. */
export function toastFailure(error) {
  const { title, message } = ui.explain(error);
  toast([title, message].filter(Boolean).join(" "), "error");
}

/** "Bob", "Alice and Bob", "Alice, Bob and Carol" (names as ctx gives them). */
function names(list) {
  if (list.length <= 1) return list[0] || "";
  return `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
}

/** A member as the object of a sentence: "paid you", "paid Bob". */
function objectName(ctx, userId) {
  return userId === ctx.me.id ? "you" : ctx.memberName(userId);
}

/** The people a share is paid to: the expense's payers other than the share's member. */
function payees(expense, userId, ctx) {
  const others = expense.payers.filter((payer) => payer.user_id !== userId);
  // "paid you and Bob": I am the object of the sentence here, not its subject.
  return names(others.map((payer) => (payer.user_id === ctx.me.id ? "you" : ctx.memberName(payer.user_id))));
}

/** May I mark this member's share paid or unpaid? That member or a payer, not the only payer's own share. */
export function mayMarkShare(expense, userId, ctx) {
  const payerIds = expense.payers.map((payer) => payer.user_id);
  if (payerIds.length === 1 && payerIds[0] === userId) return false;
  return userId === ctx.me.id || payerIds.includes(ctx.me.id);
}

/**
 * What marking a share paid does, in one sentence: "Record that you paid Bob your €12.50
 * share of Dinner" (or, from a payer's side, "Record that Carol paid you her €12.50 share").
 */
export function shareSentence(expense, split, ctx) {
  const amount = formatMoney(split.amount, expense.currency);
  const to = payees(expense, split.user_id, ctx);
  if (split.user_id === ctx.me.id) return `Record that you paid ${to} your ${amount} share of ${expense.description}.`;
  return `Record that ${ctx.memberName(split.user_id)} paid ${to} their ${amount} share of ${expense.description}.`;
}

/**
 * Mark a share paid (after a confirmation that says what it means) or unpaid; the toast
 * offers Undo. `after()` redraws what shows the expense; `onError` says why it failed.
 * Returns true when it changed.
 */
export async function setSharePaid(ctx, expense, split, isPaid, after, onError = toastFailure) {
  const mine = split.user_id === ctx.me.id;
  const who = mine ? "your" : `${ctx.memberName(split.user_id)}'s`;
  if (isPaid) {
    const yes = await ui.confirmDialog({
      title: mine ? "Mark your share paid?" : `Mark ${who} share paid?`,
      message: `${shareSentence(expense, split, ctx)} It counts as a payment and is listed under Balances, with the group's other payments; you can undo it.`,
      confirmLabel: "Mark paid",
    });
    if (!yes) return false;
  } else {
    const yes = await ui.confirmDialog({
      title: mine ? "Mark your share unpaid?" : `Mark ${who} share unpaid?`,
      message: `The payment of ${formatMoney(split.amount, expense.currency)} for ${expense.description} is taken back: the share is owed again.`,
      confirmLabel: "Mark unpaid",
      danger: true,
    });
    if (!yes) return false;
  }
  const path = `/groups/${ctx.id}/expenses/${expense.id}/splits/${split.user_id}`;
  try {
    await api.patch(path, { is_paid: isPaid });
  } catch (error) {
    onError(error);
    return false;
  }
  const shareOf = `${mine ? "Your" : `${ctx.memberName(split.user_id)}'s`} share of ${expense.description}`;
  toast(`${shareOf} is marked ${isPaid ? "paid" : "unpaid"}.`, "ok", {
    action: {
      label: "Undo",
      run: async () => {
        try {
          await api.patch(path, { is_paid: !isPaid });
          toast(`${shareOf} is ${isPaid ? "owed again" : "marked paid again"}.`, "ok");
          await after();
        } catch (error) {
          toastFailure(error);
        }
      },
    },
  });
  await after();
  return true;
}

/**
 * The dialog that records a payment between members, prefilled from a settle-up transfer
 * ({from_user, to_user, amount}) or empty (from me). Owners may record anyone's payment;
 * others one they made or received (the API's rule, said before it answers 403).
 */
export function recordPaymentDialog(ctx, prefill = {}) {
  const currency = ctx.group.currency;
  const people = ctx.members.map((member) => [member.user_id, `${ctx.memberName(member.user_id)}${member.guest ? " (guest)" : ""}`]);
  const firstOther = ctx.members.find((member) => member.user_id !== ctx.me.id);
  const from = prefill.from_user ?? ctx.me.id;
  const to = prefill.to_user ?? firstOther?.user_id;
  ui.openDialog("Record a payment", (close) => {
    const form = h(
      "form",
      { class: "payment-form", novalidate: true },
      h("p", { class: "hint" }, "Money one member gave another outside the app: it moves both balances by exactly this amount."),
      h(
        "div",
        { class: "grid" },
        field("From", h("select", { name: "from_user" }, options(people, from))),
        field("To", h("select", { name: "to_user" }, options(people, to))),
        field(`Amount (${currency})`, amountInput({ name: "amount", value: prefill.amount || "", currency, required: true })),
        field("Date", h("input", { name: "date", type: "date", value: today() })),
      ),
      field("Note", h("input", { name: "note", maxlength: 500, autocomplete: "off" }), "Optional, e.g. “bank transfer”."),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Record payment")),
    );
    onSubmit(form, async (values) => {
      const body = { from_user: Number(values.from_user), to_user: Number(values.to_user), amount: values.amount };
      if (values.date) body.date = values.date;
      if (values.note) body.note = values.note;
      if (body.from_user === body.to_user) {
        throw new api.ApiError(422, { detail: "Choose two different people.", errors: { to_user: ["Choose someone other than who paid."] } });
      }
      if (!ctx.isOwner && body.from_user !== ctx.me.id && body.to_user !== ctx.me.id) {
        throw new api.ApiError(403, {
          detail: "You can record payments you made or received; a payment between two other members is for an owner to record.",
          errors: { from_user: ["Pick yourself as who paid or who received it."] },
        });
      }
      const created = await api.create(`/groups/${ctx.id}/settlements`, body);
      close();
      const text = `${ctx.memberName(body.from_user)} paid ${objectName(ctx, body.to_user)} ${formatMoney(created.data.amount, currency)}`;
      toastWrite(created, `Payment recorded: ${text}.`, `the payment (${text})`, {
        action: {
          label: "Undo",
          run: async () => {
            try {
              await api.remove(`/groups/${ctx.id}/settlements/${created.data.id}`);
              toast("The payment is taken back.", "ok");
              await ctx.reload();
            } catch (error) {
              toastFailure(error);
            }
          },
        },
      });
      await ctx.reload();
    });
    return form;
  });
}

/** Every page of a paginated list, up to `cap` rows (a group's whole history, in practice). */
async function allPages(path, query, cap = 1000) {
  const rows = [];
  let answer = await api.get(path, { query: { ...query, limit: 200 } });
  rows.push(...answer.data);
  while (answer.next && rows.length < cap) {
    answer = await api.get(answer.next);
    rows.push(...answer.data);
  }
  return rows;
}

/**
 * The payment history: recorded payments and shares marked paid, one list, newest first,
 * each labelled with what it is.
 */
export async function paymentHistory(ctx) {
  const [settlements, expenses] = await Promise.all([
    allPages(`/groups/${ctx.id}/settlements`, {}),
    allPages(`/groups/${ctx.id}/expenses/`, {}),
  ]);
  const entries = settlements.map((settlement) => ({
    kind: "payment",
    // A payment's own date first; its recording time orders payments of one day.
    key: `${settlement.date}T${settlement.created_at.slice(11)}`,
    date: settlement.date,
    settlement,
  }));
  for (const expense of expenses) {
    for (const split of expense.splits) {
      if (!split.is_paid || !mayBePaid(expense, split)) continue;
      const at = split.paid_at || expense.updated_at;
      entries.push({ kind: "share", key: at, date: at.slice(0, 10), expense, split });
    }
  }
  entries.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  return entries;
}

/** The only payer's own share is never a debt, so never a payment. */
function mayBePaid(expense, split) {
  return !(expense.payers.length === 1 && expense.payers[0].user_id === split.user_id);
}

function historyItem(ctx, entry) {
  const currency = ctx.group.currency;
  if (entry.kind === "payment") {
    const { settlement } = entry;
    const amount = formatMoney(settlement.amount, settlement.currency);
    const mayDelete = ctx.isOwner || settlement.created_by === ctx.me.id;
    return ui.listItem({
      title: `${ctx.memberName(settlement.from_user)} paid ${objectName(ctx, settlement.to_user)}`,
      meta: [formatDate(settlement.date), settlement.note].filter(Boolean).join(" · "),
      amount: h("span", { class: "amount" }, amount),
      badges: [ui.badge("Payment", { kind: "info" })],
      actions: mayDelete
        ? [busyButton("Delete", () => deletePayment(ctx, settlement), { class: "quiet danger", "aria-label": `Delete payment: ${ctx.memberName(settlement.from_user)} paid ${objectName(ctx, settlement.to_user)} ${amount}` })]
        : [],
    });
  }
  const { expense, split } = entry;
  const amount = formatMoney(split.amount, currency);
  return ui.listItem({
    title: `${ctx.memberName(split.user_id)} paid ${payees(expense, split.user_id, ctx)}`,
    meta: `${formatDate(entry.date)} · share of ${expense.description}`,
    amount: h("span", { class: "amount" }, amount),
    href: `#/groups/${ctx.id}/expenses/${expense.id}`,
    badges: [ui.badge("Share marked paid", { kind: "paid" })],
    actions: mayMarkShare(expense, split.user_id, ctx)
      ? [busyButton("Mark unpaid", () => setSharePaid(ctx, expense, split, false, ctx.reload), { class: "quiet", "aria-label": `Mark unpaid: ${split.user_id === ctx.me.id ? "your" : `${ctx.memberName(split.user_id)}'s`} share of ${expense.description}` })]
      : [],
  });
}

async function deletePayment(ctx, settlement) {
  const text = `${ctx.memberName(settlement.from_user)} paid ${objectName(ctx, settlement.to_user)} ${formatMoney(settlement.amount, settlement.currency)}`;
  const yes = await ui.confirmDialog({
    title: "Delete this payment?",
    message: `${text} on ${formatDate(settlement.date)}. Both balances go back to what they were without it; you can undo this.`,
    confirmLabel: "Delete payment",
    danger: true,
  });
  if (!yes) return;
  try {
    await api.remove(`/groups/${ctx.id}/settlements/${settlement.id}`);
  } catch (error) {
    toastFailure(error);
    return;
  }
  toast(`Payment deleted: ${text}.`, "ok", {
    action: {
      label: "Undo",
      run: async () => {
        try {
          await api.post(`/groups/${ctx.id}/settlements/${settlement.id}/restore`);
          toast("The payment is back.", "ok");
          await ctx.reload();
        } catch (error) {
          toastFailure(error);
        }
      },
    },
  });
  await ctx.reload();
}

export async function balancesTab(panel, ctx) {
  const [balances, plan, history] = await Promise.all([
    api.get(`/groups/${ctx.id}/balances`),
    api.get(`/groups/${ctx.id}/settle-up`),
    paymentHistory(ctx),
  ]);
  const currency = ctx.group.currency;

  const transfers = plan.data.map((transfer) => {
    const allowed = ctx.isOwner || transfer.from_user === ctx.me.id || transfer.to_user === ctx.me.id;
    const text = `${ctx.memberName(transfer.from_user)} ${transfer.from_user === ctx.me.id ? "pay" : "pays"} ${objectName(ctx, transfer.to_user)}`;
    const amount = formatMoney(transfer.amount, transfer.currency);
    return ui.listItem({
      title: text,
      amount: h("span", { class: "amount" }, amount),
      actions: allowed
        ? [h("button", { type: "button", class: "primary", "aria-label": `Record payment: ${text} ${amount}`, onclick: () => recordPaymentDialog(ctx, transfer) }, "Record payment")]
        : [],
    });
  });

  const nets = balances.data.map((row) => {
    const member = ctx.member(row.user_id);
    const mine = row.user_id === ctx.me.id;
    return ui.listItem({
      leading: ui.avatar(mine ? ctx.me.full_name : ctx.memberName(row.user_id)),
      title: ctx.memberName(row.user_id),
      meta: `paid ${formatMoney(row.paid, currency)} · share ${formatMoney(row.owed, currency)}`,
      amount: ui.balance(row.net, row.currency, { who: mine ? "you" : undefined }),
      badges: member?.guest ? [ui.badge("Guest", { kind: "guest" })] : [],
    });
  });

  mount(
    panel,
    ui.card(
      "Who pays whom",
      transfers.length
        ? [h("p", { class: "hint" }, "The fewest payments that settle everyone up."), ui.list(transfers)]
        : ui.emptyState("Everyone is settled up", "Nobody owes anybody in this group."),
    ),
    ui.card("Balances", ui.list(nets)),
    ui.card(
      "Payments",
      history.length
        ? ui.list(history.map((entry) => historyItem(ctx, entry)))
        : ui.emptyState("No payments recorded yet", "Payments you record, and shares marked paid, are listed here."),
    ),
    ui.fab("Record a payment", () => recordPaymentDialog(ctx)),
  );
}
