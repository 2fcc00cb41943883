// Add or edit a shared expense: who paid (one person or several), how it is split (every
// split type), the shares each person will owe shown live before saving, and the exact
// `difference` the API reports when amounts do not add up.

import * as api from "../api.js";
import { today } from "../dates.js";
import { h, field, mount, options, toast, uid } from "../dom.js";
import { clearErrors, onSubmit, showErrors } from "../forms.js";
import { formatMoney, fromMinor, toMinor, absMinor } from "../money.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { SPLIT_TYPES, hundredths, preview } from "../splits.js";
import { confirmed, namesOf } from "./common.js";

const VALUE_LABEL = { exact: "Amount", percentage: "Percent", shares: "Shares", adjustment: "Adjustment (+/-)" };

export async function groupExpenseView(node, { id, eid }) {
  const me = session.user().id;
  const [groupAnswer, membersAnswer, expenseAnswer] = await Promise.all([
    api.get(`/groups/${id}`),
    api.get(`/groups/${id}/members`, { query: { include_former: "true" } }),
    eid ? api.get(`/groups/${id}/expenses/${eid}`) : Promise.resolve(null),
  ]);
  const group = groupAnswer.data;
  const currency = group.currency;
  const name = namesOf(membersAnswer.data, me);
  let expense = expenseAnswer?.data || null;
  let etag = expenseAnswer?.etag || null;
  const people = group.members.map((member) => member.user_id);
  for (const split of expense?.splits || []) if (!people.includes(split.user_id)) people.push(split.user_id);
  for (const payer of expense?.payers || []) if (!people.includes(payer.user_id)) people.push(payer.user_id);
  people.sort((a, b) => a - b);

  // -- who paid
  const payerMode = h("select", { name: "payer_mode" }, options([["one", "One person paid"], ["several", "Several people paid"]], "one"));
  const paidBy = h("select", { name: "paid_by" }, options(people.map((person) => [person, name(person)]), me));
  const payerRows = people.map((person) => {
    const input = h("input", { inputmode: "decimal", autocomplete: "off", id: uid("payer"), class: "short" });
    return { person, input, node: h("div", { class: "cell" }, h("label", { for: input.id }, name(person)), input) };
  });
  const payerStatus = h("p", { class: "status", "data-field": "payers", tabindex: "-1" });
  const severalBox = h("div", { class: "several-payers", hidden: true }, h("p", { class: "hint" }, "What each person paid; leave empty for those who paid nothing."), payerRows.map((row) => row.node), payerStatus);
  const oneBox = h("div", {}, field("Paid by", paidBy));

  // -- the split
  const splitType = h("select", { name: "split_type" }, options(SPLIT_TYPES, "equal"));
  const splitRows = people.map((person) => {
    const include = h("input", { type: "checkbox", checked: group.members.some((m) => m.user_id === person), id: uid("in") });
    const value = h("input", { inputmode: "decimal", autocomplete: "off", id: uid("value"), class: "short" });
    const valueLabel = h("label", { for: value.id, class: "value-label" }, "");
    const owes = h("output", { class: "owes", for: value.id });
    const node = h(
      "div",
      { class: "split-row" },
      h("div", { class: "cell checkbox" }, include, h("label", { for: include.id }, name(person))),
      h("div", { class: "cell value" }, valueLabel, value),
      owes,
    );
    return { person, include, value, valueLabel, owes, node };
  });
  const splitStatus = h("p", { class: "status", "data-field": "splits", tabindex: "-1", "aria-live": "polite" });
  const previewNote = h("p", { class: "hint" });

  const form = h(
    "form",
    { class: "card", novalidate: true, id: "group-expense-form" },
    h(
      "div",
      { class: "grid" },
      field("Description", h("input", { name: "description", required: true, maxlength: 500, autocomplete: "off" })),
      field("Amount", h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", required: true }), `In ${currency}.`),
      field("Date", h("input", { name: "date", type: "date", value: today() })),
      field("Category", h("input", { name: "category", maxlength: 50, autocomplete: "off" })),
    ),
    h("fieldset", {}, h("legend", {}, "Who paid"), field("Payment", payerMode), oneBox, severalBox),
    h(
      "fieldset",
      { class: "split" },
      h("legend", {}, "Split between"),
      field("How", splitType),
      h("div", { class: "split-rows", "data-field": "participants", tabindex: "-1" }, splitRows.map((row) => row.node)),
      splitStatus,
      previewNote,
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, expense ? "Save changes" : "Save expense"),
      h("a", { href: `#/groups/${id}`, class: "button" }, "Cancel"),
      expense ? h("button", { type: "button", class: "danger", onclick: () => removeExpense() }, "Delete expense") : null,
    ),
  );

  function total() {
    return toMinor(form.elements.amount.value, currency);
  }

  function entryValue(row, type) {
    const text = row.value.value.trim();
    if (type === "exact") return toMinor(text, currency);
    if (type === "adjustment") return text === "" ? 0n : toMinor(text, currency, { signed: true });
    return hundredths(text);
  }

  /** Redraw the preview: each included person's share, and what is left to assign. */
  function update() {
    const type = splitType.value;
    const several = payerMode.value === "several";
    oneBox.hidden = several;
    severalBox.hidden = !several;
    const amount = total();
    for (const row of splitRows) {
      row.value.disabled = !row.include.checked;
      row.value.hidden = type === "equal";
      row.valueLabel.hidden = type === "equal";
      row.valueLabel.textContent = `${VALUE_LABEL[type] || ""} for ${name(row.person)}`;
      row.valueLabel.classList.add("visually-hidden");
      row.value.placeholder = VALUE_LABEL[type] || "";
      row.owes.textContent = "";
    }
    const included = splitRows.filter((row) => row.include.checked);
    const result = preview(type, amount, included.map((row) => ({ user_id: row.person, value: type === "equal" ? null : entryValue(row, type) })), eid ? Number(eid) : 0);
    if (result.shares) {
      for (const row of included) {
        const share = result.shares.get(row.person);
        row.owes.textContent = share === undefined ? "" : `owes ${formatMoney(fromMinor(share, currency), currency)}`;
      }
    }
    let status = result.problem || result.hint || "";
    if (result.difference !== undefined && result.difference !== null && result.difference !== 0n) {
      const words = result.difference > 0n ? "short of" : "over";
      status = `The amounts are ${formatMoney(fromMinor(absMinor(result.difference), currency), currency)} ${words} the total (difference ${fromMinor(result.difference, currency)}).`;
    } else if (!status && result.shares) {
      status = "The shares add up to the total.";
    }
    splitStatus.textContent = status;
    splitStatus.classList.toggle("problem", Boolean(result.problem));
    previewNote.textContent = !eid && type !== "exact" ? "A spare cent that cannot be split evenly may land on someone else when saved." : "";
    if (several && amount !== null) {
      const paid = payerRows.reduce((sum, row) => sum + (toMinor(row.input.value, currency) ?? 0n), 0n);
      const left = amount - paid;
      payerStatus.textContent = left === 0n ? "The payments add up to the total." : `${formatMoney(fromMinor(absMinor(left), currency), currency)} ${left > 0n ? "still to assign" : "too much"} (difference ${fromMinor(left, currency)}).`;
    } else {
      payerStatus.textContent = "";
    }
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);

  function fill(data) {
    for (const key of ["description", "amount", "date", "category"]) form.elements[key].value = data[key] ?? "";
    splitType.value = data.split_type;
    const several = data.payers.length > 1;
    payerMode.value = several ? "several" : "one";
    paidBy.value = String(data.payers[0]?.user_id ?? me);
    for (const row of payerRows) {
      const payer = data.payers.find((p) => p.user_id === row.person);
      row.input.value = several && payer ? payer.amount : "";
    }
    for (const row of splitRows) {
      const split = data.splits.find((s) => s.user_id === row.person);
      row.include.checked = Boolean(split);
      const value = split ? { exact: split.amount, percentage: split.percentage, shares: split.shares, adjustment: split.adjustment }[data.split_type] : "";
      row.value.value = value ?? "";
    }
    update();
  }

  function body(values) {
    for (const element of form.querySelectorAll("[data-field^='splits.'], [data-field^='payers.']")) delete element.dataset.field;
    const request = {
      description: values.description,
      amount: values.amount,
      category: values.category,
      split_type: splitType.value,
    };
    if (values.date) request.date = values.date;
    if (payerMode.value === "several") {
      const payers = payerRows.filter((row) => row.input.value.trim() !== "");
      request.payers = payers.map((row, index) => {
        row.input.dataset.field = `payers.${index}.amount`;
        return { user_id: row.person, amount: row.input.value.trim() };
      });
    } else {
      request.paid_by = Number(paidBy.value);
    }
    const included = splitRows.filter((row) => row.include.checked);
    if (splitType.value === "equal") {
      request.participants = included.map((row) => row.person);
    } else {
      const key = splitType.value === "exact" ? "amount" : splitType.value;
      request.splits = included.map((row, index) => {
        row.value.dataset.field = `splits.${index}.${key}`;
        row.include.dataset.field = `splits.${index}.user_id`;
        const text = row.value.value.trim();
        return { user_id: row.person, [key]: text === "" && key === "adjustment" ? "0" : text };
      });
    }
    return request;
  }

  /** The API's `difference` goes next to the field it concerns, exactly as sent. */
  function withDifference(error) {
    if (error.difference === null) return error;
    const key = error.errors.payers ? "payers" : "splits";
    const amount = formatMoney(error.difference.replace(/^-/, ""), currency);
    error.errors = { ...error.errors, [key]: [...[].concat(error.errors[key] || []), `Difference: ${error.difference} (${amount} ${error.difference.startsWith("-") ? "over" : "short"}).`] };
    return error;
  }

  async function reloadExpense() {
    const answer = await api.get(`/groups/${id}/expenses/${eid}`);
    expense = answer.data;
    etag = answer.etag;
    clearErrors(form);
    fill(expense);
    toast("Reloaded: this is the latest version.");
  }

  async function removeExpense() {
    if (!confirmed(`Delete "${expense.description}"? Balances change accordingly.`)) return;
    try {
      await api.remove(`/groups/${id}/expenses/${eid}`, { etag });
      toast("Expense deleted.");
      go(`/groups/${id}`);
    } catch (error) {
      if (error.status === 412) error.message = "Someone else changed this expense since you opened it. Reload it before deleting.";
      showErrors(form, error, error.status === 412 ? [h("button", { type: "button", onclick: reloadExpense }, "Reload the expense")] : []);
    }
  }

  onSubmit(form, async (values) => {
    const request = body(values);
    try {
      if (expense) await api.patch(`/groups/${id}/expenses/${eid}`, request, { etag });
      else await api.create(`/groups/${id}/expenses`, request);
    } catch (error) {
      if (error.status === 412) {
        error.message = "Someone else changed this expense since you opened it. Reload it to see their version, then make your change again.";
        showErrors(form, error, [h("button", { type: "button", onclick: reloadExpense }, "Reload the expense")]);
        return;
      }
      throw withDifference(error);
    }
    toast(expense ? "Changes saved." : "Expense saved.");
    go(`/groups/${id}`);
  });

  if (expense) fill(expense);
  else update();
  mount(
    node,
    h("p", {}, h("a", { href: `#/groups/${id}` }, `← ${group.name}`)),
    h("h1", {}, expense ? "Edit shared expense" : "New shared expense"),
    form,
  );
}
