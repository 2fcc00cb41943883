// The sign-in session: an access token in memory, a refresh token no script can read.
//
// The access token lives in memory only (a module variable): nothing can read it from
// storage, and it never goes in a URL. The refresh token is in an HttpOnly cookie that the
// API sets when we ask for "cookie mode" (the X-Refresh-Cookie header, auth/cookies.py):
// neither our scripts nor an injected one can read it, and the browser sends it to /token/*
// only, from this site's own pages only. Every tab shares it and it outlives the browser,
// so a new tab, a reload or a relaunch resumes the session with one refresh.
//
// Each refresh rotates the cookie's token, and the API ends the whole session when a
// replaced token comes back (reuse detection). So refreshes are single-flight in a tab
// (concurrent callers share one) and take turns across the browser's tabs under a Web Lock:
// a tab whose turn comes after another tab's refresh sends the cookie that one received.
// For a cookie holding the token replaced an instant ago (a refresh whose answer was lost as
// its tab closed, or a race without Web Locks, which a page over plain HTTP lacks) the API
// answers with the session's current token again; should two such refreshes still collide,
// the loser gets a 401 that leaves the session alone, and tries once more.
//
// localStorage keeps a hint only, "this browser has a session", so that loading the page
// in a browser that never signed in sends no refresh bound to fail.

const COOKIE_MODE = { "X-Refresh-Cookie": "1" };
const SIGNED_IN_KEY = "expense_tracker.signed_in";
// Before the cookie, each tab kept its refresh token here: resume() moves it to the cookie.
const LEGACY_REFRESH_KEY = "expense_tracker.refresh_token";
const REFRESH_LOCK = "expense_tracker.refresh";
const RACE_RETRY_MS = 300;
const listeners = new Set();

let accessToken = null;
let expiresAt = 0;
let refreshing = null;
let currentUser = null;
// Whose tokens this tab holds (the access token's `sub`): the cookie is the browser's, and
// after a sign-out and a sign-in elsewhere it may be someone else's.
let subject = null;
// Signed in on this device while the network is away: the app shows the person's replica
// (replica.js) until a refresh succeeds (reconnect) or fails for good (signed out).
let offline = false;
let unreachable = false;

export function user() {
  return currentUser;
}

export function setUser(value) {
  currentUser = value;
  notify();
}

export function signedIn() {
  return accessToken !== null || offline;
}

/** Signed in without a network: no token yet, the data is the device's replica. */
export function isOffline() {
  return offline;
}

/** A slow network on a repeat visit: show the replica's person while resume() goes on. */
export function startOffline(person) {
  offline = true;
  currentUser = person;
  notify();
}

/** Back online: turn an offline session into a real one (true), or end it (false). */
export async function reconnect() {
  if (!offline) return signedIn();
  const ok = await refresh();
  if (ok) {
    offline = false;
    notify();
  } else if (!unreachable) {
    forget();
    notify();
  }
  return ok;
}

/** Called with no argument whenever someone signs in or out. */
export function onChange(listener) {
  listeners.add(listener);
}

function notify() {
  for (const listener of listeners) listener();
}

/** The "this browser has a session" hint; storage may be switched off, then no hint. */
function hint(value) {
  try {
    if (value === undefined) return localStorage.getItem(SIGNED_IN_KEY) === "1";
    if (value) localStorage.setItem(SIGNED_IN_KEY, "1");
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // No storage: every page load then starts signed out, as before the cookie.
  }
  return false;
}

/** The user id an access token is for (its payload is plain base64url JSON, not secret). */
function subjectOf(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sub;
  } catch {
    return null;
  }
}

function store(pair) {
  accessToken = pair.access_token;
  offline = false;
  subject = subjectOf(pair.access_token);
  // Refresh a little before expiry: a quarter of the lifetime, at most 30 s early.
  const margin = Math.min(30, pair.expires_in / 4);
  expiresAt = Date.now() + (pair.expires_in - margin) * 1000;
  hint(true);
}

