// Money: decimal strings from the API, integer minor units (BigInt) for arithmetic, the
// browser's locale for display. Never a binary float.
//
// The API sends every amount with exactly its currency's ISO 4217 minor units ("1000" for
// JPY, "1.000" for KWD), so an amount's own digits are the truth; each one seen is
// remembered. Before any amount of a currency has been seen, the browser's currency data
// (Intl) is the guess; the API's 422 corrects a wrong one.

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
  const dot = amount.indexOf(".");
  exponents.set(currency.toUpperCase(), dot < 0 ? 0 : amount.length - dot - 1);
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
