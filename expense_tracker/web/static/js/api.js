// The REST API client: JSON in and out, problem+json errors as ApiError, ETags and
// Idempotency-Keys, and one retry after refreshing an expired access token.

import * as session from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    const body = problem && typeof problem === "object" ? problem : {};
    super(body.detail || body.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = body;
    this.type = body.type || "";
    /** {"splits.1.amount": ["..."]}: dotted paths name the fields. */
    this.errors = body.errors || {};
    /** Exact and several-payer splits that do not add up: total - sum, a money string. */
    this.difference = body.difference ?? null;
  }
}

/** Network failures look like API errors to the views, with status 0. */
function offline() {
  return new ApiError(0, { detail: "The service cannot be reached. Check your connection and try again." });
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * request("POST", "/expenses/", {json, etag, idempotent, query, form, accept})
 * -> {data, etag, total, next, response}; throws ApiError.
 */
export async function request(method, path, options = {}) {
  const { json, form, query, etag, idempotent = false, accept = "application/json", replica = true, queue = true } = options;
  const url = withQuery(path, query);
  const headers = { Accept: accept };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // FormData: the browser writes the multipart Content-Type
  }
  if (etag) headers["If-Match"] = etag;
  // One key per user action: a retry after a refresh replays instead of creating twice. A
  // write the outbox may keep (outbox.js) has one too, and keeps it for every later try.
  const keeps = method !== "GET" && json !== undefined && queue && (await outboxRoute(method, path));
  const key = options.key || (idempotent || keeps ? crypto.randomUUID() : null);
  if (key) headers["Idempotency-Key"] = key;

  // Signed in offline (no token until the network returns, session.js): the request would
  // only come back 401 and sign the person out, so it goes to the replica or the outbox.
  const unsigned = session.isOffline();
  let response;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = await session.bearer();
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      if (unsigned) throw new TypeError("signed in offline");
      response = await fetch(url, { method, headers, body, credentials: "omit", cache: "no-store" });
    } catch {
      // No network: a read the device's replica can answer is answered from it.
      const copy = method === "GET" && replica ? await fromReplica(path, query) : null;
      if (copy) return copy;
      // A write the outbox keeps waits for the network; the view carries on as if it landed.
      if (keeps || (method === "DELETE" && queue && (await outboxRoute(method, path)))) {
        const outbox = await import("./outbox.js");
        return outbox.enqueue({ method, path, json, etag, key: key || crypto.randomUUID(), label: options.label });
      }
      throw offline();
    }
    if (response.status !== 401 || attempt > 0 || !(await session.refresh())) break;
  }
  return answer(response);
}

/** Whether outbox.js keeps this write when offline (loaded on first use, like the replica). */
async function outboxRoute(method, path) {
  try {
    return (await import("./outbox.js")).route(method, path) !== null;
  } catch {
    return false;
  }
}

const replicaListeners = new Set();

/** listener() whenever an answer came from the replica instead of the network. */
export function onReplicaAnswer(listener) {
  replicaListeners.add(listener);
}

async function fromReplica(path, query) {
  try {
    // Loaded on first use: the replica imports this module for its own requests.
    const replica = await import("./replica.js");
    const copy = await replica.answer(path, query);
    if (!copy) return null;
    for (const listener of replicaListeners) listener();
    return { data: copy.data, response: null, etag: null, total: copy.total ?? NaN, next: copy.next ?? null, fromReplica: true };
  } catch (error) {
    console.warn("The offline copy could not answer:", error);
    return null;
  }
}

async function answer(response) {
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204) {
    if (type.includes("json")) data = await response.json().catch(() => null);
    // Files (a CSV export, a receipt's photo or PDF) stay bytes.
    else if (type.startsWith("text/csv") || type.startsWith("image/") || type.startsWith("application/pdf"))
      data = await response.blob();
    else data = await response.text();
  }
  if (!response.ok) {
    if (response.status === 401) await session.signOut();
    throw new ApiError(response.status, data);
  }
  return {
    data,
    response,
    etag: response.headers.get("ETag"),
    total: Number(response.headers.get("X-Total-Count") ?? NaN),
    next: nextLink(response.headers.get("Link")),
  };
}

function nextLink(header) {
  if (!header) return null;
  const match = header.split(",").map((part) => part.match(/<([^>]+)>\s*;\s*rel="?next"?/)).find(Boolean);
  if (!match) return null;
  const url = new URL(match[1], location.origin);
  return url.pathname + url.search;
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, json, options = {}) => request("POST", path, { json, ...options });
export const create = (path, json, options = {}) => request("POST", path, { json, idempotent: true, ...options });
export const patch = (path, json, options = {}) => request("PATCH", path, { json, ...options });
export const remove = (path, options) => request("DELETE", path, options);
