// The fields of a shared expense, for the expense form and for a recurring bill's template:
// what, how much and in which currency (another than the group's is converted at a rate the
// person sees and may change: group-expense-rate.js), who paid (one person or several:
// group-expense-payers.js), how it is split (every split type, each person's share shown
// live: group-expense-split.js). This module keeps the parts in step: one redraw, one check
// that says every failure once, where it belongs, and one request body.

import { currencySelect } from "../currencies.js";
import { today } from "../dates.js";
import { h, field } from "../dom.js";
import { amountInput, exampleAmount, formatMoney, formatPlain, fromMinor, parseAmount, toMinor } from "../money.js";
import { foldout } from "../ui.js";
import { payersEditor } from "./group-expense-payers.js";
import { peopleOf } from "./group-expense-people.js";
import { rateEditor } from "./group-expense-rate.js";
import { splitEditor } from "./group-expense-split.js";

/** Say a status line's problem and move there (its text replaced when one is given). */
function markStatus(status, text) {
  if (text) status.textContent = text;
  status.classList.add("problem");
  status.focus();
}

/**
 * The expense's fields inside `form`. kind "expense" has a date; kind "series" (a recurring
 * bill's template) has none and its rate may stay empty (each date's rate is then used).
 * rotationKey: the expense id when editing (its spare cent is known), else null.
 * -> {node, fill(data), body() -> request, check() -> errors | null, placeErrors(error)}
 */
export function expenseEditor({ group, members, me, kind = "expense", rotationKey = null, named = [] }) {
  const people = peopleOf(members, me, named);
  const current = people.filter((person) => !person.former);
  // The expense's currency, which every part reads: changed by setCurrency only.
  const state = { currency: group.currency };
  const money = (units, code = state.currency) => formatMoney(fromMinor(units, code), code);
  const redraw = () => update();

  // -- what, how much, in which currency
  const description = h("input", { name: "description", required: true, maxlength: 500, autocomplete: "off" });
  const amount = amountInput({ name: "amount", currency: state.currency, required: true });
  const currencyControl = currencySelect({ name: "currency", value: state.currency });
  const date = kind === "expense" ? h("input", { name: "date", type: "date", value: today(), required: true }) : null;
  const rates = rateEditor({ group, kind, state, date, money, onChange: redraw });
  const category = h("input", { name: "category", maxlength: 50, autocomplete: "off" });
  const notes = h("textarea", { name: "notes", maxlength: 2000, rows: 3 });
  const more = foldout("Category and notes", h("div", { class: "grid" }, field("Category", category), field("Notes", notes)));

  const payers = payersEditor({ people: current, me, state, money, onChange: redraw });
  const split = splitEditor({ people, rotationKey, group, state, money, onChange: redraw });

  const node = h(
    "div",
    { class: "expense-editor" },
    h(
      "section",
      { class: "card" },
      h("h2", {}, kind === "series" ? "The bill" : "The expense"),
      h(
        "div",
        { class: "grid" },
        field("Description", description),
        field("Amount", amount),
        field("Currency", currencyControl),
        date ? field("Date", date) : null,
      ),
      rates.node,
      more,
    ),
    payers.node,
    split.node,
  );

  const total = () => {
    const text = parseAmount(amount.value, state.currency);
    return text === null ? null : toMinor(text, state.currency);
  };

  /** Redraw the conversion, each included person's share and what is left to assign. */
  function update() {
    const units = total();
    rates.draw(units);
    const result = split.update(units, rates.conversion());
    payers.update(units);
    return { result, units };
  }

  function setCurrency(code, { fetchRate = true } = {}) {
    state.currency = code;
    // The full list may not have arrived yet: the code must be selectable meanwhile.
    if (![...currencyControl.options].some((option) => option.value === code)) currencyControl.append(h("option", { value: code }, code));
    currencyControl.value = code;
    amount.dataset.currency = code;
    payers.setCurrency(code);
    split.setCurrency(code);
    rates.currencyChanged({ fetchRate });
    update();
  }

  currencyControl.addEventListener("change", () => setCurrency(currencyControl.value));
  node.addEventListener("input", update);
  node.addEventListener("change", update);

  /**
   * Put an expense (or a series' template) into the form, in its ORIGINAL currency.
   * defaultPayer: who pays when a template names nobody (the series' creator).
   */
  function fill(data, { defaultPayer = me } = {}) {
    const original = data.original_currency || data.currency || group.currency;
    const inOriginal = Boolean(data.original_currency);
    description.value = data.description ?? "";
    category.value = data.category ?? "";
    notes.value = data.notes ?? "";
    more.open = Boolean(data.category || data.notes);
    if (date && data.date) date.value = data.date;
    setCurrency(original, { fetchRate: !data.exchange_rate });
    const sum = inOriginal ? data.original_amount : data.amount;
    amount.value = sum ? formatPlain(sum, original) : "";
    rates.fill(data, original);
    split.fill(data, { original, inOriginal });
    payers.fill(data, { original, inOriginal, defaultPayer });
    update();
  }

  /** Problems the browser can see before asking the API: said once, where they belong. */
  function check() {
    const errors = {};
    const { result, units } = update();
    if (!description.value.trim()) errors.description = ["Say what it was for, such as “Dinner”."];
    if (!amount.value.trim()) errors.amount = [`Enter the amount, such as ${exampleAmount(state.currency)}.`];
    else if (units !== null && units <= 0n) errors.amount = ["The amount must be more than zero."];
    rates.check(errors);
    split.check(errors);
    payers.check(errors);
    const problems = Object.keys(errors).length;
    const payersWrong = payers.status.classList.contains("problem");
    if (!problems && result.problem) markStatus(split.status);
    if (!problems && payers.several() && payersWrong) markStatus(payers.status);
    if (problems) return errors;
    return result.problem || payersWrong ? {} : null;
  }

  /** The request body: a create body (kind "expense") or a template (kind "series"). */
  function body() {
    for (const element of node.querySelectorAll("[data-field^='splits.'], [data-field^='payers.'], [data-field^='payer-']")) delete element.dataset.field;
    const request = {
      description: description.value.trim(),
      amount: parseAmount(amount.value, state.currency),
      currency: state.currency,
      category: category.value.trim(),
      notes: notes.value.trim(),
      split_type: split.type(),
    };
    rates.body(request);
    if (date) request.date = date.value;
    payers.body(request);
    split.body(request);
    return request;
  }

  /**
   * An API error's split and payer problems go into the live status lines (said once, and
   * redrawn away as soon as the person changes the split); the rest stays for showErrors.
   */
  function placeErrors(error) {
    const errors = { ...(error.errors || {}) };
    const difference = error.difference;
    const say = (status, key) => {
      let text = [].concat(errors[key]).join(" ");
      if (difference) {
        const units = toMinor(difference, state.currency, { signed: true }) ?? 0n;
        const size = money(units < 0n ? -units : units);
        text = `${text} The difference is ${size} (${units < 0n ? "over" : "short of"} the total).`;
      }
      delete errors[key];
      markStatus(status, text);
    };
    for (const key of Object.keys(errors)) {
      const bare = key.replace(/^template\./, "");
      if (bare !== key) {
        errors[bare] = errors[key];
        delete errors[key];
      }
    }
    if (errors.payers) say(payers.status, "payers");
    if (errors.splits) say(split.status, "splits");
    else if (errors.participants) say(split.status, "participants");
    return { ...error, status: error.status, message: error.message, errors };
  }

  update();
  return { node, fill, body, check, placeErrors, update, loadRate: rates.load, people };
}
