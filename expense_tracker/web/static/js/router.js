// Hash routes (#/groups/3): static files need no server-side routing, and the fragment
// never reaches a server or its logs (the invite code in #/join/<code> included).

const routes = [];
let notFound = null;

/** route("/groups/:id", view): view(params) renders into <main>. */
export function route(pattern, view, { public: isPublic = false } = {}) {
  const names = [];
  const regex = new RegExp(
    `^${pattern.replace(/:([a-z_]+)/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    })}$`,
  );
  routes.push({ regex, names, view, isPublic });
}

export function fallback(view) {
  notFound = view;
}

/** The route's path, without the query ("#/join/abc?g=Trip" -> "/join/abc"). */
export function currentPath() {
  const hash = location.hash;
  return hash.startsWith("#/") ? hash.slice(1).split("?")[0] : "/";
}

/** The part after "?" in the fragment, e.g. the group name an invite link carries. */
export function currentQuery() {
  const hash = location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

export function match(path) {
  for (const candidate of routes) {
    const found = candidate.regex.exec(path);
    if (found) {
      const params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { ...candidate, params: { ...params, query: currentQuery() } };
    }
  }
  return notFound ? { view: notFound, params: { query: currentQuery() }, isPublic: true } : null;
}

export function go(path) {
  if (location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = `#${path}`;
}

// Where a signed-out visitor wanted to go (an invite link), to continue after signing in.
let afterSignIn = null;

export function rememberTarget(path) {
  afterSignIn = path;
}

export function continueAfterSignIn() {
  const target = afterSignIn || "/expenses";
  afterSignIn = null;
  go(target);
}
