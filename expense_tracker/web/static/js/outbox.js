// Writes made without a network, kept in IndexedDB (idb.js, store "outbox") and sent in
// order when it returns.

import * as idb from "./idb.js";

const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
}

export async function count() {
  return idb.transaction(["outbox"], "readonly", (s) => idb.count(s.outbox));
}

export async function flush() {}
