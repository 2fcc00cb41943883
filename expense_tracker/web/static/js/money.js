// Money: decimal strings from the API, integer minor units (BigInt) for arithmetic, the
// browser's locale for display. Never a binary float.
//
// The API sends every amount with exactly its currency's ISO 4217 minor units ("1000" for
// JPY, "1.000" for KWD), so an amount's own digits are the truth; each one seen is
// remembered. Before any amount of a currency has been seen, the browser's currency data
// (Intl) is the guess; the API's 422 corrects a wrong one.

import { h } from "./dom.js";

const exponents = new Map();

export function minorUnits(currency) {
  const code = String(currency || "").toUpperCase();
  if (exponents.has(code)) return exponents.get(code);
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** Learn a currency's exponent from an amount the API sent. */
export function remember(currency, amount) {
  if (!currency || typeof amount !== "string") return;
  // Only an amount with decimals proves the exponent: "0" may be a literal written by a
  // view, not the API saying the currency has no minor units (Intl knows those).
  const dot = amount.indexOf(".");
  if (dot >= 0) exponents.set(currency.toUpperCase(), amount.length - dot - 1);
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d*))?$/;

/**
 * "12.5" -> 1250n in USD. null when the text is not a plain decimal or needs more decimal
 * places than the currency has (the API would refuse it too).
 */
export function toMinor(text, currency, { signed = false } = {}) {
  const match = DECIMAL.exec(String(text ?? "").trim());
  if (!match || (match[1] && !signed)) return null;
  const places = minorUnits(currency);
  const fraction = (match[3] || "").replace(/0+$/, "");
  if (fraction.length > places) return null;
  const units = BigInt(match[2] + fraction.padEnd(places, "0"));
  return match[1] ? -units : units;
}

/** 1250n in USD -> "12.50": the API's own notation. */
export function fromMinor(units, currency) {
  const places = minorUnits(currency);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, "0");
  const whole = places ? digits.slice(0, -places) : digits;
  const text = places ? `${whole}.${digits.slice(-places)}` : whole;
  return negative ? `-${text}` : text;
}

const formatters = new Map();

function formatter(currency, places, signDisplay) {
  const key = `${currency}:${places}:${signDisplay}`;
  if (!formatters.has(key)) {
    formatters.set(
      key,
      new Intl.NumberFormat(undefined, {
        style: "currency",
        currency,
        minimumFractionDigits: places,
        maximumFractionDigits: places,
        signDisplay,
      }),
    );
  }
  return formatters.get(key);
}

/**
 * "1234.5" EUR -> "€1,234.50" (en-US) or "1.234,50 €" (de-DE). Intl formats the decimal
 * string itself, digit for digit, without going through a float.
 */
export function formatMoney(amount, currency, { signed = false } = {}) {
  if (amount === null || amount === undefined || amount === "") return "";
  const text = typeof amount === "bigint" ? fromMinor(amount, currency) : String(amount);
  if (typeof amount === "string") remember(currency, amount);
  const places = minorUnits(currency);
  try {
    return formatter(currency, places, signed ? "exceptZero" : "auto").format(text);
  } catch {
    return `${text} ${currency}`;
  }
}

/** Sum of money strings, as minor units. */
export function sumMinor(amounts, currency) {
  return amounts.reduce((total, amount) => total + (toMinor(amount, currency, { signed: true }) ?? 0n), 0n);
}

export function absMinor(units) {
  return units < 0n ? -units : units;
}

// -- Amounts as people type them --------------------------------------------------------
// People type amounts in their own notation ("12,50" in Germany, "1,234.50" in the US); the
// API takes dot decimals. These read the browser's notation, and the other one when it is
// unambiguous, and give the API's string; never through a float.

function separators() {
  const parts = new Intl.NumberFormat(undefined, { useGrouping: true }).formatToParts(12345.6);
  return {
    decimal: parts.find((part) => part.type === "decimal")?.value || ".",
    group: parts.find((part) => part.type === "group")?.value || ",",
  };
}

