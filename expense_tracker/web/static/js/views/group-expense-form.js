// Add or edit a shared expense, and the same form for a recurring bill's template: what,
// how much and in which currency (another than the group's is converted at a rate the
// person sees and may change), who paid (one person or several), how it is split (every
// split type), each person's share shown live before saving and never more precisely than
// can be known, and every failure said once, where it belongs.

import * as api from "../api.js";
import { currencySelect } from "../currencies.js";
import { formatDate, today } from "../dates.js";
import { h, field, mount, options, toast, toastWrite, uid } from "../dom.js";
import { clearErrors, clearFieldError, onSubmit, showErrors } from "../forms.js";
import { amountInput, decimalSeparator, exampleAmount, formatMoney, formatPlain, fromMinor, minorUnits, parseAmount, toMinor } from "../money.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { SPLIT_HINTS, SPLIT_TYPES, formatHundredths, hundredths, parseRate, shareRanges, convert } from "../splits.js";
import { badge, explain, foldout, pageHeader, segmented } from "../ui.js";

const VALUE_LABEL = { exact: "Amount", percentage: "Percent", shares: "Shares", adjustment: "Adjustment" };
const SPLIT_KEY = { exact: "amount", percentage: "percentage", shares: "shares", adjustment: "adjustment" };
// Fields whose change moves money: an edit that touches one of them sends them all, so the
// API recomputes from a whole picture; an edit that touches none (a rename) sends no money.
const MONEY_FIELDS = ["amount", "currency", "exchange_rate", "paid_by", "payers", "split_type", "participants", "splits"];

/** "1.17" -> "1,17" in a comma locale: a rate as the person reads and types it. */
function localRate(text) {
  return decimalSeparator() === "," ? String(text).replace(".", ",") : String(text);
}

/** The rate as the API takes it: "1,17" -> "1.17"; null when it is not a positive number. */
function apiRate(text) {
  const rate = parseRate(text);
  if (!rate) return null;
  return String(text).trim().replace(",", ".");
}

/** The people of a group for the form: current members first, then anyone else named. */
export function peopleOf(members, me, named = []) {
  const byId = new Map(members.map((member) => [member.user_id, member]));
  const current = members.filter((member) => !member.left_at).map((member) => member.user_id);
  const ids = [...current];
  for (const userId of named) if (!ids.includes(userId)) ids.push(userId);
  return ids.map((userId) => {
    const member = byId.get(userId);
    const name = member?.full_name || "Former member";
    return {
      id: userId,
      name: userId === me ? `${name} (you)` : name,
      guest: member?.guest === true,
      former: !current.includes(userId),
    };
  });
}

