// Writes made without a network, kept in IndexedDB (idb.js, store "outbox") and sent in the
// order they were made when it returns. Each carries the Idempotency-Key of its first try,
// so a write whose answer was lost lands once however often it is sent; an edit or a
// deletion carries If-Match: the ETag it was made against, or, when it was made on the
// replica (which has no ETags), the ETag the server gives now provided the object has not
// changed since the replica's copy (same updated_at). The server's refusals (412 someone
// changed it, 422, 409, 403) stay in the outbox as failed, with the server's answer, until
// the person chooses (conflicts.js): never dropped silently.

import * as api from "./api.js";
import * as idb from "./idb.js";
import { queuedMoney } from "./queued-shares.js";
import * as session from "./session.js";

const listeners = new Set();
let flushing = null;

const ROUTES = [
  ["POST", /^\/expenses\/?$/, "expenses"],
  ["PATCH", /^\/expenses\/(-?\d+)$/, "expenses"],
  ["DELETE", /^\/expenses\/(-?\d+)$/, "expenses"],
  ["POST", /^\/groups\/(\d+)\/expenses\/?$/, "group_expenses"],
  ["PATCH", /^\/groups\/\d+\/expenses\/(-?\d+)$/, "group_expenses"],
  ["DELETE", /^\/groups\/\d+\/expenses\/(-?\d+)$/, "group_expenses"],
  ["POST", /^\/groups\/(\d+)\/settlements\/?$/, "settlements"],
];

/** Which replica store a write changes, and the id in its path; null: not kept offline. */
export function route(method, path) {
  for (const [verb, pattern, store] of ROUTES) {
    const found = verb === method && pattern.exec(path);
    if (found) return { store, id: Number(found[1]) };
  }
  return null;
}

export function onChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

export async function count() {
  return idb.transaction(["outbox"], "readonly", (s) => idb.count(s.outbox));
}

export async function entries() {
  return idb.read("outbox");
}

function timestamp() {
  return new Date().toISOString();
}

/**
 * Keep a write for later and show it at once in the replica. Resolves to the answer a view
 * expects ({data, queued: true}).
 */
export async function enqueue({ method, path, json, etag, key, label }) {
  const target = route(method, path);
  const me = session.user();
  const shared = target.store === "group_expenses";
  const names = ["outbox", target.store, "groups", ...(shared ? ["members"] : [])];
  const answer = await idb.transaction(names, "readwrite", async (s) => {
    const store = s[target.store];
    // A group expense counts in the offline balances at once, its shares computed here.
    const money = async (groupId, body, current, rotationKey) =>
      shared
        ? queuedMoney({
            group: await idb.get(s.groups, groupId),
            members: await idb.getAll(s.members.index("group_id"), groupId),
            json: body,
            current,
            rotationKey: rotationKey ?? (await nextId(store)),
            me: me?.id,
          })
        : null;
    if (method === "POST") {
      const seq = await idb.put(s.outbox, { method, path, json, etag: null, key, label, at: timestamp() });
      const groupId = target.store === "expenses" ? null : target.id;
      const group = groupId ? await idb.get(s.groups, groupId) : null;
      const temp = { ...optimistic(target.store, json, { id: -seq, groupId, group, me }), ...(await money(groupId, json, null)) };
      await idb.put(store, temp);
      return temp;
    }
    const current = await idb.get(store, target.id);
    if (target.id < 0) {
      // A write to something created offline and not sent yet: change that creation instead.
      const creation = await idb.get(s.outbox, -target.id);
      if (creation && method === "DELETE") {
        await idb.del(s.outbox, -target.id);
        await idb.del(store, target.id);
        return null;
      }
      if (creation) {
        // The form sends every money field together: the new ones replace all the old ones
        // (paid_by or payers, participants or splits, a rate: never both, never stale).
        const kept = shared && MONEY_FIELDS.some((name) => name in json) ? plain(creation.json) : creation.json;
        const body = { ...kept, ...json };
        await idb.put(s.outbox, { ...creation, json: body });
        const updated = shared ? { ...current, ...plain(json), ...(await money(current.group_id, body, null)) } : { ...current, ...json };
        await idb.put(store, updated);
        return updated;
      }
    }
    await idb.put(s.outbox, { method, path, json, etag, base: current?.updated_at ?? null, before: current ?? null, key, label, at: timestamp() });
    if (method === "DELETE") {
      await idb.del(store, target.id);
      return null;
    }
    // An edit of a group expense: its money as the server will recompute it from what is
    // sent and what is kept (when the device cannot tell: as it was, until the server answers).
    const computed = shared && current ? await money(current.group_id, json, current, current.id) : null;
    const updated = shared ? { ...current, ...plain(json), ...computed, pending: true } : { ...current, ...json, pending: true };
    await idb.put(store, updated);
    return updated;
  });
  changed();
  return { data: answer, response: null, etag: null, total: NaN, next: null, queued: true };
}

// A group expense body's money fields: amounts in the expense's own currency and inputs of
// its split, from which queued-shares.js computes the document's; none is copied as is.
const MONEY_FIELDS = ["amount", "currency", "exchange_rate", "paid_by", "payers", "split_type", "participants", "splits"];

function plain(json) {
  return Object.fromEntries(Object.entries(json).filter(([name]) => !MONEY_FIELDS.includes(name)));
}

