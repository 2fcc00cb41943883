// IndexedDB in promises: the one database that holds this device's copy of the signed-in
// person's data (js/replica.js) and their writes waiting for the network (js/outbox.js).
// Sign-out clears every store (wipe).

const NAME = "expense_tracker";
const VERSION = 1;
export const STORES = ["meta", "expenses", "groups", "members", "group_expenses", "settlements", "outbox"];

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("meta");
        db.createObjectStore("expenses", { keyPath: "id" });
        db.createObjectStore("groups", { keyPath: "id" });
        // A member is [group_id, user_id]: the feed names a member by user id within a group.
        db.createObjectStore("members", { keyPath: ["group_id", "user_id"] }).createIndex("group_id", "group_id");
        db.createObjectStore("group_expenses", { keyPath: "id" }).createIndex("group_id", "group_id");
        db.createObjectStore("settlements", { keyPath: "id" }).createIndex("group_id", "group_id");
        // Writes made offline, sent in the order they were made (seq).
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the schema: let it, and reopen on the next use.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
    opening.catch(() => {
      opening = null;
    });
  }
  return opening;
}

/** Run `work(stores)` in one transaction over `names`; resolves with its result once committed. */
export async function transaction(names, mode, work) {
  const db = await open();
  const tx = db.transaction(names, mode);
  if (mode === "readwrite") writes += 1;
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  let result;
  try {
    result = await work(stores);
  } catch (error) {
    tx.abort();
    done.catch(() => {});
    throw error;
  }
  await done;
  if (mode === "readwrite") writes += 1;
  return result;
}

// What read() returned, until the next write: a screen asks for the same store several
// times (the ledger, its month tiles, its categories), and 10,000 expenses take a while.
let writes = 0;
const cached = new Map();

export const get = (store, key) => promised(store.get(key));
export const getAll = (store, query) => promised(store.getAll(query));
export const put = (store, value, key) => promised(key === undefined ? store.put(value) : store.put(value, key));
export const del = (store, key) => promised(store.delete(key));
export const count = (store) => promised(store.count());

/** Everything of one store, or of one group through the store's group_id index. */
export function read(name, groupId) {
  const key = `${name}:${groupId ?? ""}`;
  const hit = cached.get(key);
  if (hit && hit.writes === writes) return hit.rows.then((rows) => [...rows]);
  const rows = transaction([name], "readonly", (s) =>
    groupId === undefined ? getAll(s[name]) : getAll(s[name].index("group_id"), Number(groupId)),
  );
  cached.set(key, { writes, rows });
  rows.catch(() => cached.delete(key));
  return rows.then((list) => [...list]);
}

export async function meta(key) {
  return transaction(["meta"], "readonly", (s) => get(s.meta, key));
}

/** Empty every store: the replica and the outbox alike. */
export async function wipe() {
  await transaction(STORES, "readwrite", (s) => Promise.all(STORES.map((name) => promised(s[name].clear()))));
}
