// How a group expense is split: the split type (equal, exact, percentage, shares,
// adjustment), who shares it and their values, and each person's share shown live, by the
// API's own rules (splits.js), never more precisely than can be known before saving.

import { h, uid } from "../dom.js";
import { clearFieldError } from "../forms.js";
import { exampleAmount, formatPlain, fromMinor, parseAmount, toMinor } from "../money.js";
import { SPLIT_HINTS, SPLIT_TYPES, formatHundredths, hundredths, shareRanges } from "../splits.js";
import { segmented } from "../ui.js";
import { personLabel } from "./group-expense-people.js";
import { localRate } from "./group-expense-rate.js";

const VALUE_LABEL = { exact: "Amount", percentage: "Percent", shares: "Shares", adjustment: "Adjustment" };
const SPLIT_KEY = { exact: "amount", percentage: "percentage", shares: "shares", adjustment: "adjustment" };

/**
 * The "Split" card. people: everyone the expense may name (former members unticked);
 * rotationKey: the expense id when editing (its spare cent is known), else null;
 * state.currency: the expense's currency; money(units, code): an amount as text.
 */
export function splitEditor({ people, rotationKey, group, state, money, onChange }) {
  let type = "equal";
  const typeSwitch = segmented("How to split", "split_type", SPLIT_TYPES, "equal", (value) => {
    // Each type keeps its own values: shares of 1 and 3 are not adjustments of €1 and €3.
    for (const row of rows) {
      row.saved[type] = row.value.value;
      row.value.value = row.saved[value] ?? "";
      clearFieldError(row.value);
    }
    type = value;
    onChange();
  });
  const hint = h("p", { class: "hint" }, SPLIT_HINTS.equal);
  const rows = people.map((person) => {
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
  const list = h("ul", { class: "split-rows", "data-field": "participants", tabindex: "-1", "aria-label": "People sharing it" }, rows.map((row) => row.node));
  const status = h("p", { class: "status", id: uid("split-status"), "data-field": "splits", tabindex: "-1", "aria-live": "polite" });
  const spareNote = h("p", { class: "hint", hidden: true });
  const node = h("section", { class: "card split" }, h("h2", {}, "Split"), typeSwitch, hint, list, status, spareNote);

  const included = () => rows.filter((row) => row.include.checked);

  /** A row's value: minor units (exact, adjustment) or hundredths; null when unreadable. */
  function entryValue(row) {
    const currency = state.currency;
    const text = row.value.value.trim();
    if (type === "exact") {
      const parsed = text === "" ? null : parseAmount(text, currency);
      return parsed === null ? null : toMinor(parsed, currency);
    }
    if (type === "adjustment") {
      if (text === "") return 0n;
      const parsed = parseAmount(text.replace("−", "-"), currency, { signed: true });
      return parsed === null ? null : toMinor(parsed, currency, { signed: true });
    }
    return hundredths(text);
  }

  function range(low, high, code) {
    return low === high ? money(low, code) : `${money(low, code)} – ${money(high, code)}`;
  }

  /**
   * Redraw the preview of `units` (the total, or null), converted at `conversion` (or null):
   * each included person's share, and what is left to assign. -> shareRanges' result.
   */
  function update(units, conversion) {
    const currency = state.currency;
    hint.textContent = SPLIT_HINTS[type];
    for (const row of rows) {
      const equal = type === "equal";
      row.value.disabled = !row.include.checked;
      row.valueCell.hidden = equal;
      row.valueLabel.textContent = equal ? "" : `${VALUE_LABEL[type]} for ${row.person.name}`;
      // Exact amounts and adjustments are money: forms.js reads and checks them as such.
      const isMoney = type === "exact" || type === "adjustment";
      row.value.toggleAttribute("data-amount", isMoney);
      row.value.toggleAttribute("data-signed", type === "adjustment");
      row.value.dataset.currency = currency;
      // An empty adjustment is none; an example amount there would read as a value.
      row.value.placeholder = type === "adjustment" ? "0" : "";
      row.owes.textContent = "";
      row.node.classList.toggle("excluded", !row.include.checked);
    }
    list.classList.toggle("equal", type === "equal");
    const sharing = included();
    const entries = sharing.map((row) => ({ user_id: row.person.id, value: type === "equal" ? null : entryValue(row) }));
    const result = shareRanges(type, units, entries, rotationKey, conversion);
    if (result.ranges) {
      for (const row of sharing) {
        const share = result.ranges.get(row.person.id);
        if (!share) continue;
        let text = `owes ${range(share.low, share.high, currency)}`;
        if (share.convertedLow !== undefined) text += ` (${range(share.convertedLow, share.convertedHigh, group.currency)})`;
        row.owes.textContent = text;
      }
    }
    let said = result.problem || result.hint || "";
    if (result.difference !== undefined && result.difference !== null && result.difference !== 0n) {
      const left = result.difference;
      said = `The amounts are ${money(left < 0n ? -left : left)} ${left > 0n ? "short of" : "over"} the total: ${left > 0n ? "add" : "take off"} ${money(left < 0n ? -left : left)}.`;
    } else if (!said && result.shares) {
      said = "The shares add up to the total.";
    }
    status.textContent = said;
    status.classList.toggle("problem", Boolean(result.problem));
    spareNote.hidden = !result.uncertain;
    spareNote.textContent = result.uncertain
      ? "A cent that cannot be split evenly goes to one of the people shown with a range; which one is settled when the expense is saved."
      : "";
    return result;
  }

  function setCurrency(code) {
    for (const row of rows) row.value.dataset.currency = code;
  }

  /** The split of an expense or a template, its amounts in `original` when inOriginal. */
  function fill(data, { original, inOriginal }) {
    type = data.split_type || "equal";
    typeSwitch.querySelector(`input[value="${type}"]`).checked = true;
    const splits = data.splits || (data.participants || []).map((userId) => ({ user_id: userId }));
    const everyone = !data.splits && !data.participants;
    for (const row of rows) {
      const split = splits.find((s) => s.user_id === row.person.id);
      row.include.checked = everyone ? !row.person.former : Boolean(split);
      let value = "";
      if (split && type === "exact") value = formatPlain(inOriginal ? split.original_amount : split.amount, original);
      else if (split && type === "adjustment" && split.adjustment !== undefined) value = formatPlain(split.adjustment, original).replace(/^(-?)0+(?=\d)/, "$1");
      else if (split && (type === "percentage" || type === "shares")) value = localRate(formatHundredths(hundredths(split[type]) ?? 0n));
      row.value.value = value;
      row.saved = {};
    }
  }

  function check(errors) {
    if (type === "equal") return;
    included().forEach((row, index) => {
      if (entryValue(row) === null) {
        row.value.dataset.field = `splits.${index}.${SPLIT_KEY[type]}`;
        errors[row.value.dataset.field] = [
          type === "exact" || type === "adjustment" ? `Enter an amount such as ${exampleAmount(state.currency)}.` : `Enter a number such as ${localRate("1.5")}.`,
        ];
      }
    });
  }

  function body(request) {
    const sharing = included();
    if (type === "equal") {
      request.participants = sharing.map((row) => row.person.id);
      return;
    }
    const key = SPLIT_KEY[type];
    request.splits = sharing.map((row, index) => {
      row.value.dataset.field = `splits.${index}.${key}`;
      row.include.dataset.field = `splits.${index}.user_id`;
      const value = entryValue(row);
      const text = key === "amount" || key === "adjustment" ? fromMinor(value ?? 0n, state.currency) : formatHundredths(value ?? 0n);
      return { user_id: row.person.id, [key]: text };
    });
  }

  return { node, status, type: () => type, update, setCurrency, fill, check, body };
}
