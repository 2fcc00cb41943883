// The app's entry point: resume the session, draw the navigation, show the route's view.
// Views are loaded when first needed (one module per screen), so the first page costs only
// the modules it uses.

import * as api from "./api.js";
import { h, mount, loading } from "./dom.js";
import * as router from "./router.js";
import * as session from "./session.js";
import * as offline from "./offline.js";
import { registerShell } from "./shell.js";
import { confirmDialog, failure } from "./ui.js";
import { onUnread, refreshUnread, unreadCount } from "./unread.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const topLinks = document.getElementById("top-links");

/** A route whose view lives in views/<module>.js as export <name>, imported on first use. */
function lazy(module, name) {
  return async (node, params) => {
    const loaded = await import(`./views/${module}.js`);
    return loaded[name](node, params);
  };
}

// Order matters where patterns overlap: the first match wins.
router.route("/signin", lazy("auth", "signInView"), { public: true });
router.route("/signup", lazy("auth", "signUpView"), { public: true });
router.route("/join/:code", lazy("join", "joinView"), { public: true });
router.route("/expenses", lazy("expenses", "expensesView"));
router.route("/expenses/recurring", lazy("series", "personalSeriesView"));
router.route("/summary", lazy("summary", "summaryView"));
router.route("/groups", lazy("groups", "groupsView"));
router.route("/groups/:id/recurring", lazy("group-series", "groupSeriesView"));
router.route("/groups/:id/recurring/new", lazy("group-series", "groupSeriesFormView"));
router.route("/groups/:id/recurring/:sid", lazy("group-series", "groupSeriesFormView"));
router.route("/groups/:id/expenses/new", lazy("group-expense-form", "groupExpenseView"));
router.route("/groups/:id/expenses/:eid/edit", lazy("group-expense-form", "groupExpenseView"));
router.route("/groups/:id/expenses/:eid", lazy("group-expense-detail", "groupExpenseDetailView"));
router.route("/groups/:id", lazy("group", "groupView"));
router.route("/groups/:id/:tab", lazy("group", "groupView"));
router.route("/notifications", lazy("notifications", "notificationsView"));
router.route("/activity", lazy("activity", "myActivityView"));
router.route("/trash", lazy("trash", "trashView"));
router.route("/account", lazy("account", "accountView"));
router.fallback(() => router.go(session.signedIn() ? "/expenses" : "/signin"));

// The main sections: a tab bar at the bottom of a phone, links in the top bar on wide screens.
const SECTIONS = [
  ["/expenses", "Expenses"],
  ["/summary", "Summary"],
  ["/groups", "Groups"],
  ["/account", "Account"],
];

function drawNav() {
  const path = router.currentPath();
  if (!session.signedIn()) {
    mount(nav);
    mount(topLinks);
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  mount(
    nav,
    h(
      "ul",
      {},
      SECTIONS.map(([href, label]) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#${href}`, "aria-current": path.startsWith(href) ? "page" : false },
            // The icon is drawn by the stylesheet, so that the link's text is its name alone.
            h("span", { class: ["glyph", `glyph-${href.slice(1)}`], "aria-hidden": "true" }),
            label,
          ),
        ),
      ),
    ),
  );
  drawTopLinks(path);
}

/** The bell with the unread count (its accessible name says the number), and sign out. */
function drawTopLinks(path = router.currentPath()) {
  if (!session.signedIn()) return;
  const count = unreadCount();
  const label = count ? `Notifications, ${count} unread` : "Notifications";
  mount(
    topLinks,
    h(
      "a",
      {
        href: "#/notifications",
        class: "icon-link",
        "aria-label": label,
        "aria-current": path.startsWith("/notifications") ? "page" : false,
      },
      bell(),
      count ? h("span", { class: "count-badge", "aria-hidden": "true" }, count > 99 ? "99+" : String(count)) : null,
    ),
    h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
  );
}

