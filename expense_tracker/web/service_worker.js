// The app's service worker (scope /app/): the app's own files from a cache, so that the app
// opens without a network. Served by expense_tracker/web/offline.py, which fills in the
// version (a hash of every file's content) and the file list: any changed file changes
// this script, and the browser installs the new set beside the old one.
//
// What it never does: cache an API answer or anything else outside the list below. People's
// data stays in the page's IndexedDB replica (js/replica.js), which sign-out wipes; the
// caches here hold the same public files for everyone.

const VERSION = "__VERSION__";
const FILES = __FILES__;
const CACHE = `shell-${VERSION}`;
const PREFIX = "shell-";
const INDEX = "/app/";

self.addEventListener("install", (event) => {
  // The whole set or nothing: addAll fails if any file fails, and the old worker stays.
  // cache: "reload" skips the HTTP cache, so the set is the server's current files.
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((url) => new Request(url, { cache: "reload" })))),
  );
  // No skipWaiting here: the open pages keep the old set until the person chooses to
  // reload (the "Updated" note), so no page ever runs old and new modules together.
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

const LISTED = new Set(FILES);

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Page loads of the app (any fragment) get the cached index.html; the app's files come
  // from the cache first. Everything else, the API above all, goes to the network untouched.
  const path = request.mode === "navigate" && (url.pathname === INDEX || url.pathname === "/app/index.html") ? INDEX : url.pathname;
  if (!LISTED.has(path)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => (await cache.match(path)) || fetch(request)),
  );
});
