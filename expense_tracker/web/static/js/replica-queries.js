// The API's read paths that the replica can answer offline, each as the API would (the
// same fields, filters and order, so the views need no offline branch of their own).
// Pages: the replica's own `offline_offset`, in the next link the views follow as usual.

import * as idb from "./idb.js";
import { fromMinor, remember, toMinor } from "./money.js";

/** One page of `rows` and the link to the next, like the API's Link header. */
function page(path, params, rows) {
  const limit = Number(params.limit) || 50;
  const offset = Number(params.offline_offset) || 0;
  const slice = rows.slice(offset, offset + limit);
  let next = null;
  if (offset + limit < rows.length) {
    const query = new URLSearchParams({ ...params, offline_offset: String(offset + limit) });
    next = `${path}?${query}`;
  }
  return { data: slice, total: rows.length, next };
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byAmount(a, b) {
  const x = toMinor(a.amount, a.currency) ?? 0n;
  const y = toMinor(b.amount, b.currency) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The personal ledger's filters (GET /expenses/): dates, category, method, text. */
function personal(rows, params) {
  const q = (params.q || "").toLowerCase();
  const category = (params.category || "").toLowerCase();
  return rows.filter(
    (e) =>
      (!params.date_from || e.date >= params.date_from) &&
      (!params.date_to || e.date <= params.date_to) &&
      (!category || (e.category || "").toLowerCase() === category) &&
      (!params.payment_method || e.payment_method === params.payment_method) &&
      (!q || `${e.description} ${e.category}`.toLowerCase().includes(q)),
  );
}

function sorted(rows, sort = "-date") {
  const descending = sort.startsWith("-");
  const key = sort.replace(/^-/, "");
  const order = key === "amount" ? byAmount : (a, b) => compare(a.date, b.date);
  return rows.sort((a, b) => (order(a, b) || a.id - b.id) * (descending ? -1 : 1));
}

function groupFilter(rows, params) {
  const involving = Number(params.involving) || null;
  const paidBy = Number(params.paid_by) || null;
  const category = (params.category || "").toLowerCase();
  return rows.filter(
    (e) =>
      (!params.date_from || e.date >= params.date_from) &&
      (!params.date_to || e.date <= params.date_to) &&
      (!category || (e.category || "").toLowerCase() === category) &&
      (!paidBy || e.payers.some((p) => p.user_id === paidBy)) &&
      (!involving || e.payers.some((p) => p.user_id === involving) || e.splits.some((s) => s.user_id === involving)),
  );
}

/** Sums per currency, each in its minor units. */
function totals(rows, keyOf) {
  const cells = new Map();
  for (const row of rows) {
    remember(row.currency, row.amount);
    const key = `${keyOf(row)}\u0000${row.currency}`;
    const cell = cells.get(key) || { key: keyOf(row), currency: row.currency, units: 0n, count: 0 };
    cell.units += toMinor(row.amount, row.currency) ?? 0n;
    cell.count += 1;
    cells.set(key, cell);
  }
  return [...cells.values()]
    .sort((a, b) => compare(a.key, b.key) || compare(a.currency, b.currency))
    .map((cell) => ({ key: cell.key, currency: cell.currency, total: fromMinor(cell.units, cell.currency), count: cell.count }));
}

const KEYS = { month: (e) => e.date.slice(0, 7), payment_method: (e) => e.payment_method, category: (e) => e.category };

async function groupWithMembers(data, id) {
  const { group, members } = await data.groupData(id);
  if (!group) return null;
  return { ...group, members, member_count: members.length };
}

export function queries(data) {
  const me = () => idb.meta("user");
  return [
    [/^\/users\/me\/?$/, async () => ({ data: await me() })],
    [/^\/expenses\/?$/, async (p) => page("/expenses/", p, sorted(personal(await idb.read("expenses"), p), p.sort))],
    [/^\/expenses\/(-?\d+)$/, async (p, id) => {
      const found = (await idb.read("expenses")).find((e) => e.id === id);
      return found ? { data: found } : null;
    }],
    [/^\/expenses\/summary$/, async (p) => ({ data: totals(personal(await idb.read("expenses"), p), KEYS[p.group_by || "category"] || KEYS.category) })],
    [/^\/expenses\/categories$/, async () => {
      const counts = new Map();
      for (const e of await idb.read("expenses")) if (e.category) counts.set(e.category, (counts.get(e.category) || 0) + 1);
      const data = [...counts].map(([category, count]) => ({ category, count })).sort((a, b) => b.count - a.count || compare(a.category, b.category));
      return { data };
    }],
    [/^\/groups\/?$/, async (p) => {
      const groups = await idb.read("groups");
      const full = await Promise.all(groups.map((g) => groupWithMembers(data, g.id)));
      return page("/groups/", p, full.filter(Boolean).sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()) || a.id - b.id));
    }],
    [/^\/users\/me\/balances$/, async () => {
      const user = await me();
      const rows = [];
      const sums = new Map();
      for (const group of await idb.read("groups")) {
        const balances = await data.balancesOf(group.id);
        const mine = balances?.rows.find((row) => row.user_id === user.id);
        if (!mine) continue;
        rows.push({ group_id: group.id, name: group.name, currency: group.currency, net: mine.net });
        sums.set(group.currency, (sums.get(group.currency) || 0n) + (toMinor(mine.net, group.currency, { signed: true }) ?? 0n));
      }
      const totalsRows = [...sums].sort((a, b) => compare(a[0], b[0])).map(([currency, units]) => ({ currency, net: fromMinor(units, currency) }));
      return { data: { groups: rows, totals: totalsRows } };
    }],
    [/^\/groups\/(\d+)$/, async (p, id) => {
      const group = await groupWithMembers(data, id);
      return group ? { data: group } : null;
    }],
    [/^\/groups\/(\d+)\/members$/, async (p, id) => {
      const { members } = await data.groupData(id);
      return { data: members.sort((a, b) => a.user_id - b.user_id) };
    }],
    [/^\/groups\/(\d+)\/expenses\/?$/, async (p, id) => {
      const { expenses } = await data.groupData(id);
      return page(`/groups/${id}/expenses/`, p, sorted(groupFilter(expenses, p), "-date"));
    }],
    [/^\/groups\/(\d+)\/expenses\/(-?\d+)$/, async (p, id, eid) => {
      const { expenses } = await data.groupData(id);
      const found = expenses.find((e) => e.id === eid);
      return found ? { data: found } : null;
    }],
    [/^\/groups\/(\d+)\/settlements\/?$/, async (p, id) => {
      const { settlements } = await data.groupData(id);
      const rows = settlements.sort((a, b) => compare(b.date, a.date) || b.id - a.id);
      return page(`/groups/${id}/settlements`, p, rows);
    }],
    [/^\/groups\/(\d+)\/balances$/, async (p, id) => {
      const balances = await data.balancesOf(id);
      return balances ? { data: balances.rows } : null;
    }],
    [/^\/groups\/(\d+)\/settle-up$/, async (p, id) => {
      const balances = await data.balancesOf(id);
      return balances ? { data: balances.plan } : null;
    }],
  ];
}
