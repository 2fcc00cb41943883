// The unread-notification count shown in the navigation. main.js draws the badge; views
// that mark notifications read call refreshUnread() so it updates at once.

import * as api from "./api.js";

const listeners = new Set();
let count = 0;

export function unreadCount() {
  return count;
}

/** Called with the new count whenever it changes. */
export function onUnread(listener) {
  listeners.add(listener);
}

/** Re-read the count (X-Unread-Count of a one-item page of unread notifications). */
export async function refreshUnread() {
  try {
    const answer = await api.get("/users/me/notifications", { query: { unread: "true", limit: 1 } });
    const value = Number(answer.response.headers.get("X-Unread-Count") ?? 0);
    count = Number.isFinite(value) ? value : 0;
  } catch {
    return count; // signed out or offline: keep the last count
  }
  for (const listener of listeners) listener(count);
  return count;
}
