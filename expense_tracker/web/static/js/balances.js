// Balances from a copy of a group's expenses and payments, by the server's rules (API
// contract, "Balances"), for the app without a network: paid − owed + sent − received per
// current member, a share marked paid counting as a payment from that member to the payers,
// and the server's settle-up plan (expense_tracker/domain/settle.py, ported line for line).
// Amounts are integer minor units (BigInt) through money.js; never a float.

import { fromMinor, remember, toMinor } from "./money.js";

function units(amount, currency) {
  remember(currency, amount);
  return toMinor(amount, currency, { signed: true }) ?? 0n;
}

/**
 * Largest-remainder split of `total` in proportion to `weights` ([[id, weight]] in
 * ascending id, all BigInt): the server's allocate_proportionally, spare units to the
 * largest remainders, ties to the smaller id.
 */
function allocate(total, weights) {
  const sum = weights.reduce((acc, [, weight]) => acc + weight, 0n);
  if (sum === 0n) return weights.map(([id]) => [id, 0n]);
  const parts = weights.map(([id, weight]) => ({ id, base: (total * weight) / sum, rest: (total * weight) % sum }));
  let spare = total - parts.reduce((acc, part) => acc + part.base, 0n);
  const order = [...parts].sort((a, b) => (a.rest === b.rest ? a.id - b.id : a.rest > b.rest ? -1 : 1));
  for (const part of order) {
    if (spare <= 0n) break;
    part.base += 1n;
    spare -= 1n;
  }
  return parts.map((part) => [part.id, part.base]);
}

/** [{user_id, currency, paid, owed, sent, received, net}] for each current member, by user_id. */
export function groupBalances(group, members, expenses, settlements) {
  const currency = group.currency;
  const rows = new Map(members.map((m) => [m.user_id, { paid: 0n, owed: 0n, sent: 0n, received: 0n }]));
  const row = (id) => {
    if (!rows.has(id)) rows.set(id, { paid: 0n, owed: 0n, sent: 0n, received: 0n, former: true });
    return rows.get(id);
  };
  for (const expense of expenses) {
    const payers = (expense.payers || []).map((p) => [p.user_id, units(p.amount, currency)]).sort((a, b) => a[0] - b[0]);
    for (const [id, amount] of payers) row(id).paid += amount;
    for (const split of expense.splits || []) {
      const share = units(split.amount, currency);
      row(split.user_id).owed += share;
      if (!split.is_paid) continue;
      // A share marked paid: a payment from its member to the payers, in proportion.
      for (const [payer, part] of allocate(share, payers)) {
        row(split.user_id).sent += part;
        row(payer).received += part;
      }
    }
  }
  for (const settlement of settlements) {
    const amount = units(settlement.amount, currency);
    row(settlement.from_user).sent += amount;
    row(settlement.to_user).received += amount;
  }
  return members
    .map((m) => m.user_id)
    .sort((a, b) => a - b)
    .map((id) => {
      const r = rows.get(id);
      const net = r.paid - r.owed + r.sent - r.received;
      return {
        user_id: id,
        currency,
        paid: fromMinor(r.paid, currency),
        owed: fromMinor(r.owed, currency),
        sent: fromMinor(r.sent, currency),
        received: fromMinor(r.received, currency),
        net: fromMinor(net, currency),
      };
    });
}

const EXACT_SEARCH_LIMIT = 15;

/** The server's settle_up_plan: the fewest transfers for up to 15 non-zero members. */
export function settlePlan(balances, currency) {
  const members = balances
    .map((b) => [b.user_id, units(b.net, currency)])
    .filter(([, net]) => net !== 0n)
    .sort((a, b) => a[0] - b[0]);
  if (!members.length) return [];
  if (members.reduce((acc, [, net]) => acc + net, 0n) !== 0n) return []; // a member left mid-sync
  const groups = members.length <= EXACT_SEARCH_LIMIT ? zeroSumPartition(members) : [members];
  const transfers = groups.flatMap(greedy);
  transfers.sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  return transfers.map(([from, to, amount]) => ({ from_user: from, to_user: to, amount: fromMinor(amount, currency), currency }));
}

function zeroSumPartition(members) {
  const n = members.length;
  const full = (1 << n) - 1;
  const sums = new Array(full + 1).fill(0n);
  for (let mask = 1; mask <= full; mask += 1) {
    const low = mask & -mask;
    sums[mask] = sums[mask ^ low] + members[31 - Math.clz32(low)][1];
  }
  const bits = Array.from({ length: n }, (_, i) => 1 << i);
  const best = new Array(full + 1).fill(0);
  for (let mask = 1; mask <= full; mask += 1) {
    let top = 0;
    for (const bit of bits) if (mask & bit && best[mask ^ bit] > top) top = best[mask ^ bit];
    best[mask] = top + (sums[mask] === 0n ? 1 : 0);
  }
  const groups = [];
  let current = [];
  let mask = full;
  while (mask) {
    if (sums[mask] === 0n && current.length) {
      groups.push(current);
      current = [];
    }
    const gain = sums[mask] === 0n ? 1 : 0;
    const bit = bits.find((b) => mask & b && best[mask ^ b] + gain === best[mask]);
    current.push(members[31 - Math.clz32(bit)]);
    mask ^= bit;
  }
  groups.push(current);
  return groups;
}

/** Largest debtor pays largest creditor; ties to the smaller user id (settle.py's heaps). */
function greedy(members) {
  const creditors = members.filter(([, net]) => net > 0n).map(([id, net]) => [id, net]);
  const debtors = members.filter(([, net]) => net < 0n).map(([id, net]) => [id, -net]);
  const largest = (list) => list.reduce((best, item, i) => (best < 0 || item[1] > list[best][1] || (item[1] === list[best][1] && item[0] < list[best][0]) ? i : best), -1);
  const transfers = [];
  while (creditors.length && debtors.length) {
    const c = largest(creditors);
    const d = largest(debtors);
    const amount = creditors[c][1] < debtors[d][1] ? creditors[c][1] : debtors[d][1];
    transfers.push([debtors[d][0], creditors[c][0], amount]);
    creditors[c][1] -= amount;
    debtors[d][1] -= amount;
    if (creditors[c][1] === 0n) creditors.splice(c, 1);
    if (debtors[d][1] === 0n) debtors.splice(debtors.indexOf(debtors[d]), 1);
  }
  return transfers;
}