/** A person's name with their marks ("Guest", "Left the group"), for labels. */
function personLabel(person) {
  return [
    person.name,
    person.guest ? [" ", badge("Guest", { kind: "guest" })] : null,
    person.former ? [" ", badge("Left the group", { kind: "warn" })] : null,
  ];
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
  let currency = group.currency;
  let rateTouched = false;
  let rateRequest = 0;
  let tableRate = null;

  // -- what, how much, in which currency
  const description = h("input", { name: "description", required: true, maxlength: 500, autocomplete: "off" });
  const amount = amountInput({ name: "amount", currency, required: true });
  const currencyControl = currencySelect({ name: "currency", value: currency });
  const rate = h("input", { type: "text", inputmode: "decimal", autocomplete: "off", "data-field": "exchange_rate", class: "short" });
  const rateLabel = h("span", {}, "");
  const rateHint = h("p", { class: "hint", id: uid("rate-hint"), "aria-live": "polite" });
  rate.setAttribute("aria-describedby", rateHint.id);
  rate.id = uid("rate");
  const converted = h("p", { class: "converted", "aria-live": "polite" });
  const rateBox = h(
    "div",
    { class: "rate-box", hidden: true },
    h("div", { class: "field" }, h("label", { for: rate.id }, rateLabel), rate, rateHint),
    converted,
  );
  const date = kind === "expense" ? h("input", { name: "date", type: "date", value: today(), required: true }) : null;
  const category = h("input", { name: "category", maxlength: 50, autocomplete: "off" });
  const notes = h("textarea", { name: "notes", maxlength: 2000, rows: 3 });
  const more = foldout("Category and notes", h("div", { class: "grid" }, field("Category", category), field("Notes", notes)));

  // -- who paid
  let payerMode = "one";
  const payerSwitch = segmented("Who paid", "payer_mode", [["one", "One person"], ["several", "Several people"]], "one", (value) => {
    payerMode = value;
    update();
  });
  // The card's heading says it already; the legend stays for screen readers' group name.
  payerSwitch.querySelector("legend").classList.add("visually-hidden");
  const paidBy = h("select", { name: "paid_by" }, options(current.map((person) => [person.id, person.guest ? `${person.name} (guest)` : person.name]), me));
  const payerRows = current.map((person) => {
    const input = amountInput({ name: "", currency });
    input.removeAttribute("name");
    input.id = uid("payer");
    return { person, input, node: h("div", { class: "field payer-row" }, h("label", { for: input.id }, personLabel(person)), input) };
  });
  const payerStatus = h("p", { class: "status", id: uid("payers-status"), "data-field": "payers", tabindex: "-1", "aria-live": "polite" });
  const oneBox = h("div", {}, field("Paid by", paidBy));
  const severalBox = h("div", { class: "several-payers", hidden: true }, h("p", { class: "hint" }, "What each person paid; leave empty for those who paid nothing."), payerRows.map((row) => row.node), payerStatus);

  // -- the split
  let splitType = "equal";
  const splitSwitch = segmented("How to split", "split_type", SPLIT_TYPES, "equal", (value) => {
    // Each type keeps its own values: shares of 1 and 3 are not adjustments of €1 and €3.
    for (const row of splitRows) {
      row.saved[splitType] = row.value.value;
      row.value.value = row.saved[value] ?? "";
      clearFieldError(row.value);
    }
    splitType = value;
    update();
  });
  const splitHint = h("p", { class: "hint" }, SPLIT_HINTS.equal);
  const splitRows = people.map((person) => {
    const include = h("input", { type: "checkbox", checked: !person.former, id: uid("in") });
    const value = h("input", { type: "text", inputmode: "decimal", autocomplete: "off", id: uid("value"), class: "short" });
    const valueLabel = h("label", { for: value.id, class: "visually-hidden" }, "");
    const owes = h("output", { class: "owes", for: value.id });
    const valueCell = h("div", { class: "split-value" }, valueLabel, value);
    const node = h(
      "li",
      { class: "split-row" },
      h("div", { class: "split-who" }, include, h("label", { for: include.id }, personLabel(person))),
      valueCell,
      owes,
    );
    return { person, include, value, valueLabel, valueCell, owes, node, saved: {} };
  });
  const splitList = h("ul", { class: "split-rows", "data-field": "participants", tabindex: "-1", "aria-label": "People sharing it" }, splitRows.map((row) => row.node));
  const splitStatus = h("p", { class: "status", id: uid("split-status"), "data-field": "splits", tabindex: "-1", "aria-live": "polite" });
  const spareNote = h("p", { class: "hint", hidden: true });

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
      rateBox,
      more,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Who paid"),
      payerSwitch,
      oneBox,
      severalBox,
    ),
    h(
      "section",
      { class: "card split" },
      h("h2", {}, "Split"),
      splitSwitch,
      splitHint,
      splitList,
      splitStatus,
      spareNote,
    ),
  );

  const foreign = () => currency !== group.currency;
  const money = (units, code = currency) => formatMoney(fromMinor(units, code), code);
  const total = () => {
    const text = parseAmount(amount.value, currency);
    return text === null ? null : toMinor(text, currency);
  };

  function entryValue(row) {
    const text = row.value.value.trim();
    if (splitType === "exact") {
      const parsed = text === "" ? null : parseAmount(text, currency);
      return parsed === null ? null : toMinor(parsed, currency);
    }
    if (splitType === "adjustment") {
      if (text === "") return 0n;
      const parsed = parseAmount(text.replace("−", "-"), currency, { signed: true });
      return parsed === null ? null : toMinor(parsed, currency, { signed: true });
    }
    return hundredths(text);
  }

  function conversion() {
    if (!foreign()) return null;
    const parsed = parseRate(rate.value.trim() || (kind === "series" ? tableRate : ""));
    return parsed ? { rate: parsed, sourcePlaces: minorUnits(currency), targetPlaces: minorUnits(group.currency) } : null;
  }

  /** "£60.00 = €70.20 at 1.17", or what is missing for it. */
  function drawConversion(units) {
    if (!foreign()) return;
    rateLabel.textContent = `Exchange rate (${group.currency} for 1 ${currency})`;
    const found = conversion();
    if (!found) {
      if (rate.value.trim()) converted.textContent = `Type the rate as a number, such as 1${decimalSeparator()}17.`;
      else converted.textContent = kind === "series" ? `Converted to ${group.currency} at the rate of each bill's date.` : "";
      return;
    }
    const shown = rate.value.trim() ? localRate(apiRate(rate.value)) : `today's rate ${localRate(tableRate)}`;
    converted.textContent = units === null ? "" : `${money(units)} = ${money(convert(units, found.rate, found.sourcePlaces, found.targetPlaces), group.currency)} at ${shown}`;
  }

  function range(low, high, code) {
    return low === high ? money(low, code) : `${money(low, code)} – ${money(high, code)}`;
  }

  /** Redraw the preview: each included person's share, and what is left to assign. */
  function update() {
    const several = payerMode === "several";
    oneBox.hidden = several;
    severalBox.hidden = !several;
    rateBox.hidden = !foreign();
    splitHint.textContent = SPLIT_HINTS[splitType];
    const units = total();
    drawConversion(units);
    for (const row of splitRows) {
      const equal = splitType === "equal";
      row.value.disabled = !row.include.checked;
      row.valueCell.hidden = equal;
      row.valueLabel.textContent = equal ? "" : `${VALUE_LABEL[splitType]} for ${row.person.name}`;
      // Exact amounts and adjustments are money: forms.js reads and checks them as such.
      const isMoney = splitType === "exact" || splitType === "adjustment";
      row.value.toggleAttribute("data-amount", isMoney);
      row.value.toggleAttribute("data-signed", splitType === "adjustment");
      row.value.dataset.currency = currency;
      // An empty adjustment is none; an example amount there would read as a value.
      row.value.placeholder = splitType === "adjustment" ? "0" : "";
      row.owes.textContent = "";
      row.node.classList.toggle("excluded", !row.include.checked);
    }
    splitList.classList.toggle("equal", splitType === "equal");
    const included = splitRows.filter((row) => row.include.checked);
    const entries = included.map((row) => ({ user_id: row.person.id, value: splitType === "equal" ? null : entryValue(row) }));
    const result = shareRanges(splitType, units, entries, rotationKey, conversion());
    if (result.ranges) {
      for (const row of included) {
        const share = result.ranges.get(row.person.id);
        if (!share) continue;
        let text = `owes ${range(share.low, share.high, currency)}`;
        if (share.convertedLow !== undefined) text += ` (${range(share.convertedLow, share.convertedHigh, group.currency)})`;
        row.owes.textContent = text;
      }
    }
    let status = result.problem || result.hint || "";
    if (result.difference !== undefined && result.difference !== null && result.difference !== 0n) {
      const left = result.difference;
      status = `The amounts are ${money(left < 0n ? -left : left)} ${left > 0n ? "short of" : "over"} the total: ${left > 0n ? "add" : "take off"} ${money(left < 0n ? -left : left)}.`;
    } else if (!status && result.shares) {
      status = "The shares add up to the total.";
    }
    splitStatus.textContent = status;
    splitStatus.classList.toggle("problem", Boolean(result.problem));
    spareNote.hidden = !result.uncertain;
    spareNote.textContent = result.uncertain
      ? "A cent that cannot be split evenly goes to one of the people shown with a range; which one is settled when the expense is saved."
      : "";
    if (several) {
      const paid = payerRows.reduce((sum, row) => {
        const text = parseAmount(row.input.value, currency);
        return sum + (text === null ? 0n : toMinor(text, currency));
      }, 0n);
      const left = units === null ? null : units - paid;
      payerStatus.textContent =
        left === null ? "" : left === 0n ? "The payments add up to the total." : `${money(left < 0n ? -left : left)} ${left > 0n ? "still to assign" : "too much"}.`;
      payerStatus.classList.toggle("problem", left !== null && left !== 0n);
    } else {
      payerStatus.textContent = "";
    }
    return { result, units };
  }

  /** The rate table's rate for the currency and date, unless the person typed their own. */
  async function loadRate() {
    if (!foreign() || rateTouched) return;
    const mine = (rateRequest += 1);
    const day = date?.value || today();
    rateHint.textContent = "Looking up the rate…";
    let found = null;
    let on = null;
    try {
      const answer = await api.get("/exchange-rates", { query: { base: currency, date: day } });
      found = answer.data.rates?.[group.currency] || null;
      on = answer.data.date;
    } catch (error) {
      if (error.status !== 404) {
        if (mine === rateRequest) rateHint.textContent = `The rate could not be looked up: ${explain(error).message} Type the rate yourself.`;
        return;
      }
    }
    if (mine !== rateRequest || rateTouched) return;
    if (kind === "series") {
      // A recurring bill without a rate of its own converts each bill at its date's rate:
      // today's is shown as a guide, not written into the field.
      tableRate = found;
      rateHint.textContent = found
        ? `Leave empty to convert each bill at the rate of its date (today ${localRate(found)}), or type a fixed rate.`
        : `The rate table has no rate for ${currency} to ${group.currency} today: type a fixed rate, or each bill waits until the table has its date's rate.`;
    } else if (found) {
      rate.value = localRate(found);
      rateHint.textContent = `The rate of ${formatDate(on)} from the rate table; you may change it.`;
    } else {
      rate.value = "";
      rateHint.textContent = `No rate for ${currency} to ${group.currency} on or shortly before that date. Type the rate (${group.currency} for 1 ${currency}).`;
    }
    update();
  }

  function setCurrency(code, { fetchRate = true } = {}) {
    currency = code;
    // The full list may not have arrived yet: the code must be selectable meanwhile.
    if (![...currencyControl.options].some((option) => option.value === code)) currencyControl.append(h("option", { value: code }, code));
    currencyControl.value = code;
    for (const input of [amount, ...payerRows.map((row) => row.input), ...splitRows.map((row) => row.value)]) {
      input.dataset.currency = code;
      if (input.hasAttribute("data-amount") && input !== amount && !input.closest(".split-row")) input.placeholder = exampleAmount(code);
    }
    if (!foreign()) {
      rate.value = "";
      rateHint.textContent = "";
    } else if (fetchRate) {
      rateTouched = false;
      rate.value = "";
      loadRate();
    }
    update();
  }

  currencyControl.addEventListener("change", () => setCurrency(currencyControl.value));
  rate.addEventListener("input", () => {
    rateTouched = true;
    rateHint.textContent = rate.value.trim() ? `Your rate: ${group.currency} for 1 ${currency}.` : "Type the rate, or choose the currency again to look it up.";
  });
  date?.addEventListener("change", () => loadRate());
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
    rateTouched = Boolean(data.exchange_rate);
    setCurrency(original, { fetchRate: !data.exchange_rate });
    const total = inOriginal ? data.original_amount : data.amount;
    amount.value = total ? formatPlain(total, original) : "";
    if (data.exchange_rate) {
      rate.value = localRate(data.exchange_rate);
      rateHint.textContent =
        kind === "series"
          ? `The fixed rate of this bill: ${group.currency} for 1 ${original}. Empty it to use the rate of each bill's date.`
          : `The rate this expense was saved with: ${group.currency} for 1 ${original}.`;
    }
    splitType = data.split_type || "equal";
    splitSwitch.querySelector(`input[value="${splitType}"]`).checked = true;
    const payers = data.payers || (data.paid_by ? [{ user_id: data.paid_by }] : []);
    const several = payers.length > 1;
    payerMode = several ? "several" : "one";
    payerSwitch.querySelector(`input[value="${payerMode}"]`).checked = true;
    paidBy.value = String(payers[0]?.user_id ?? data.paid_by ?? defaultPayer);
    // A payer who has left the group is no choice any more: someone else must be picked.
    if (paidBy.value === "") paidBy.value = String(me);
    for (const row of payerRows) {
      const payer = payers.find((p) => p.user_id === row.person.id);
      const value = payer ? (inOriginal ? payer.original_amount : payer.amount) : null;
      row.input.value = several && value ? formatPlain(value, original) : "";
    }
    const splits = data.splits || (data.participants || []).map((userId) => ({ user_id: userId }));
    const everyone = !data.splits && !data.participants;
    for (const row of splitRows) {
      const split = splits.find((s) => s.user_id === row.person.id);
      row.include.checked = everyone ? !row.person.former : Boolean(split);
      let value = "";
      if (split && splitType === "exact") value = formatPlain(inOriginal ? split.original_amount : split.amount, original);
      else if (split && splitType === "adjustment" && split.adjustment !== undefined) value = formatPlain(split.adjustment, original).replace(/^(-?)0+(?=\d)/, "$1");
      else if (split && (splitType === "percentage" || splitType === "shares")) value = localRate(formatHundredths(hundredths(split[splitType]) ?? 0n));
      row.value.value = value;
      row.saved = {};
    }
    update();
  }

  /** Problems the browser can see before asking the API: said once, where they belong. */
  function check() {
    const errors = {};
    const { result, units } = update();
    if (!description.value.trim()) errors.description = ["Say what it was for, such as “Dinner”."];
    if (!amount.value.trim()) errors.amount = [`Enter the amount, such as ${exampleAmount(currency)}.`];
    else if (units !== null && units <= 0n) errors.amount = ["The amount must be more than zero."];
    const included = splitRows.filter((row) => row.include.checked);
    if (foreign() && kind === "expense" && !conversion()) errors.exchange_rate = [`Type the rate: ${group.currency} for 1 ${currency}, such as 1${decimalSeparator()}17.`];
    if (foreign() && kind === "series" && rate.value.trim() && !conversion()) errors.exchange_rate = ["Type the rate as a number, such as 1" + decimalSeparator() + "17, or leave it empty."];
    if (splitType !== "equal") {
      included.forEach((row, index) => {
        if (entryValue(row) === null) {
          row.value.dataset.field = `splits.${index}.${SPLIT_KEY[splitType]}`;
          errors[row.value.dataset.field] = [
            splitType === "exact" || splitType === "adjustment" ? `Enter an amount such as ${exampleAmount(currency)}.` : `Enter a number such as ${localRate("1.5")}.`,
          ];
        }
      });
    }
    if (payerMode === "several") {
      payerRows.forEach((row) => {
        if (row.input.value.trim() && parseAmount(row.input.value, currency) === null) {
          row.input.dataset.field = `payer-${row.person.id}`;
          errors[row.input.dataset.field] = [`Enter an amount such as ${exampleAmount(currency)}.`];
        }
      });
    }
    const problems = Object.keys(errors).length;
    if (!problems && result.problem) markStatus(splitStatus);
    if (!problems && payerMode === "several" && payerStatus.classList.contains("problem")) markStatus(payerStatus);
    if (problems) return errors;
    return result.problem || payerStatus.classList.contains("problem") ? {} : null;
  }

  function markStatus(status, text) {
    if (text) status.textContent = text;
    status.classList.add("problem");
    status.focus();
  }

  /** The request body: a create body (kind "expense") or a template (kind "series"). */
  function body() {
    for (const element of node.querySelectorAll("[data-field^='splits.'], [data-field^='payers.'], [data-field^='payer-']")) delete element.dataset.field;
    const request = {
      description: description.value.trim(),
      amount: parseAmount(amount.value, currency),
      currency,
      category: category.value.trim(),
      notes: notes.value.trim(),
      split_type: splitType,
    };
    if (foreign() && rate.value.trim()) request.exchange_rate = apiRate(rate.value);
    if (date) request.date = date.value;
    if (payerMode === "several") {
      const payers = payerRows.filter((row) => row.input.value.trim() !== "");
      request.payers = payers.map((row, index) => {
        row.input.dataset.field = `payers.${index}.amount`;
        return { user_id: row.person.id, amount: parseAmount(row.input.value, currency) };
      });
    } else {
      request.paid_by = Number(paidBy.value);
    }
    const included = splitRows.filter((row) => row.include.checked);
    if (splitType === "equal") {
      request.participants = included.map((row) => row.person.id);
    } else {
      const key = SPLIT_KEY[splitType];
      request.splits = included.map((row, index) => {
        row.value.dataset.field = `splits.${index}.${key}`;
        row.include.dataset.field = `splits.${index}.user_id`;
        const value = entryValue(row);
        const text = key === "amount" || key === "adjustment" ? fromMinor(value ?? 0n, currency) : formatHundredths(value ?? 0n);
        return { user_id: row.person.id, [key]: text };
      });
    }
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
        const units = toMinor(difference, currency, { signed: true }) ?? 0n;
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
    if (errors.payers) say(payerStatus, "payers");
    if (errors.splits) say(splitStatus, "splits");
    else if (errors.participants) say(splitStatus, "participants");
    return { ...error, status: error.status, message: error.message, errors };
  }

  update();
  return { node, fill, body, check, placeErrors, update, loadRate, people };
}

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