/** The id the server will likely give the next group expense: the rotation key's guess. */
async function nextId(store) {
  const cursor = await new Promise((resolve, reject) => {
    const request = store.openKeyCursor(null, "prev");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return cursor && cursor.key > 0 ? cursor.key + 1 : 1;
}

/** What a new object looks like until the server's own answer replaces it. */
function optimistic(store, json, { id, groupId, group, me }) {
  const now = timestamp();
  const base = { ...json, id, pending: true, created_at: now, updated_at: now };
  if (store === "expenses") return { category: "", description: "", ...base };
  const currency = group?.currency || json.currency;
  if (store === "settlements") {
    return { ...base, group_id: groupId, from_user: json.from_user ?? me?.id, currency, date: json.date || now.slice(0, 10), note: json.note || "", created_by: me?.id };
  }
  // A group expense: its money from queued-shares.js; a rate the device cannot know leaves
  // it out of every balance until the server answers.
  return { category: "", notes: "", date: now.slice(0, 10), ...plain(base), amount: json.amount, group_id: groupId, currency, payers: [], splits: [], paid_by: json.paid_by ?? me?.id, created_by: me?.id };
}

/** Send what waits, in order (one run at a time). Stops at the first network failure. */
export function flush() {
  if (!flushing) {
    flushing = sendAll().finally(() => {
      flushing = null;
    });
  }
  return flushing;
}

async function sendAll() {
  // Only the outbox's own person sends it (another tab may be someone else's, see replica.js).
  const owner = await idb.meta("user");
  if (!owner || owner.id !== session.user()?.id) return;
  for (const entry of await entries()) {
    if (entry.failed) continue;
    let outcome;
    try {
      outcome = await send(entry);
    } catch (error) {
      if (error.status === 0) return; // the network went away again: the rest waits
      outcome = { failed: { status: error.status, problem: error.problem } };
    }
    await settle(entry, outcome);
  }
}

/** One write, as many times as it takes: its key makes a repeat land once. */
async function send(entry) {
  let etag = entry.etag;
  if (entry.method !== "POST" && !etag) {
    // Made on the replica: go ahead only if nobody changed the object since that copy.
    let current;
    try {
      current = await api.get(entry.path, { replica: false });
    } catch (error) {
      if (error.status === 404 && entry.method === "DELETE") return { done: true }; // gone already
      throw error;
    }
    if (entry.base && current.data.updated_at !== entry.base) {
      if (entry.method === "PATCH" && sameAs(current.data, entry.json)) return { done: true, document: current.data }; // ours landed
      return { failed: { status: 412, problem: { detail: "Someone changed this while you were offline." } }, server: current.data };
    }
    etag = current.etag;
  }
  const options = { json: entry.json, etag, key: entry.key, replica: false, queue: false };
  try {
    const answer = await api.request(entry.method, entry.path, options);
    return { done: true, document: entry.method === "DELETE" ? null : answer.data };
  } catch (error) {
    if (error.status === 404 && entry.method === "DELETE") return { done: true };
    if (error.status === 0 || error.status === 401) throw error;
    let server = null;
    if (entry.method !== "POST") server = (await api.get(entry.path, { replica: false }).catch(() => null))?.data ?? null;
    // A 412 for an edit that did land on an earlier try (its answer lost): nothing to ask.
    if (error.status === 412 && entry.method === "PATCH" && server && sameAs(server, entry.json)) return { done: true, document: server };
    return { failed: { status: error.status, problem: error.problem }, server };
  }
}

/** The server holds what we sent (a write whose answer was lost and that landed). */
function sameAs(document, sent) {
  return Object.entries(sent).every(([name, value]) => typeof value === "object" || String(document[name]) === String(value));
}

async function settle(entry, outcome) {
  await idb.transaction(["outbox", "expenses", "group_expenses", "settlements"], "readwrite", async (s) => {
    if (!(await idb.get(s.outbox, entry.seq))) return; // wiped meanwhile (signed out)
    if (outcome.done) {
      await idb.del(s.outbox, entry.seq);
      // The server's own document replaces what the device made of it (a placeholder, or
      // shares computed here whose spare cent the server may have placed elsewhere).
      const store = s[route(entry.method, entry.path).store];
      if (entry.method === "POST") await idb.del(store, -entry.seq);
      if (outcome.document?.id > 0) await idb.put(store, outcome.document);
    } else {
      await idb.put(s.outbox, { ...entry, failed: outcome.failed, server: outcome.server ?? null });
    }
  });
  changed();
}

/** The person's choice on a refused write: "mine" sends it again over the server's current version, "theirs" drops it. */
export async function resolve(seq, choice) {
  const entry = (await entries()).find((item) => item.seq === seq);
  if (!entry) return;
  if (choice === "mine") {
    const current = await api.get(entry.path, { replica: false }).catch(() => null);
    await idb.transaction(["outbox"], "readwrite", (s) =>
      idb.put(s.outbox, { ...entry, failed: null, server: null, etag: current?.etag ?? null, base: current?.data?.updated_at ?? entry.base }),
    );
    changed();
    await flush();
  } else {
    // Theirs: the server's version back in the replica, and a refused creation's placeholder gone.
    const { store } = route(entry.method, entry.path);
    await idb.transaction(["outbox", store], "readwrite", async (s) => {
      await idb.del(s.outbox, seq);
      if (entry.method === "POST") await idb.del(s[store], -seq);
      else if (entry.server) await idb.put(s[store], entry.server);
    });
    changed();
  }
}
