// The shares a group expense will give each member, computed in the browser before it is
// saved, by the API's own rules (minor units as BigInt, largest remainder, rotating spare
// units, the conversion of an expense in another currency). The API recomputes them when
// saving; this is the preview, and it never claims more than it can know.
//
// Spare minor units go to participants by ascending user_id starting at position
// (expense id mod count). A new expense has no id yet, so which person gets a spare cent
// is unknown until it is saved: `shareRanges` tries every starting position and gives each
// person the lowest and the highest share they can end up with ("€12.50 – €12.51").

export const SPLIT_TYPES = [
  ["equal", "Equal"],
  ["exact", "Exact"],
  ["percentage", "Percent"],
  ["shares", "Shares"],
  ["adjustment", "Adjust"],
];

/** What each split type means, said under the segmented control. */
export const SPLIT_HINTS = {
  equal: "Everyone included pays the same.",
  exact: "Type what each person owes; the amounts must add up to the total.",
  percentage: "Type each person's percentage; they must add up to 100.",
  shares: "Type each person's shares (2 and 1: the first pays twice as much).",
  adjustment: "Split equally after taking off each person's extra (+) or discount (−).",
};

export function spareOrder(userIds, rotationKey) {
  const ordered = [...userIds].sort((a, b) => a - b);
  if (!ordered.length) return [];
  const start = rotationKey % ordered.length;
  return ordered.slice(start).concat(ordered.slice(0, start));
}

