// The app without a network, as the person sees it: the replica kept in sync while signed in
// (on start, when the network returns, and every minute), the offline bar ("as of" the last
// sync, and how many changes wait to be sent), and every personal store wiped at sign-out.

import * as api from "./api.js";
import { review } from "./conflicts.js";
import { h, mount } from "./dom.js";
import { formatTimestamp } from "./dates.js";
import * as outbox from "./outbox.js";
import * as replica from "./replica.js";
import * as session from "./session.js";

const SYNC_EVERY_MS = 60_000;
let bar = null;
let timer = null;
let fromReplica = false;
let rerender = () => {};

function ensureBar() {
  if (!bar) {
    bar = h("div", { class: "offline-bar", role: "status", "aria-live": "polite", hidden: true });
    document.querySelector(".topbar").after(bar);
  }
  return bar;
}

/** Redraw the bar: offline and as of when, and the writes waiting for the network. */
export async function drawBar() {
  const node = ensureBar();
  if (!session.signedIn()) {
    node.hidden = true;
    return;
  }
  const [pending, at] = await Promise.all([outbox.entries().catch(() => []), replica.syncedAt()]);
  const refused = pending.filter((entry) => entry.failed).length;
  const waiting = pending.length - refused;
  const away = !navigator.onLine || session.isOffline() || fromReplica;
  const parts = [];
  if (away) parts.push(h("span", {}, at ? `Offline — showing your data as of ${formatTimestamp(at)}.` : "Offline."));
  if (waiting) parts.push(h("span", {}, waiting === 1 ? "1 change waiting to be sent." : `${waiting} changes waiting to be sent.`));
  if (refused) {
    parts.push(
      h("span", {}, refused === 1 ? "1 change the server refused." : `${refused} changes the server refused.`),
      h("button", { type: "button", class: "link", onclick: () => review() }, "Review"),
    );
  }
  node.hidden = !parts.length;
  mount(node, parts);
}

async function syncNow() {
  if (!session.signedIn() || session.isOffline()) return;
  try {
    await outbox.flush();
    await replica.sync();
    fromReplica = false;
  } catch (error) {
    if (error.status !== 0) console.warn("Sync failed:", error);
  }
  await drawBar();
}

/** The network is back: resume the session, send what waits, catch up, redraw the screen. */
async function backOnline() {
  if (!session.signedIn()) return;
  const wasAway = session.isOffline() || fromReplica;
  if (session.isOffline() && !(await session.reconnect())) return drawBar();
  await syncNow();
  if (wasAway) rerender();
}

/** After sign-in (or an online start): this person's replica, then keep it current. */
async function follow(user) {
  await replica.adopt(user);
  await syncNow();
}

/** Changes kept on this device that the server has not taken yet (sent or refused). */
export function waitingCount() {
  return outbox.count().catch(() => 0);
}

/** The person the replica belongs to, when it has been synced at least once. */
export async function replicaUser() {
  if (!(await replica.syncedAt())) return null;
  return replica.storedUser();
}

let followed = null;

export function start({ render }) {
  rerender = render;
  api.onReplicaAnswer(() => {
    fromReplica = true;
    drawBar();
  });
  outbox.onChange(() => drawBar());
  window.addEventListener("online", backOnline);
  // Every minute: catch up, or, signed in offline, try the network again.
  timer = setInterval(() => (session.isOffline() ? backOnline() : syncNow()), SYNC_EVERY_MS);
  window.addEventListener("offline", () => drawBar());
  session.onChange(() => {
    const user = session.user();
    if (!session.signedIn()) {
      // Signed out: nothing of this person stays on the device.
      followed = null;
      fromReplica = false;
      replica.wipe().catch((error) => console.warn("Could not wipe the offline copy:", error));
      drawBar();
    } else if (user && !session.isOffline() && followed !== user.id) {
      followed = user.id;
      follow(user).catch((error) => console.warn("Offline copy:", error));
    } else {
      drawBar();
    }
  });
}