function dropAccess() {
  accessToken = null;
  subject = null;
  expiresAt = 0;
  hint(false);
}

function forget() {
  offline = false;
  dropAccess();
  currentUser = null;
}

async function tokenRequest(path, { bearer, body } = {}) {
  const headers = { Accept: "application/json", ...COOKIE_MODE };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: "POST",
    headers,
    body: body ? JSON.stringify(body) : undefined,
    // The cookie is sent and set on same-origin requests only, which these are.
    credentials: "same-origin",
    cache: "no-store",
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { response, data };
}

/** Run `task` while no other tab of this browser refreshes (when it has Web Locks). */
function exclusively(task) {
  if (navigator.locks?.request) return navigator.locks.request(REFRESH_LOCK, () => task());
  return task();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sign in with email and password; resolves to the problem document on failure. */
export async function signIn(email, password) {
  const { response, data } = await tokenRequest("/token", { body: { email, password } });
  if (!response.ok) return { ok: false, status: response.status, problem: data };
  store(data);
  notify();
  return { ok: true };
}

/** A fresh access token from the cookie (one at a time). False when the session is over. */
export function refresh() {
  if (!refreshing) {
    refreshing = exclusively(() => doRefresh()).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh({ bearer, retried = false } = {}) {
  let result;
  unreachable = false;
  try {
    result = await tokenRequest("/token/refresh", { bearer });
  } catch {
    unreachable = true;
    return accessToken !== null; // offline: keep what we have, try again later
  }
  const { response, data } = result;
  if (response.ok) {
    if (subject !== null && subjectOf(data.access_token) !== subject) {
      // This tab's person signed out and someone else signed in, in another tab: what this
      // page shows is not theirs. Start afresh as the cookie's user.
      location.reload();
      return new Promise(() => {}); // the page is going away
    }
    store(data);
    return true;
  }
  if (response.status === 401 && !retried && !bearer && !navigator.locks?.request) {
    // Perhaps another tab's refresh won a race for the same cookie: by now it holds the new one.
    await sleep(RACE_RETRY_MS);
    return doRefresh({ retried: true });
  }
  if (response.status !== 401 && response.status !== 403) {
    return accessToken !== null; // busy or failing server: the session itself is fine
  }
  const wasSignedIn = accessToken !== null;
  forget();
  if (wasSignedIn) notify();
  return false;
}

/** The access token to send now, refreshed first when it is about to expire. */
export async function bearer() {
  if (accessToken && Date.now() >= expiresAt) await refresh();
  return accessToken;
}

/** After a page load: resume the browser's session if it has one. */
export async function resume() {
  let legacy = null;
  try {
    legacy = sessionStorage.getItem(LEGACY_REFRESH_KEY);
    sessionStorage.removeItem(LEGACY_REFRESH_KEY);
  } catch {
    // No storage, so no token from before the cookie either.
  }
  const hinted = hint();
  // A tab signed in before the cookie: its token is exchanged for the cookie, once.
  if (legacy && (await exclusively(() => doRefresh({ bearer: legacy })))) return true;
  if (!hinted) return false;
  if (await refresh()) return true;
  // No network: this browser's session may well be alive; the app opens on the replica.
  if (unreachable) offline = true;
  return offline;
}

/** Sign out: the API revokes the whole session and clears the cookie; we forget the rest. */
export async function signOut() {
  const token = accessToken;
  const hadSession = token !== null || offline || hint();
  forget();
  notify();
  if (!hadSession) return;
  // Under the lock: after any refresh of another tab in flight, with the cookie it leaves.
  await exclusively(async () => {
    try {
      const { response } = await tokenRequest("/token/revoke");
      // No cookie any more (cleared by hand?): the session is still this access token's.
      if (response.status === 401 && token) await tokenRequest("/token/revoke", { bearer: token });
    } catch {
      // Offline: the tokens are gone from this browser either way; they expire on their own.
    }
  });
}

/** After a password change the API has ended every session: sign in again with the new one. */
export function dropTokens() {
  dropAccess();
}
