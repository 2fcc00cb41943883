// #/trash: what was deleted and can come back. Per group I belong to, its deleted expenses
// and payments (whoever may delete one may restore it); then the groups I own that were
// deleted, restorable for 30 days.

import * as api from "../api.js";
import { formatDate, formatTimestamp } from "../dates.js";
import { h, mount, toast } from "../dom.js";
import { expenseAmount } from "../describe.js";
import { formatMoney } from "../money.js";
import { card, emptyState, explain, failure, list, listItem, pageHeader } from "../ui.js";
import { myGroups, peopleBook, when } from "./activity.js";
import * as session from "../session.js";

const RESTORABLE_DAYS = 30;

/** Every page of a list. */
async function all(path, query) {
  const rows = [];
  let answer = await api.get(path, { query: { limit: 200, ...query } });
  rows.push(...answer.data);
  while (answer.next) {
    answer = await api.get(answer.next);
    rows.push(...answer.data);
  }
  return rows;
}

/** The last moment a deleted group can be restored. */
function restorableUntil(deletedAt) {
  return new Date(new Date(deletedAt).getTime() + RESTORABLE_DAYS * 24 * 3600 * 1000).toISOString();
}

/** The words for a failed restore: what happened and what to do, kept on the page. */
function restoreFailure(error, what) {
  if (error.status === 409) {
    return {
      title: `${what} cannot be restored`,
      message:
        "It involves someone who is no longer a member of the group, so it can no longer change. " +
        "Add it again as a new entry with the current members if it still matters.",
    };
  }
  if (error.status === 404) {
    return {
      title: `${what} is no longer in the trash`,
      message: "Someone restored it already, or it can no longer be restored. Reload the page to see what is left.",
    };
  }
  if (error.status === 403) {
    return {
      title: `You cannot restore ${what.toLowerCase()}`,
      message: "Only the person who added it, a payer or an owner of the group can restore it. Ask one of them.",
    };
  }
  return explain(error);
}

/** A Restore button that restores, re-draws the page and offers to undo. */
function restoreButton(label, name, { restore, undo, redraw, alertBox, what }) {
  const button = h("button", { type: "button", "aria-label": `${label} ${name}` }, label);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    alertBox.replaceChildren();
    try {
      await restore();
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      button.disabled = false;
      const { title, message } = restoreFailure(error, what);
      mount(alertBox, h("div", { class: "form-alert", role: "alert" }, h("p", {}, h("strong", {}, title)), h("p", {}, message)));
      return;
    }
    await redraw();
    toast(`Restored ${name}.`, "ok", {
      action: {
        label: "Undo",
        run: async () => {
          try {
            await undo();
            await redraw();
            toast(`${name} is back in the trash.`, "ok");
          } catch (error) {
            if (!(error instanceof api.ApiError)) throw error;
            const { title, message } = explain(error);
            toast(`${title} ${message}`, "error");
          }
        },
      },
    });
  });
  return button;
}

function deletedBy(nameOf, item) {
  const who = item.deleted_by ? nameOf(item.deleted_by) : "Someone";
  return h("span", {}, `Deleted by ${who === "You" ? "you" : who} · `, when(item.deleted_at));
}

