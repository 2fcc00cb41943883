// The app's entry point: resume the session, draw the navigation, show the route's view.

import * as api from "./api.js";
import { h, mount, loading } from "./dom.js";
import * as router from "./router.js";
import * as session from "./session.js";
import { accountView } from "./views/account.js";
import { signInView, signUpView } from "./views/auth.js";
import { expensesView } from "./views/expenses.js";
import { groupExpenseView } from "./views/group-expense-form.js";
import { groupView } from "./views/group.js";
import { groupsView, joinView } from "./views/groups.js";
import { summaryView } from "./views/summary.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");

router.route("/signin", signInView, { public: true });
router.route("/signup", signUpView, { public: true });
router.route("/expenses", expensesView);
router.route("/summary", summaryView);
router.route("/groups", groupsView);
router.route("/groups/:id", groupView);
router.route("/groups/:id/expenses/new", groupExpenseView);
router.route("/groups/:id/expenses/:eid", groupExpenseView);
router.route("/join/:code", joinView);
router.route("/account", accountView);
router.fallback(() => router.go(session.signedIn() ? "/expenses" : "/signin"));

const LINKS = [
  ["/expenses", "Expenses"],
  ["/summary", "Summary"],
  ["/groups", "Groups"],
  ["/account", "Account"],
];

function drawNav() {
  if (!session.signedIn()) {
    mount(nav);
    return;
  }
  const path = router.currentPath();
  mount(
    nav,
    h(
      "ul",
      {},
      LINKS.map(([href, label]) =>
        h(
          "li",
          {},
          h("a", { href: `#${href}`, "aria-current": path.startsWith(href) ? "page" : false }, label),
        ),
      ),
      h("li", {}, h("button", { type: "button", class: "link", onclick: signOut }, "Sign out")),
    ),
  );
}

async function signOut() {
  await session.signOut();
  router.go("/signin");
}

let renderCount = 0;

async function render() {
  const path = router.currentPath();
  const found = router.match(path);
  drawNav();
  if (!found.isPublic && !session.signedIn()) {
    router.rememberTarget(path);
    router.go("/signin");
    return;
  }
  if (found.isPublic && session.signedIn() && (path === "/signin" || path === "/signup")) {
    router.go("/expenses");
    return;
  }
  const mine = (renderCount += 1);
  mount(main, loading());
  const node = h("div", { class: "view" });
  try {
    await found.view(node, found.params);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    if (error.status === 401) return; // signed out: onChange already moved on
    mount(
      node,
      h("h1", {}, error.status === 404 ? "Not found" : "Something went wrong"),
      h("p", { role: "alert" }, error.message),
      h("p", {}, h("a", { href: "#/expenses" }, "Back to your expenses")),
    );
  }
  if (mine !== renderCount) return; // a newer navigation won
  mount(main, node);
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · Expense tracker` : "Expense tracker";
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

async function start() {
  if (await session.resume()) {
    try {
      session.setUser((await api.get("/users/me")).data);
    } catch {
      await session.signOut();
    }
  }
  await render();
}

start();
