// A group expense in another currency than the group's: the exchange rate (looked up in the
// rate table for the expense's date, or typed by the person) and the converted amount,
// "£60.00 = €70.20 at 1.17". A recurring bill's rate may stay empty: each bill is then
// converted at the rate of its own date.

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, uid } from "../dom.js";
import { decimalSeparator, minorUnits } from "../money.js";
import { convert, parseRate } from "../splits.js";
import { explain } from "../ui.js";

/** "1.17" -> "1,17" in a comma locale: a rate as the person reads and types it. */
export function localRate(text) {
  return decimalSeparator() === "," ? String(text).replace(".", ",") : String(text);
}

/** The rate as the API takes it: "1,17" -> "1.17"; null when it is not a positive number. */
function apiRate(text) {
  const rate = parseRate(text);
  if (!rate) return null;
  return String(text).trim().replace(",", ".");
}

/**
 * The rate box of the expense editor, hidden while the expense is in the group's currency.
 * state.currency: the expense's currency (the editor changes it); date: the date input (none
 * for a series); money(units, code): an amount as text; onChange: redraw the form (a rate
 * looked up has arrived).
 */
export function rateEditor({ group, kind, state, date, money, onChange }) {
  let touched = false;
  let lookups = 0;
  let tableRate = null;

  const rate = h("input", { type: "text", inputmode: "decimal", autocomplete: "off", "data-field": "exchange_rate", class: "short" });
  const label = h("span", {}, "");
  const hint = h("p", { class: "hint", id: uid("rate-hint"), "aria-live": "polite" });
  rate.setAttribute("aria-describedby", hint.id);
  rate.id = uid("rate");
  const converted = h("p", { class: "converted", "aria-live": "polite" });
  const node = h(
    "div",
    { class: "rate-box", hidden: true },
    h("div", { class: "field" }, h("label", { for: rate.id }, label), rate, hint),
    converted,
  );

  const foreign = () => state.currency !== group.currency;

  /** {rate, sourcePlaces, targetPlaces} for the share preview; null when there is none. */
  function conversion() {
    if (!foreign()) return null;
    const parsed = parseRate(rate.value.trim() || (kind === "series" ? tableRate : ""));
    return parsed ? { rate: parsed, sourcePlaces: minorUnits(state.currency), targetPlaces: minorUnits(group.currency) } : null;
  }

  /** "£60.00 = €70.20 at 1.17", or what is missing for it; units: the total, or null. */
  function draw(units) {
    node.hidden = !foreign();
    if (!foreign()) return;
    const currency = state.currency;
    label.textContent = `Exchange rate (${group.currency} for 1 ${currency})`;
    const found = conversion();
    if (!found) {
      if (rate.value.trim()) converted.textContent = `Type the rate as a number, such as 1${decimalSeparator()}17.`;
      else converted.textContent = kind === "series" ? `Converted to ${group.currency} at the rate of each bill's date.` : "";
      return;
    }
    const shown = rate.value.trim() ? localRate(apiRate(rate.value)) : `today's rate ${localRate(tableRate)}`;
    converted.textContent = units === null ? "" : `${money(units)} = ${money(convert(units, found.rate, found.sourcePlaces, found.targetPlaces), group.currency)} at ${shown}`;
  }

  /** The rate table's rate for the currency and date, unless the person typed their own. */
  async function load() {
    if (!foreign() || touched) return;
    const mine = (lookups += 1);
    const day = date?.value || today();
    hint.textContent = "Looking up the rate…";
    let found = null;
    let on = null;
    try {
      const answer = await api.get("/exchange-rates", { query: { base: state.currency, date: day } });
      found = answer.data.rates?.[group.currency] || null;
      on = answer.data.date;
    } catch (error) {
      if (error.status !== 404) {
        if (mine === lookups) hint.textContent = `The rate could not be looked up: ${explain(error).message} Type the rate yourself.`;
        return;
      }
    }
    if (mine !== lookups || touched) return;
    const currency = state.currency;
    if (kind === "series") {
      // A recurring bill without a rate of its own converts each bill at its date's rate:
      // today's is shown as a guide, not written into the field.
      tableRate = found;
      hint.textContent = found
        ? `Leave empty to convert each bill at the rate of its date (today ${localRate(found)}), or type a fixed rate.`
        : `The rate table has no rate for ${currency} to ${group.currency} today: type a fixed rate, or each bill waits until the table has its date's rate.`;
    } else if (found) {
      rate.value = localRate(found);
      hint.textContent = `The rate of ${formatDate(on)} from the rate table; you may change it.`;
    } else {
      rate.value = "";
      hint.textContent = `No rate for ${currency} to ${group.currency} on or shortly before that date. Type the rate (${group.currency} for 1 ${currency}).`;
    }
    onChange();
  }

  /** After state.currency changed: no rate in the group's currency, else look it up. */
  function currencyChanged({ fetchRate }) {
    if (!foreign()) {
      rate.value = "";
      hint.textContent = "";
    } else if (fetchRate) {
      touched = false;
      rate.value = "";
      load();
    }
  }

  /** The rate an expense or a template was saved with (original: its currency). */
  function fill(data, original) {
    touched = Boolean(data.exchange_rate);
    if (!data.exchange_rate) return;
    rate.value = localRate(data.exchange_rate);
    hint.textContent =
      kind === "series"
        ? `The fixed rate of this bill: ${group.currency} for 1 ${original}. Empty it to use the rate of each bill's date.`
        : `The rate this expense was saved with: ${group.currency} for 1 ${original}.`;
  }

  function check(errors) {
    if (!foreign() || conversion()) return;
    if (kind === "expense") errors.exchange_rate = [`Type the rate: ${group.currency} for 1 ${state.currency}, such as 1${decimalSeparator()}17.`];
    if (kind === "series" && rate.value.trim()) errors.exchange_rate = ["Type the rate as a number, such as 1" + decimalSeparator() + "17, or leave it empty."];
  }

  function body(request) {
    if (foreign() && rate.value.trim()) request.exchange_rate = apiRate(rate.value);
  }

  rate.addEventListener("input", () => {
    touched = true;
    hint.textContent = rate.value.trim() ? `Your rate: ${group.currency} for 1 ${state.currency}.` : "Type the rate, or choose the currency again to look it up.";
  });
  date?.addEventListener("change", () => load());

  return { node, conversion, draw, load, currencyChanged, fill, check, body };
}