function floorDiv(a, b) {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function equalParts(amount, order) {
  const n = BigInt(order.length);
  const base = floorDiv(amount, n);
  const spare = amount - base * n;
  return new Map(order.map((id, position) => [id, base + (BigInt(position) < spare ? 1n : 0n)]));
}

/** weights: Map(user_id -> BigInt > 0). Largest remainder, ties in `order`. */
function proportional(total, weights, order) {
  const sum = [...weights.values()].reduce((a, b) => a + b, 0n);
  const amounts = new Map();
  const remainders = new Map();
  for (const [id, weight] of weights) {
    amounts.set(id, (total * weight) / sum);
    remainders.set(id, (total * weight) % sum);
  }
  let spare = total - [...amounts.values()].reduce((a, b) => a + b, 0n);
  const rank = new Map(order.map((id, position) => [id, position]));
  const byRemainder = [...weights.keys()].sort((a, b) => {
    const difference = remainders.get(b) - remainders.get(a);
    if (difference !== 0n) return difference > 0n ? 1 : -1;
    return rank.get(a) - rank.get(b);
  });
  for (const id of byRemainder) {
    if (spare <= 0n) break;
    amounts.set(id, amounts.get(id) + 1n);
    spare -= 1n;
  }
  return amounts;
}

/**
 * A number typed in the browser's locale ("12,5" or "12.5") -> 1250n hundredths: percentages
 * and shares have at most 2 decimals. null when it is not such a number.
 */
export function hundredths(text) {
  const plain = String(text ?? "").trim().replace(",", ".");
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(plain);
  if (!match) return null;
  return BigInt(match[1] + (match[2] || "").padEnd(2, "0"));
}

/** 1250n -> "12.5": the API's notation for percentages and shares. */
export function formatHundredths(value) {
  const text = value.toString().padStart(3, "0");
  return `${text.slice(0, -2)}.${text.slice(-2)}`.replace(/\.?0+$/, "").replace(/^$/, "0");
}

// -- conversion (currencies.conversion in the API): exact fractions of BigInt ----------

/** "1.17" -> {num: 117n, den: 100n}; null unless a plain positive decimal. */
export function parseRate(text) {
  const plain = String(text ?? "").trim().replace(",", ".");
  const match = /^(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!match) return null;
  const fraction = match[2] || "";
  const num = BigInt(match[1] + fraction);
  if (num === 0n) return null;
  return { num, den: 10n ** BigInt(fraction.length) };
}

/** Target minor units for one source minor unit, as a fraction. */
function factor(rate, sourcePlaces, targetPlaces) {
  const shift = targetPlaces - sourcePlaces;
  return shift >= 0
    ? { num: rate.num * 10n ** BigInt(shift), den: rate.den }
    : { num: rate.num, den: rate.den * 10n ** BigInt(-shift) };
}

function roundHalfEven(num, den) {
  const floor = num / den;
  const twice = 2n * (num - floor * den);
  if (twice > den || (twice === den && floor % 2n === 1n)) return floor + 1n;
  return floor;
}

/** `minor` units of the source currency in the target's minor units, half to even. */
export function convert(minor, rate, sourcePlaces, targetPlaces) {
  const f = factor(rate, sourcePlaces, targetPlaces);
  return roundHalfEven(minor * f.num, f.den);
}

/** Each part converted, summing exactly to the converted total (largest remainder). */
export function convertParts(parts, rate, sourcePlaces, targetPlaces, tieOrder) {
  const f = factor(rate, sourcePlaces, targetPlaces);
  const converted = new Map();
  const remainders = new Map();
  let sum = 0n;
  for (const [id, amount] of parts) {
    converted.set(id, (amount * f.num) / f.den);
    remainders.set(id, (amount * f.num) % f.den);
    sum += amount;
  }
  let spare = roundHalfEven(sum * f.num, f.den) - [...converted.values()].reduce((a, b) => a + b, 0n);
  const rank = new Map(tieOrder.map((id, position) => [id, position]));
  const byRemainder = [...parts.keys()].sort((a, b) => {
    const difference = remainders.get(b) - remainders.get(a);
    if (difference !== 0n) return difference > 0n ? 1 : -1;
    return rank.get(a) - rank.get(b);
  });
  for (const id of byRemainder) {
    if (spare <= 0n) break;
    converted.set(id, converted.get(id) + 1n);
    spare -= 1n;
  }
  return converted;
}

/**
 * entries: [{user_id, value}] where value is minor units (exact, adjustment: BigInt) or
 * hundredths (percentage, shares: BigInt); null for equal.
 * -> {shares: Map(user_id -> BigInt) | null, problem, hint, difference}
 */
export function preview(type, total, entries, rotationKey = 0) {
  if (total === null || total <= 0n) return { shares: null, problem: null, hint: "Enter the amount to see each share." };
  if (!entries.length) return { shares: null, problem: "Choose at least one person to share it." };
  const ids = entries.map((entry) => entry.user_id);
  const order = spareOrder(ids, rotationKey);
  if (type !== "equal" && entries.some((entry) => entry.value === null)) {
    return { shares: null, problem: null, hint: "Fill in a value for everyone included to see each share." };
  }
  if (type === "equal") return { shares: equalParts(total, order), problem: null };
  if (type === "exact") {
    const shares = new Map(entries.map((entry) => [entry.user_id, entry.value]));
    const difference = total - [...shares.values()].reduce((a, b) => a + b, 0n);
    return { shares, problem: difference === 0n ? null : "The amounts do not add up to the total.", difference };
  }
  if (type === "percentage" || type === "shares") {
    if (entries.some((entry) => entry.value <= 0n)) {
      return { shares: null, problem: `Every ${type === "shares" ? "share" : "percentage"} must be greater than zero.` };
    }
    const weights = new Map(entries.map((entry) => [entry.user_id, entry.value]));
    if (type === "percentage") {
      const sum = [...weights.values()].reduce((a, b) => a + b, 0n);
      if (sum !== 10000n) {
        return { shares: null, problem: `The percentages add up to ${formatHundredths(sum)}, not 100.`, percentSum: sum };
      }
    }
    return { shares: proportional(total, weights, order), problem: null };
  }
  if (type === "adjustment") {
    const rest = total - entries.reduce((a, entry) => a + entry.value, 0n);
    const parts = equalParts(rest, order);
    const shares = new Map(entries.map((entry) => [entry.user_id, entry.value + parts.get(entry.user_id)]));
    const negative = [...shares.values()].some((amount) => amount < 0n);
    return { shares, problem: negative ? "These adjustments leave someone owing less than nothing." : null };
  }
  return { shares: null, problem: "Unknown split type." };
}

/**
 * The preview, honest about the spare cent: rotationKey is the expense id when it is known
 * (an edit), else null (a new expense: every starting position is possible). `conversion`
 * ({rate, sourcePlaces, targetPlaces}) adds each share in the group's currency.
 * -> {...preview, ranges: Map(user_id -> {low, high, convertedLow?, convertedHigh?}) | null,
 *     uncertain: bool (some share depends on the id the expense gets)}
 */
export function shareRanges(type, total, entries, rotationKey, conversion = null) {
  const keys = rotationKey === null || rotationKey === undefined ? [...entries.keys()] : [rotationKey];
  const first = preview(type, total, entries, keys[0] ?? 0);
  if (!first.shares) return { ...first, ranges: null, uncertain: false };
  const ranges = new Map();
  const widen = (id, low, high, value) => {
    const range = ranges.get(id) || {};
    range[low] = range[low] === undefined || value < range[low] ? value : range[low];
    range[high] = range[high] === undefined || value > range[high] ? value : range[high];
    ranges.set(id, range);
  };
  for (const key of keys) {
    const result = key === keys[0] ? first : preview(type, total, entries, key);
    if (!result.shares) continue;
    for (const [id, share] of result.shares) widen(id, "low", "high", share);
    if (conversion && !first.problem && [...result.shares.values()].every((share) => share >= 0n)) {
      const order = spareOrder([...result.shares.keys()], key);
      const converted = convertParts(result.shares, conversion.rate, conversion.sourcePlaces, conversion.targetPlaces, order);
      for (const [id, share] of converted) widen(id, "convertedLow", "convertedHigh", share);
    }
  }
  const uncertain = [...ranges.values()].some(
    (range) => range.low !== range.high || (range.convertedLow !== undefined && range.convertedLow !== range.convertedHigh),
  );
  return { ...first, ranges, uncertain };
}