/** A bell drawn in SVG: no icon font or emoji font is needed. */
function bell() {
  return h(
    "svg:svg",
    { viewBox: "0 0 24 24", width: "22", height: "22", "aria-hidden": "true", focusable: "false", class: "icon" },
    h("svg:path", {
      d: "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z",
      fill: "currentColor",
    }),
  );
}

onUnread(() => drawTopLinks());

async function signOut() {
  // Sign-out wipes this device's copy, and with it any change not sent yet: ask first.
  const waiting = await offline.waitingCount();
  if (
    waiting &&
    !(await confirmDialog({
      title: "Sign out and lose unsent changes?",
      message: `${waiting === 1 ? "1 change has" : `${waiting} changes have`} not reached the server yet. Signing out deletes ${waiting === 1 ? "it" : "them"} from this device.`,
      confirmLabel: "Sign out",
      danger: true,
    }))
  )
    return;
  await session.signOut();
  router.go("/signin");
}

/** Where to go back to after a failure, by the route that failed. */
function backFor(path) {
  const group = /^\/groups\/(\d+)\/(expenses|recurring)\//.exec(path);
  if (group) return { href: `#/groups/${group[1]}`, label: "Back to the group" };
  if (path.startsWith("/groups")) return { href: "#/groups", label: "Back to your groups" };
  if (path.startsWith("/join")) return { href: "#/groups", label: "Go to your groups" };
  return { href: "#/expenses", label: "Back to your expenses" };
}

let renderCount = 0;

async function render() {
  const path = router.currentPath();
  const found = router.match(path);
  drawNav();
  if (!found.isPublic && !session.signedIn()) {
    router.rememberTarget(location.hash.slice(1));
    router.go("/signin");
    return;
  }
  if (found.isPublic && session.signedIn() && (path === "/signin" || path === "/signup")) {
    router.continueAfterSignIn();
    return;
  }
  const mine = (renderCount += 1);
  mount(main, loading());
  const node = h("div", { class: "view" });
  try {
    await found.view(node, found.params);
  } catch (error) {
    if (!(error instanceof api.ApiError)) {
      // A screen that failed to load or draw: say so instead of a blank page.
      console.error(error);
      error = new api.ApiError(500, { detail: "This screen could not be shown." });
    }
    if (error.status === 401) return; // signed out: onChange already moved on
    const title = error.status === 404 ? "Not found" : error.status === 0 ? "You are offline" : "Something went wrong";
    mount(node, h("h1", {}, title), failure(error, { back: backFor(path), retry: () => render() }));
  }
  if (mine !== renderCount) return; // a newer navigation won
  mount(main, node);
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · Expense tracker` : "Expense tracker";
  if (session.signedIn()) refreshUnread();
}

/** Move focus to the new page's heading, so keyboard and screen-reader users follow along. */
function focusMain() {
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}

session.onChange(() => {
  drawNav();
  if (!session.signedIn() && !router.match(router.currentPath()).isPublic) router.go("/signin");
});

window.addEventListener("hashchange", async () => {
  await render();
  focusMain();
});

document.getElementById("skip-link").addEventListener("click", () => main.focus());

// A repeat visit on a slow network: past this, the ledger shows from the replica while the
// session resumes, then again from the network once it has.
const EARLY_MS = 800;

async function start() {
  const resuming = session.resume();
  const early = await Promise.race([resuming, new Promise((done) => setTimeout(() => done("slow"), EARLY_MS))]);
  if (early === "slow") {
    const person = await offline.replicaUser();
    if (person) {
      session.startOffline(person);
      await render();
      const resumed = await resuming;
      if (session.isOffline()) return; // no network after all: stay on the replica
      if (!resumed) {
        await session.signOut();
        return;
      }
      try {
        session.setUser((await api.get("/users/me")).data);
      } catch {
        await session.signOut();
        return;
      }
      await render();
      return;
    }
  }
  if (await resuming) {
    try {
      session.setUser((await api.get("/users/me")).data);
    } catch {
      await session.signOut();
    }
  }
  await render();
}

offline.start({ render: () => render() });
start();
registerShell();
