// The sign-in session: the tokens of the public API, as any client gets them.
//
// The access token lives in memory only (a module variable): nothing can read it from
// storage, and it never goes in a URL. The refresh token is kept in sessionStorage, per
// tab, so that reloading the page keeps the person signed in; closing the tab forgets it.
// Each refresh rotates the pair (the API ends the whole session when a refresh token is
// used twice), so refreshes are single-flight: concurrent callers share one.

const REFRESH_KEY = "expense_tracker.refresh_token";
const listeners = new Set();

let accessToken = null;
let expiresAt = 0;
let refreshing = null;
let currentUser = null;

export function user() {
  return currentUser;
}

export function setUser(value) {
  currentUser = value;
  notify();
}

export function signedIn() {
  return accessToken !== null;
}

/** Called with no argument whenever someone signs in or out. */
export function onChange(listener) {
  listeners.add(listener);
}

function notify() {
  for (const listener of listeners) listener();
}

function store(pair) {
  accessToken = pair.access_token;
  // Refresh a little before expiry: a quarter of the lifetime, at most 30 s early.
  const margin = Math.min(30, pair.expires_in / 4);
  expiresAt = Date.now() + (pair.expires_in - margin) * 1000;
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
}

function forget() {
  accessToken = null;
  expiresAt = 0;
  currentUser = null;
  sessionStorage.removeItem(REFRESH_KEY);
}

async function tokenRequest(path, { bearer, body } = {}) {
  const headers = { Accept: "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: "POST",
    headers,
    body: body ? JSON.stringify(body) : undefined,
    credentials: "omit",
    cache: "no-store",
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { response, data };
}

/** Sign in with email and password; resolves to the problem document on failure. */
export async function signIn(email, password) {
  const { response, data } = await tokenRequest("/token", { body: { email, password } });
  if (!response.ok) return { ok: false, status: response.status, problem: data };
  store(data);
  notify();
  return { ok: true };
}

/** A fresh pair from the refresh token (one at a time). False when the session is over. */
export function refresh() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return false;
  let result;
  try {
    result = await tokenRequest("/token/refresh", { bearer: token });
  } catch {
    return accessToken !== null; // offline: keep what we have, try again later
  }
  if (!result.response.ok) {
    const wasSignedIn = accessToken !== null;
    forget();
    if (wasSignedIn) notify();
    return false;
  }
  store(result.data);
  return true;
}

/** The access token to send now, refreshed first when it is about to expire. */
export async function bearer() {
  if (accessToken && Date.now() >= expiresAt) await refresh();
  return accessToken;
}

/** After a page load: resume the tab's session if it has one. */
export async function resume() {
  if (!sessionStorage.getItem(REFRESH_KEY)) return false;
  return refresh();
}

/** Sign out: the API revokes the whole session (both tokens), then we forget them. */
export async function signOut() {
  const token = accessToken || sessionStorage.getItem(REFRESH_KEY);
  forget();
  notify();
  if (token) {
    try {
      await tokenRequest("/token/revoke", { bearer: token });
    } catch {
      // The tokens are gone from this tab either way; they expire on their own.
    }
  }
}

/** After a password change the API has ended every session: sign in again with the new one. */
export function dropTokens() {
  accessToken = null;
  expiresAt = 0;
  sessionStorage.removeItem(REFRESH_KEY);
}
