// Add or edit a shared expense: the page around the expense editor
// (group-expense-editor.js, which the recurring bill's form uses too). It loads the group
// and the expense, sends a new expense whole and an edit as only what changed (with
// If-Match), and says what a failed save means.

import * as api from "../api.js";
import { h, mount, toast, toastWrite } from "../dom.js";
import { clearErrors, onSubmit, showErrors } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { explain, pageHeader } from "../ui.js";
import { expenseEditor } from "./group-expense-editor.js";

// The recurring bill's form (group-series.js) takes the editor from here, with saveFailure.
export { expenseEditor };

// Fields whose change moves money: an edit that touches one of them sends them all, so the
// API recomputes from a whole picture; an edit that touches none (a rename) sends no money.
const MONEY_FIELDS = ["amount", "currency", "exchange_rate", "paid_by", "payers", "split_type", "participants", "splits"];

/** What a failed save means, with what to do: 412 and 404 get their own words. */
export function saveFailure(error, { thing, back, reload }) {
  if (error.status === 412) {
    return {
      message: `Someone else changed this ${thing} since you opened it. Reload it to see their version, then make your change again.`,
      extra: [h("button", { type: "button", onclick: reload }, `Reload the ${thing}`)],
    };
  }
  if (error.status === 404) {
    return {
      message: `This ${thing} was deleted, by someone else or in another tab, so your changes could not be saved.`,
      extra: [h("a", { href: back.href, class: "button" }, `Back to ${back.label}`)],
    };
  }
  if (Object.keys(error.errors || {}).length) return { message: error.message, extra: [] };
  const explained = explain(error);
  return { message: `${explained.title}: ${explained.message} ${explained.action || ""}`.trim(), extra: [] };
}

/** Only the fields an edit changed; all money fields together when any of them changed. */
export function changedFields(before, after) {
  const same = (name) => JSON.stringify(before[name]) === JSON.stringify(after[name]);
  const changes = {};
  for (const name of Object.keys(after)) {
    if (!MONEY_FIELDS.includes(name) && !same(name)) changes[name] = after[name];
  }
  const moneyNames = new Set([...Object.keys(before), ...Object.keys(after)].filter((name) => MONEY_FIELDS.includes(name)));
  if ([...moneyNames].some((name) => !same(name))) {
    for (const name of MONEY_FIELDS) if (name in after) changes[name] = after[name];
  }
  return changes;
}

export async function groupExpenseView(node, { id, eid }) {
  const me = session.user().id;
  const [groupAnswer, membersAnswer, expenseAnswer] = await Promise.all([
    api.get(`/groups/${id}`),
    api.get(`/groups/${id}/members`, { query: { include_former: "true" } }),
    eid ? api.get(`/groups/${id}/expenses/${eid}`) : Promise.resolve(null),
  ]);
  const group = groupAnswer.data;
  let expense = expenseAnswer?.data || null;
  let etag = expenseAnswer?.etag || null;
  const named = expense ? [...expense.payers.map((p) => p.user_id), ...expense.splits.map((s) => s.user_id)] : [];
  const editor = expenseEditor({ group, members: membersAnswer.data, me, kind: "expense", rotationKey: expense ? expense.id : null, named });
  const back = expense
    ? { href: `#/groups/${id}/expenses/${eid}`, label: expense.description }
    : { href: `#/groups/${id}`, label: group.name };
  let before = null;

  const form = h(
    "form",
    { novalidate: true, class: "expense-form" },
    editor.node,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, expense ? "Save changes" : "Save expense"),
      h("a", { href: back.href, class: "button quiet" }, "Cancel"),
    ),
  );

  async function reloadExpense() {
    try {
      const answer = await api.get(`/groups/${id}/expenses/${eid}`);
      expense = answer.data;
      etag = answer.etag;
    } catch (error) {
      const failed = saveFailure(error, { thing: "expense", back: { href: `#/groups/${id}`, label: group.name } });
      showErrors(form, { ...error, errors: {}, message: failed.message }, failed.extra);
      return;
    }
    clearErrors(form);
    editor.fill(expense);
    before = editor.body();
    toast("Reloaded: this is the latest version.");
  }

  onSubmit(form, async () => {
    const problems = editor.check();
    if (problems) {
      if (Object.keys(problems).length) showErrors(form, { status: 422, message: "Some values need fixing.", errors: problems });
      return;
    }
    const request = editor.body();
    let answer;
    try {
      if (expense) {
        const changes = changedFields(before, request);
        if (!Object.keys(changes).length) {
          toast("Nothing changed.");
          go(back.href.slice(1));
          return;
        }
        answer = await api.patch(`/groups/${id}/expenses/${eid}`, changes, { etag });
      } else {
        answer = await api.create(`/groups/${id}/expenses`, request);
      }
    } catch (error) {
      if (!("status" in error)) throw error;
      const placed = editor.placeErrors(error);
      const failed = saveFailure(placed, { thing: "expense", back: { href: `#/groups/${id}`, label: group.name }, reload: reloadExpense });
      const hasFields = Object.keys(placed.errors).length;
      const onlyStatus = !hasFields && Object.keys(error.errors || {}).length;
      if (onlyStatus) clearErrors(form);
      else showErrors(form, { ...placed, message: failed.message }, failed.extra);
      return;
    }
    const name = `“${answer.data.description}”`;
    toastWrite(answer, expense ? `Saved changes to ${name}.` : `Added ${name}.`, expense ? `your changes to ${name}` : name);
    go(expense ? `/groups/${id}/expenses/${eid}` : `/groups/${id}`);
  });

  if (expense) {
    editor.fill(expense);
    before = editor.body();
  } else {
    editor.loadRate();
  }
  mount(
    node,
    pageHeader(expense ? "Edit expense" : "Add an expense", { back }),
    group.members.length < 2 && !expense
      ? h("p", { class: "hint" }, "You are the only member so far: invite people from the group's Members tab to share costs with them.")
      : null,
    form,
  );
}