async function groupSection(group, me, people, redraw) {
  const [expenses, payments] = await Promise.all([
    all(`/groups/${group.id}/expenses/`, { deleted: "only" }),
    all(`/groups/${group.id}/settlements`, { deleted: "only" }),
  ]);
  if (!expenses.length && !payments.length) return null;
  await people.load([group.id]);
  const nameOf = people.nameOf(group.id);
  const owner = (group.members || []).some((member) => member.user_id === me && member.role === "owner");
  const alertBox = h("div", { class: "card-alert" });
  const base = `/groups/${group.id}`;

  const expenseRows = expenses.map((expense) => {
    const mayRestore =
      owner || expense.created_by === me || (expense.payers || []).some((payer) => payer.user_id === me);
    return listItem({
      title: expense.description,
      meta: [deletedBy(nameOf, expense), ` · dated ${formatDate(expense.date)}`],
      amount: h("span", { class: "amount" }, expenseAmount(expense)),
      actions: mayRestore
        ? [
            restoreButton("Restore", expense.description, {
              what: "This expense",
              alertBox,
              redraw,
              restore: () => api.post(`${base}/expenses/${expense.id}/restore`),
              undo: () => api.remove(`${base}/expenses/${expense.id}`),
            }),
          ]
        : [h("span", { class: "hint" }, "Its creator, a payer or an owner can restore it")],
    });
  });
  const paymentRows = payments.map((payment) => {
    const mayRestore = owner || payment.created_by === me;
    const from = nameOf(payment.from_user);
    const to = nameOf(payment.to_user);
    const name = `payment from ${from} to ${to}`;
    return listItem({
      title: `${from} paid ${to === "You" ? "you" : to}`,
      meta: [deletedBy(nameOf, payment), ` · dated ${formatDate(payment.date)}`],
      amount: h("span", { class: "amount" }, formatMoney(payment.amount, payment.currency)),
      actions: mayRestore
        ? [
            restoreButton("Restore", name, {
              what: "This payment",
              alertBox,
              redraw,
              restore: () => api.post(`${base}/settlements/${payment.id}/restore`),
              undo: () => api.remove(`${base}/settlements/${payment.id}`),
            }),
          ]
        : [h("span", { class: "hint" }, "Whoever recorded it or an owner can restore it")],
    });
  });

  return card(
    group.name,
    alertBox,
    expenseRows.length ? [h("h3", {}, "Expenses"), list(expenseRows)] : null,
    paymentRows.length ? [h("h3", {}, "Payments"), list(paymentRows)] : null,
    h("p", {}, h("a", { href: `#/groups/${group.id}` }, `Open ${group.name}`)),
  );
}

function deletedGroupsSection(groups, redraw) {
  if (!groups.length) return null;
  const alertBox = h("div", { class: "card-alert" });
  return card(
    "Deleted groups",
    h("p", {}, `A deleted group can be restored by its owners for ${RESTORABLE_DAYS} days, then it is gone.`),
    alertBox,
    list(
      groups.map((group) => {
        const until = group.restorable_until || restorableUntil(group.deleted_at);
        return listItem({
          title: group.name,
          meta: [
            h("span", {}, "Deleted · ", when(group.deleted_at)),
            " · ",
            h("span", {}, "restorable until ", h("time", { datetime: until }, formatTimestamp(until))),
          ],
          actions: [
            restoreButton("Restore", group.name, {
              what: "This group",
              alertBox,
              redraw,
              restore: () => api.post(`/groups/${group.id}/restore`),
              undo: () => api.remove(`/groups/${group.id}`),
            }),
          ],
        });
      }),
    ),
  );
}

export async function trashView(node) {
  const me = session.user()?.id;
  const redraw = () => trashView(node);
  const [groups, deletedGroups] = await Promise.all([myGroups(), myGroups({ deleted: "only" })]);
  const people = peopleBook();
  const sections = [];
  const problems = [];
  // One group's failure (it was deleted meanwhile, say) must not hide the others'.
  const built = await Promise.all(
    groups.map((group) =>
      groupSection(group, me, people, redraw).catch((error) => {
        if (!(error instanceof api.ApiError)) throw error;
        problems.push(failure(error));
        return null;
      }),
    ),
  );
  sections.push(...built.filter(Boolean));
  const groupsCard = deletedGroupsSection(deletedGroups, redraw);

  mount(
    node,
    pageHeader("Trash", { back: { href: "#/account", label: "Account" } }),
    h(
      "p",
      { class: "lead" },
      "Deleted expenses and payments wait here until someone restores them; restoring puts them back in the balances exactly as before.",
    ),
    problems,
    sections.length || groupsCard
      ? [...sections, groupsCard]
      : emptyState("The trash is empty", "Expenses, payments and groups that are deleted show up here, so they can be restored."),
  );
}
