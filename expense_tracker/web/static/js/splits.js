// The shares a group expense will give each member, computed in the browser before it is
// saved, by the API's own rules (minor units as BigInt, largest remainder, rotating spare
// units). The API recomputes them when saving; this is the preview.
//
// Spare minor units go to participants by ascending user_id starting at position
// (expense id mod count). A new expense has no id yet, so its preview starts at 0: the
// saved shares can differ from the preview by one minor unit between two people.

export const SPLIT_TYPES = [
  ["equal", "Equally"],
  ["exact", "Exact amounts"],
  ["percentage", "Percentages"],
  ["shares", "Shares"],
  ["adjustment", "Equally, with adjustments"],
];

function spareOrder(userIds, rotationKey) {
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

/** "12.5" -> 1250n (hundredths): percentages and shares have at most 2 decimals. */
export function hundredths(text) {
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(String(text ?? "").trim());
  if (!match) return null;
  return BigInt(match[1] + (match[2] || "").padEnd(2, "0"));
}

/**
 * entries: [{user_id, value}] where value is minor units (exact, adjustment: BigInt) or
 * hundredths (percentage, shares: BigInt); null for equal.
 * -> {shares: Map(user_id -> BigInt) | null, problem: string | null, difference: BigInt | null}
 */
export function preview(type, total, entries, rotationKey = 0) {
  if (total === null || total < 0n) return { shares: null, problem: null, hint: "Enter a valid amount to see each share." };
  if (!entries.length) return { shares: null, problem: "Choose at least one person." };
  const ids = entries.map((entry) => entry.user_id);
  const order = spareOrder(ids, rotationKey);
  if (type !== "equal" && entries.some((entry) => entry.value === null)) {
    return { shares: null, problem: "Fill in a valid value for everyone included." };
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
        return { shares: null, problem: `The percentages add up to ${formatHundredths(sum)}, not 100.` };
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

export function formatHundredths(value) {
  const text = value.toString().padStart(3, "0");
  return `${text.slice(0, -2)}.${text.slice(-2)}`.replace(/\.00$/, "");
}
