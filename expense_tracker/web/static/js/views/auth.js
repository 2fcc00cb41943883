// Sign up and sign in; afterwards the person continues where they were going (an invite
// link, a page opened while signed out), else to their expenses.

import * as api from "../api.js";
import { h, field, mount } from "../dom.js";
import { onSubmit } from "../forms.js";
import * as router from "../router.js";
import * as session from "../session.js";

/**
 * Where to go after signing in: `?next=/join/abc?g=...` from the link that brought the
 * person here. Only a path of this app ("/..."), never "//host" or "javascript:".
 */
function nextPath(params) {
  const next = params?.query?.get?.("next") || queryOf(params)?.get("next");
  if (!next || !next.startsWith("/") || next.startsWith("//") || /[\s\\]/.test(next)) return null;
  return next;
}

/** The query of #/signin?next=..., also when the router keeps it inside the path. */
function queryOf() {
  const hash = location.hash;
  const mark = hash.indexOf("?");
  return mark >= 0 ? new URLSearchParams(hash.slice(mark + 1)) : null;
}

function continueTo(next) {
  if (next) router.go(next);
  else if (router.continueAfterSignIn) router.continueAfterSignIn();
  else router.go("/expenses");
}

async function signInAndLoad(email, password, next) {
  const result = await session.signIn(email, password);
  if (!result.ok) {
    throw new api.ApiError(result.status, result.problem);
  }
  session.setUser((await api.get("/users/me")).data);
  continueTo(next);
}

/** An invite link brought them here: say where it leads (as the link says). */
function inviteNote(next, what) {
  if (!next?.startsWith("/join/")) return null;
  const mark = next.indexOf("?");
  const query = new URLSearchParams(mark >= 0 ? next.slice(mark + 1) : "");
  const group = (query.get("g") || "").trim().slice(0, 100);
  const by = (query.get("by") || "").trim().slice(0, 100);
  const text = group
    ? `${by ? `${by} invited you` : "You are invited"} to ${group} (as the link says). ${what} to join.`
    : `You are invited to a group. ${what} to join.`;
  return h("p", { class: "notice invite-note", role: "note" }, text);
}

function withNext(path, next) {
  return next ? `#${path}?next=${encodeURIComponent(next)}` : `#${path}`;
}

export function signInView(node, params) {
  const next = nextPath(params);
  const form = h(
    "form",
    { class: "card narrow auth-form", novalidate: true },
    field("Email", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  onSubmit(form, async ({ email, password }) => {
    try {
      await signInAndLoad(email, password, next);
    } catch (error) {
      // The API answers the same 401 for an unknown email and a wrong password.
      if (error.status === 401) error.message = "That email and password do not match an account. Check both, or create an account.";
      if (error.status === 429) error.message = "Too many sign-in attempts in a short time. Wait a minute, then try again.";
      if (error.status === 0) error.message = "The service cannot be reached. Check your connection and try again.";
      throw error;
    }
  });
  mount(
    node,
    h("header", { class: "page-header auth-header" }, h("h1", {}, "Sign in")),
    inviteNote(next, "Sign in"),
    form,
    h("p", { class: "auth-switch" }, "New here? ", h("a", { href: withNext("/signup", next) }, "Create an account")),
  );
}

// A first guess at the currency from the browser's region; the person can change it.
const REGION_CURRENCIES = {
  AT: "EUR", BE: "EUR", DE: "EUR", ES: "EUR", FI: "EUR", FR: "EUR", GR: "EUR", IE: "EUR",
  IT: "EUR", LU: "EUR", NL: "EUR", PT: "EUR", AU: "AUD", CA: "CAD", CH: "CHF", CZ: "CZK",
  DK: "DKK", GB: "GBP", IN: "INR", JP: "JPY", NO: "NOK", NZ: "NZD", PL: "PLN", SE: "SEK",
  US: "USD",
};

function guessCurrency() {
  try {
    const region = new Intl.Locale(navigator.language).maximize().region;
    return REGION_CURRENCIES[region] || "USD";
  } catch {
    return "USD";
  }
}

export function signUpView(node, params) {
  const next = nextPath(params);
  const form = h(
    "form",
    { class: "card narrow auth-form", novalidate: true },
    field("Your name", h("input", { name: "full_name", autocomplete: "name", required: true, maxlength: 100 }), "Shown to the people in your groups."),
    field("Email", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 8, maxlength: 128 }),
      "8 to 128 characters.",
    ),
    field(
      "Currency",
      h("input", {
        name: "default_currency",
        value: guessCurrency(),
        autocomplete: "off",
        maxlength: 3,
        pattern: "[A-Za-z]{3}",
        class: "short",
        autocapitalize: "characters",
      }),
      "Your usual currency: three letters, such as EUR or JPY. You can change it later.",
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create account")),
  );
  onSubmit(form, async (values) => {
    try {
      await api.create("/users/", values);
    } catch (error) {
      if (error.status === 409) {
        error.message = "An account with this email exists already. Sign in instead, or use another email.";
        error.errors = { email: ["An account with this email exists already."] };
      }
      if (error.status === 429) error.message = "Too many accounts created from here in a short time. Wait a minute, then try again.";
      throw error;
    }
    await signInAndLoad(values.email, values.password, next);
  });
  mount(
    node,
    h("header", { class: "page-header auth-header" }, h("h1", {}, "Create your account")),
    inviteNote(next, "Create an account"),
    form,
    h("p", { class: "auth-switch" }, "Already have one? ", h("a", { href: withNext("/signin", next) }, "Sign in")),
  );
}
