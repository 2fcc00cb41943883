// A group expense added or changed without a network counts in the offline balances at
// once: its payers and shares computed on the device by the server's rules (API contract,
// "Split rules" and "Currencies and conversion"; expense_edits.py for what an edit keeps),
// with the split and money modules the form's preview uses. Only the spare unit may land
// elsewhere: a new expense's id (the rotation key) is the server's to give, so the guess is
// the next id after the largest the replica knows, and the server's own document replaces
// this one when its answer arrives (outbox.js). Pure: documents in, a document out.

import { fromMinor, minorUnits, toMinor } from "./money.js";
import { convert, convertParts, hundredths, parseRate, preview, spareOrder } from "./splits.js";

const VALUE_FIELD = { exact: "amount", percentage: "percentage", shares: "shares", adjustment: "adjustment" };

/** A split entry's value as preview() reads it: minor units, or hundredths. */
function entryValue(type, split, currency) {
  if (type === "equal") return null;
  if (type === "percentage" || type === "shares") return hundredths(split[VALUE_FIELD[type]]);
  if (type === "exact") return toMinor(split.original_amount ?? split.amount, currency);
  return toMinor(split.adjustment, currency, { signed: true });
}

/** The body's money in the expense's own currency, or what the edit keeps; null: unknown. */
function inputs(group, members, json, current, me) {
  const kept = current ? current.original_currency || current.currency : null;
  const currency = json.currency || kept || group.currency;
  const same = Boolean(current) && currency === kept;
  let rate = null;
  if (currency !== group.currency) {
    rate = parseRate(json.exchange_rate ?? (same ? current.exchange_rate : null));
    if (!rate) return null; // the rate table's rate is the server's to look up
  }
  const keptTotal = same ? toMinor(current.original_amount ?? current.amount, currency) : null;
  const total = json.amount !== undefined ? toMinor(json.amount, currency) : keptTotal;
  if (total === null || total <= 0n) return null;

  let payers;
  if (json.paid_by !== undefined && json.paid_by !== null) payers = new Map([[Number(json.paid_by), total]]);
  else if (json.payers) payers = new Map(json.payers.map((p) => [Number(p.user_id), toMinor(p.amount, currency)]));
  else if (!current) payers = new Map([[me, total]]);
  else if (total === keptTotal) payers = new Map(current.payers.map((p) => [p.user_id, toMinor(p.original_amount ?? p.amount, currency)]));
  else if (current.payers.length === 1) payers = new Map([[current.payers[0].user_id, total]]);
  else return null; // several payers and a new amount: the server asks for the payers again
  if ([...payers.values()].some((amount) => amount === null) || [...payers.values()].reduce((a, b) => a + b, 0n) !== total) return null;

  const type = json.split_type || current?.split_type || "equal";
  let entries;
  if (json.participants) entries = json.participants.map((id) => ({ user_id: Number(id), value: null }));
  else if (json.splits) entries = json.splits.map((split) => ({ user_id: Number(split.user_id), value: entryValue(type, split, currency) }));
  else if (!current) entries = members.map((m) => ({ user_id: m.user_id, value: null }));
  else if (type === current.split_type && (type !== "exact" || total === keptTotal) && (same || !["exact", "adjustment"].includes(type)))
    entries = current.splits.map((split) => ({ user_id: split.user_id, value: entryValue(type, split, currency) }));
  else if (type === "equal") entries = current.splits.map((split) => ({ user_id: split.user_id, value: null }));
  else return null;
  return { currency, rate, total, payers, type, entries };
}

/**
 * The expense's money fields after this create body (current null) or edit (current: the
 * replica's copy), as the server would store them; null when the device cannot tell (no
 * rate, shares that do not add up): then it counts in no balance until the server answers.
 */
export function queuedMoney({ group, members, json, current = null, rotationKey, me }) {
  const found = inputs(group, members, json, current, me);
  if (!found) return null;
  const { currency, rate, total, payers, type, entries } = found;
  const result = preview(type, total, entries, rotationKey);
  if (!result.shares || result.problem) return null;
  let shares = result.shares;
  let paid = payers;
  let amount = total;
  const target = group.currency;
  if (rate) {
    const places = [minorUnits(currency), minorUnits(target)];
    amount = convert(total, rate, ...places);
    shares = convertParts(result.shares, rate, ...places, spareOrder([...result.shares.keys()], rotationKey));
    paid = convertParts(payers, rate, ...places, spareOrder([...payers.keys()], rotationKey));
  }
  const byId = (a, b) => a[0] - b[0];
  const before = new Map((current?.splits || []).map((split) => [split.user_id, split]));
  const original = (units) => (rate ? { original_amount: fromMinor(units, currency) } : {});
  return {
    amount: fromMinor(amount, target),
    currency: target,
    original_amount: rate ? fromMinor(total, currency) : null,
    original_currency: rate ? currency : null,
    exchange_rate: rate ? String(json.exchange_rate ?? current?.exchange_rate) : null,
    split_type: type,
    paid_by: paid.size === 1 ? [...paid.keys()][0] : null,
    payers: [...paid].sort(byId).map(([id, units]) => ({ user_id: id, amount: fromMinor(units, target), ...original(payers.get(id)) })),
    splits: [...shares].sort(byId).map(([id, units]) => {
      const entry = entries.find((e) => e.user_id === id);
      const value = {};
      if (type === "percentage" || type === "shares") value[type] = (json.splits?.find((s) => Number(s.user_id) === id) ?? before.get(id))?.[type];
      if (type === "adjustment") value.adjustment = fromMinor(entry.value, currency);
      return { user_id: id, amount: fromMinor(units, target), ...value, ...original(result.shares.get(id)), is_paid: before.get(id)?.is_paid ?? false, paid_at: before.get(id)?.paid_at ?? null };
    }),
  };
}
