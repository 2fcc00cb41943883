// A group's money: balances and the settle-up plan (with "record this payment"), recording
// a payment, and the payments recorded so far.

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, field, empty, options, toast, busyButton } from "../dom.js";
import { onSubmit } from "../forms.js";
import { formatMoney } from "../money.js";
import { confirmed } from "./common.js";

function netWords(net, currency) {
  if (/^-?0(\.0+)?$/.test(net)) return "settled up";
  return net.startsWith("-") ? `owes ${formatMoney(net.slice(1), currency)}` : `is owed ${formatMoney(net, currency)}`;
}

export async function balancesCard(id, currency, name, me, owner, reload) {
  const [balances, plan] = await Promise.all([api.get(`/groups/${id}/balances`), api.get(`/groups/${id}/settle-up`)]);
  return h(
    "section",
    { class: "card", "aria-labelledby": "balances-heading" },
    h("h2", { id: "balances-heading" }, "Balances"),
    h(
      "ul",
      { class: "rows balances" },
      balances.data.map((row) =>
        h(
          "li",
          { class: ["row", row.net.startsWith("-") ? "negative" : ""] },
          h("span", { class: "title" }, name(row.user_id)),
          h("span", { class: "amount" }, netWords(row.net, row.currency)),
        ),
      ),
    ),
    h("h3", {}, "Settle up"),
    plan.data.length
      ? h(
          "ul",
          { class: "rows settle-up" },
          plan.data.map((transfer) => {
            const allowed = owner || transfer.from_user === me || transfer.to_user === me;
            const text = `${name(transfer.from_user)} pays ${name(transfer.to_user)} ${formatMoney(transfer.amount, transfer.currency)}`;
            return h(
              "li",
              { class: "row" },
              h("span", { class: "title" }, text),
              allowed
                ? busyButton("Record this payment", async () => {
                    try {
                      await api.create(`/groups/${id}/settlements`, {
                        from_user: transfer.from_user,
                        to_user: transfer.to_user,
                        amount: transfer.amount,
                      });
                      await reload();
                      toast(`Recorded: ${text}.`);
                    } catch (error) {
                      toast(error.message, "error");
                    }
                  }, { "aria-label": `Record this payment: ${text}` })
                : null,
            );
          }),
        )
      : empty("Everyone is settled up."),
  );
}

export function settlementForm(id, group, me, reload) {
  const others = group.members.filter((member) => member.user_id !== me);
  if (!others.length) return null;
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "pay-heading" },
    h("h2", { id: "pay-heading" }, "Record a payment you made"),
    h(
      "div",
      { class: "grid" },
      field("To", h("select", { name: "to_user" }, options(others.map((member) => [member.user_id, member.full_name])))),
      field("Amount", h("input", { name: "amount", inputmode: "decimal", autocomplete: "off" }), `In ${group.currency}.`),
      field("Date", h("input", { name: "date", type: "date" })),
      field("Note", h("input", { name: "note", maxlength: 500, autocomplete: "off" })),
    ),
    h("button", { type: "submit", class: "primary" }, "Record payment"),
  );
  onSubmit(form, async (values) => {
    const body = { ...values, to_user: Number(values.to_user) };
    if (!body.date) delete body.date;
    if (!body.note) delete body.note;
    await api.create(`/groups/${id}/settlements`, body);
    await reload();
    toast("Payment recorded.");
  });
  return form;
}

export async function settlementsCard(id, currency, name, me, owner, reload) {
  const answer = await api.get(`/groups/${id}/settlements`, { query: { limit: 50 } });
  return h(
    "section",
    { class: "card", "aria-labelledby": "settlements-heading" },
    h("h2", { id: "settlements-heading" }, "Payments between members"),
    answer.data.length
      ? h(
          "ul",
          { class: "rows" },
          answer.data.map((settlement) =>
            h(
              "li",
              { class: "row" },
              h(
                "div",
                { class: "row-main" },
                h("span", { class: "title" }, `${name(settlement.from_user)} paid ${name(settlement.to_user)}`),
                h("span", { class: "meta" }, formatDate(settlement.date), settlement.note ? ` · ${settlement.note}` : ""),
              ),
              h("span", { class: "amount" }, formatMoney(settlement.amount, settlement.currency)),
              owner || settlement.created_by === me
                ? busyButton("Delete", async () => {
                    if (!confirmed("Delete this payment? Balances go back to what they were.")) return;
                    try {
                      await api.remove(`/groups/${id}/settlements/${settlement.id}`);
                      await reload();
                    } catch (error) {
                      toast(error.message, "error");
                    }
                  }, { class: "danger", "aria-label": `Delete payment of ${formatMoney(settlement.amount, settlement.currency)}` })
                : null,
            ),
          ),
        )
      : empty("No payments recorded yet."),
    answer.total > answer.data.length ? h("p", { class: "meta" }, `The latest ${answer.data.length} of ${answer.total}.`) : null,
  );
}
