// This device's copy of what the signed-in person can see, in IndexedDB (idb.js), kept
// current through the change feed (GET /users/me/changes: a first sync through every page,
// then what changed since the kept cursor), so that the app shows their data without a
// network. api.js asks answer() for a GET the network could not answer; the views do not
// know the difference, and the offline bar (offline.js) says the data is as of the last sync.

import * as api from "./api.js";
import * as idb from "./idb.js";
import * as session from "./session.js";
import { groupBalances, settlePlan } from "./balances.js";
import { queries } from "./replica-queries.js";

const PAGE = 500;
const DATA = ["expenses", "groups", "members", "group_expenses", "settlements"];
const listeners = new Set();
let syncing = null;
// Bumped by wipe(): a sync that was running for the person who signed out stops writing.
let generation = 0;

/** listener(changedCount) after each sync. */
export function onSynced(listener) {
  listeners.add(listener);
}

/** The replica is one person's: a leftover of someone else's (a sign-out that never finished) goes first. */
export async function adopt(user) {
  const owner = await idb.meta("user");
  if (owner && owner.id !== user.id) await wipe();
  await idb.transaction(["meta"], "readwrite", (s) => idb.put(s.meta, user, "user"));
}

/** The signed-in person as last seen online, for an app that starts offline. */
export function storedUser() {
  return idb.meta("user").catch(() => null);
}

export async function syncedAt() {
  return idb.meta("synced_at").catch(() => null);
}

export async function wipe() {
  generation += 1;
  await idb.wipe();
}

/** Bring the replica up to date (one run at a time); resolves to the number of changes. */
export function sync() {
  if (!syncing) {
    syncing = pull().finally(() => {
      syncing = null;
    });
  }
  return syncing;
}

async function pull() {
  const mine = generation;
  const owner = await idb.meta("user");
  // The replica is the browser's, shared by its tabs: a tab left open by someone who signed
  // out elsewhere must not pour their data into the next person's.
  if (!owner || owner.id !== session.user()?.id) return 0;
  let cursor = await idb.meta("cursor");
  let changed = 0;
  for (;;) {
    let answer;
    try {
      answer = await api.get("/users/me/changes", { query: { cursor, limit: PAGE }, replica: false });
    } catch (error) {
      if (error.status !== 422 || !cursor) throw error;
      // A cursor the server no longer reads: start again from the beginning.
      await idb.transaction([...DATA, "meta"], "readwrite", (s) => Promise.all([...DATA.map((n) => s[n].clear()), idb.del(s.meta, "cursor")]));
      cursor = undefined;
      continue;
    }
    const { changes, cursor: next, has_more: more } = answer.data;
    if (mine !== generation) return changed;
    await idb.transaction([...DATA, "meta"], "readwrite", async (s) => {
      // Signed out (or someone else) meanwhile: this page is not theirs to keep.
      const still = await idb.get(s.meta, "user");
      if (!still || still.id !== owner.id) return;
      for (const change of changes) await apply(s, change);
      idb.put(s.meta, next, "cursor");
      if (!more) idb.put(s.meta, new Date().toISOString(), "synced_at");
    });
    changed += changes.length;
    cursor = next;
    if (!more) break;
  }
  for (const listener of listeners) listener(changed);
  return changed;
}

const STORE_OF = { expense: "expenses", group_expense: "group_expenses", settlement: "settlements" };

async function apply(s, change) {
  const { type, id, group_id: groupId, deleted, data } = change;
  if (type === "comment") return; // comments are read online only
  if (type === "member") {
    if (deleted) await idb.del(s.members, [groupId, id]);
    else await idb.put(s.members, { ...data, group_id: groupId });
    return;
  }
  if (type === "group") {
    if (!deleted) {
      await idb.put(s.groups, data);
      return;
    }
    // A group deleted or left: everything of it goes.
    await idb.del(s.groups, id);
    for (const name of ["members", "group_expenses", "settlements"]) {
      const index = s[name].index("group_id");
      const keys = await new Promise((resolve, reject) => {
        const request = index.getAllKeys(id);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const key of keys) s[name].delete(key);
    }
    return;
  }
  const store = s[STORE_OF[type]];
  if (!store) return;
  if (deleted) await idb.del(store, id);
  else await idb.put(store, data);
}

/** What the replica holds for one group: its document, members, expenses, payments. */
export async function groupData(groupId) {
  const id = Number(groupId);
  const [groups, members, expenses, settlements] = await Promise.all([
    idb.transaction(["groups"], "readonly", (s) => idb.get(s.groups, id)),
    idb.read("members", id),
    idb.read("group_expenses", id),
    idb.read("settlements", id),
  ]);
  return { group: groups, members, expenses, settlements };
}

export async function balancesOf(groupId) {
  const { group, members, expenses, settlements } = await groupData(groupId);
  if (!group) return null;
  const rows = groupBalances(group, members, expenses, settlements);
  return { group, rows, plan: settlePlan(rows, group.currency) };
}

/**
 * An API answer from the replica for a GET the network could not answer: {data, total,
 * next} like api.request's, or null when the replica cannot tell (never synced, or a path
 * it does not hold).
 */
export async function answer(path, query = {}) {
  if (!(await syncedAt())) return null;
  const url = new URL(path, location.origin);
  const params = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [k, String(v)])) };
  for (const [pattern, handler] of queries({ balancesOf, groupData })) {
    const found = pattern.exec(url.pathname);
    if (found) return handler(params, ...found.slice(1).map(Number));
  }
  return null;
}