/** The browser's decimal separator: "," (de-DE) or "." (en-US). */
export function decimalSeparator() {
  return separators().decimal;
}

/**
 * "12,50" (de) / "12.50" / "1.234,50" (de) / "1,234.50" (en) -> "12.50" / "1234.50", with
 * exactly the currency's minor units. null when the text is not an amount, or has more
 * decimal places than the currency (the API would refuse it too).
 */
export function parseAmount(text, currency, { signed = false } = {}) {
  let value = String(text ?? "")
    .trim()
    .replace(/[\s\u00a0\u202f'’]/g, "");
  let negative = false;
  if (value.startsWith("-") || value.startsWith("−")) {
    negative = true;
    value = value.slice(1);
  }
  if (!/^[\d.,]+$/.test(value) || !/\d/.test(value)) return null;
  const hasDot = value.includes(".");
  const hasComma = value.includes(",");
  // Which mark is the decimal one: the last of two different marks; a lone mark is the
  // decimal one unless it only groups thousands in the other notation ("1.234" in de).
  let decimalMark = null;
  if (hasDot && hasComma) {
    decimalMark = value.lastIndexOf(".") > value.lastIndexOf(",") ? "." : ",";
  } else if (hasDot || hasComma) {
    const mark = hasDot ? "." : ",";
    const groups = value.split(mark);
    const grouped = /^[1-9]\d{0,2}$/.test(groups[0]) && groups.slice(1).every((g) => g.length === 3);
    if (groups.length > 2) {
      if (!grouped) return null;
    } else if (mark === decimalSeparator() || !grouped || minorUnits(currency) >= 3) {
      decimalMark = mark;
    }
  }
  let whole = value;
  let fraction = "";
  if (decimalMark) {
    const at = value.lastIndexOf(decimalMark);
    whole = value.slice(0, at);
    fraction = value.slice(at + 1);
  }
  const groupMark = decimalMark === "," || (!decimalMark && hasDot) ? "." : ",";
  if (whole.includes(groupMark)) {
    const pattern = groupMark === "." ? /^\d{1,3}(\.\d{3})+$/ : /^\d{1,3}(,\d{3})+$/;
    if (!pattern.test(whole)) return null;
    whole = whole.replaceAll(groupMark, "");
  }
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) return null;
  const units = toMinor(`${negative ? "-" : ""}${whole || "0"}.${fraction}`, currency, { signed });
  return units === null ? null : fromMinor(units, currency);
}

/** "1234.5" EUR -> "1234,50" (de) or "1234.50" (en): an amount as an input shows it. */
export function formatPlain(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "";
  const units = toMinor(String(amount), currency, { signed: true });
  if (units === null) return String(amount);
  const text = fromMinor(units, currency);
  return decimalSeparator() === "." ? text : text.replace(".", decimalSeparator());
}

/** An example amount in the person's notation, for hints and errors: "12,50". */
export function exampleAmount(currency) {
  return formatPlain(minorUnits(currency) ? "12.50" : "1250", currency);
}

/**
 * A text input for an amount in the person's notation: the decimal keypad on phones,
 * `data-amount` so that forms.values() sends the API's notation. Set `data-currency` when the
 * currency changes (it decides how many decimals are allowed). `signed` allows a minus.
 */
export function amountInput({ name, value = "", currency, required = false, signed = false, ...attributes }) {
  return h("input", {
    type: "text",
    inputmode: "decimal",
    autocomplete: "off",
    name,
    value: value === "" || value === null || value === undefined ? "" : formatPlain(value, currency),
    required,
    "data-amount": true,
    "data-signed": signed || false,
    "data-currency": String(currency || "").toUpperCase(),
    placeholder: exampleAmount(currency),
    class: "short",
    ...attributes,
  });
}
