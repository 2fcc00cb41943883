// The app's components: the patterns people know from other apps (a list with a floating
// "+", tabs, dialogs, big numbers first), built once so that every screen looks and behaves
// alike. Each returns DOM nodes made with h(): text is always text, never HTML.

import { h, uid } from "./dom.js";
import { formatMoney, toMinor } from "./money.js";

/** The top of a page: an optional back link, the <h1>, optional actions and subtitle. */
export function pageHeader(title, { back, actions, subtitle } = {}) {
  return h(
    "header",
    { class: "page-header" },
    back ? h("a", { class: "back", href: back.href }, back.label) : null,
    h("div", { class: "title-row" }, h("h1", {}, title), actions ? h("div", { class: "actions" }, actions) : null),
    subtitle ? h("p", { class: "subtitle" }, subtitle) : null,
  );
}

/** A big number with its label ("Spent this month  €1,234.50"). */
export function stat(label, value, { tone } = {}) {
  return h("div", { class: ["stat", tone] }, h("span", { class: "label" }, label), h("span", { class: "value" }, value));
}

export function stats(...tiles) {
  return h("div", { class: "stats" }, tiles);
}

/** An amount in the browser's locale, in tabular figures. */
export function money(amount, currency, { signed = false } = {}) {
  return h("span", { class: "amount" }, formatMoney(amount, currency, { signed }));
}

function sign(net, currency) {
  const units = typeof net === "bigint" ? net : toMinor(net, currency, { signed: true }) ?? 0n;
  return units > 0n ? 1 : units < 0n ? -1 : 0;
}

function absolute(net) {
  return typeof net === "bigint" ? (net < 0n ? -net : net) : String(net).replace(/^-/, "");
}

/**
 * A net balance in words, with colour and an arrow that are only a second cue:
 * "you get back €12.50", "owes €4.00", "settled up". net > 0: the group owes them.
 */
export function balance(net, currency, { who } = {}) {
  const direction = sign(net, currency);
  const you = who === "you";
  if (direction === 0) return h("span", { class: "balance settled" }, you ? "you are settled up" : "settled up");
  const amount = formatMoney(absolute(net), currency);
  const words =
    direction > 0 ? (you ? `you get back ${amount}` : `gets back ${amount}`) : you ? `you owe ${amount}` : `owes ${amount}`;
  return h(
    "span",
    { class: ["balance", direction > 0 ? "owed" : "owing"] },
    h("span", { class: "arrow", "aria-hidden": "true" }, direction > 0 ? "↑" : "↓"),
    words,
  );
}

/** A small label: "Guest", "Recurring", "Paid", "Owner". A link when href is given. */
export function badge(text, { kind = "info", href } = {}) {
  return href ? h("a", { class: ["badge", kind], href }, text) : h("span", { class: ["badge", kind] }, text);
}

/** The floating add button: "+" on phones, "+ Add expense" on wide screens. */
export function fab(label, action) {
  const content = [h("span", { "aria-hidden": "true" }, "+"), h("span", { class: "fab-label" }, label)];
  if (typeof action === "string") return h("a", { class: "fab button", href: action, "aria-label": label }, content);
  return h("button", { type: "button", class: "fab", "aria-label": label, onclick: action }, content);
}

/** Something folded away until asked for (filters, advanced options, import). */
export function foldout(summary, ...content) {
  return h("details", { class: "foldout" }, h("summary", {}, summary), h("div", { class: "foldout-body" }, content));
}

export function emptyState(title, text, action) {
  return h("div", { class: "empty-state" }, h("h2", {}, title), text ? h("p", {}, text) : null, action || null);
}

/** A section with an optional <h2> title. */
export function card(title, ...content) {
  return h("section", { class: "card" }, title ? h("h2", {}, title) : null, content);
}

export function list(items, attributes = {}) {
  return h("ul", { class: "list", ...attributes }, items);
}

/**
 * One row of a list: title and meta on the left, amount (and side notes) on the right,
 * badges under the title. With href the whole row is one link; actions sit after it.
 */
export function listItem({ title, meta, amount, side, href, badges, actions, leading, attributes = {} }) {
  const body = [
    leading || null,
    h(
      "div",
      { class: "main" },
      h("span", { class: "title" }, title),
      meta ? h("span", { class: "meta" }, meta) : null,
      badges && [].concat(badges).filter(Boolean).length ? h("span", { class: "badges" }, badges) : null,
    ),
    amount || side ? h("div", { class: "side" }, amount || null, side || null) : null,
  ];
  const actionNodes = actions && [].concat(actions).filter(Boolean).length ? h("div", { class: "item-actions" }, actions) : null;
  if (href) {
    return h("li", { class: "list-item link-row", ...attributes }, h("a", { href }, body), actionNodes);
  }
  return h("li", { class: "list-item", ...attributes }, body, actionNodes);
}

/** Initials in a circle, beside a person's name (decorative: the name is always written). */
export function avatar(name) {
  const initials = String(name || "?")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join("");
  return h("span", { class: "avatar", "aria-hidden": "true" }, initials || "?");
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Esc closes, focus returns to the
 * control that opened it). content: a node, or (close) => node.
 */
export function openDialog(title, content, { onClose } = {}) {
  const opener = document.activeElement;
  const titleId = uid("dialog-title");
  const dialog = h("dialog", { class: "sheet", "aria-labelledby": titleId });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
    if (onClose) onClose();
  };
  dialog.addEventListener("close", close);
  dialog.append(
    h(
      "div",
      { class: "sheet-head" },
      h("h2", { id: titleId }, title),
      h("button", { type: "button", class: "quiet", onclick: close }, "Close"),
    ),
    h("div", { class: "sheet-body" }, typeof content === "function" ? content(close) : content),
  );
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector(".sheet-body input, .sheet-body select, .sheet-body textarea, .sheet-body button");
  if (first) first.focus();
  return { dialog, close };
}

/** Ask before a destructive or money-moving action. Resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = "Confirm", cancelLabel = "Cancel", danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const { close } = openDialog(
      title,
      (done) =>
        h(
          "div",
          {},
          [].concat(message).map((line) => (line instanceof Node ? line : h("p", {}, line))),
          h(
            "div",
            { class: "actions end" },
            h("button", { type: "button", onclick: done }, cancelLabel),
            h(
              "button",
              {
                type: "button",
                class: danger ? "danger" : "primary",
                onclick: () => {
                  answer = true;
                  done();
                },
              },
              confirmLabel,
            ),
          ),
        ),
      { onClose: () => resolve(answer) },
    );
    return close;
  });
}

/** Tabs as links (the tab is in the URL): {nav, panel}; items = [{id, label, href}]. */
export function tabs(items, active, { label = "Sections" } = {}) {
  const nav = h(
    "nav",
    { class: "tabs", "aria-label": label },
    items.map((item) => h("a", { href: item.href, "aria-current": item.id === active ? "page" : false }, item.label)),
  );
  const panel = h("div", { class: "tab-panel" });
  return { nav, panel };
}

/** A radio group that looks like a segmented control (split type, period). */
export function segmented(legend, name, choices, selected, onChange) {
  return h(
    "fieldset",
    { class: "segmented-group" },
    h("legend", {}, legend),
    h(
      "div",
      { class: "segmented" },
      choices.map(([value, text]) =>
        h(
          "label",
          {},
          h("input", {
            type: "radio",
            name,
            value,
            checked: String(value) === String(selected),
            onchange: onChange ? () => onChange(value) : undefined,
          }),
          h("span", {}, text),
        ),
      ),
    ),
  );
}

const PROBLEM_TEXT = {
  "limit-reached": "This has reached a limit the service keeps to protect everyone.",
  "rate-unavailable": "There is no exchange rate for that date. Type the rate yourself.",
};

/**
 * What happened and what to do, for any ApiError: {title, message, action}.
 * `action` is advice, not a link; the caller adds the link that fits the page.
 */
export function explain(error) {
  const status = error?.status ?? -1;
  const type = String(error?.type || "").split("/").pop();
  const detail = error?.message || "";
  if (status === 0)
    return {
      title: "You are offline",
      message: "The service cannot be reached.",
      action: "Check your connection, then try again.",
    };
  if (status === 401) return { title: "Signed out", message: "Your session has ended.", action: "Sign in again." };
  if (status === 403)
    return {
      title: "Not allowed",
      message: detail || "You are not allowed to do this.",
      action: "Ask the person who created it or an owner of the group.",
    };
  if (status === 404)
    return {
      title: "Not found",
      message: "It may have been deleted, or you are no longer a member of its group.",
      action: "Go back and reload the list.",
    };
  if (status === 409)
    return {
      title: "That cannot be done now",
      message: PROBLEM_TEXT[type] || detail || "It conflicts with the current state.",
      action: "Reload to see the latest state, then try again.",
    };
  if (status === 412)
    return {
      title: "Changed elsewhere",
      message: "Someone changed this since you opened it.",
      action: "Reload to see their version, then make your change again.",
    };
  if (status === 413) return { title: "Too large", message: detail || "That is too large.", action: "Send something smaller." };
  if (status === 422)
    return {
      title: "Check what you entered",
      message: PROBLEM_TEXT[type] || detail || "Some values are not valid.",
      action: "Correct it and try again.",
    };
  if (status === 429)
    return {
      title: "Too many requests",
      message: "You have done this too often in a short time.",
      action: "Wait a minute, then try again.",
    };
  return {
    title: "Something went wrong",
    message: detail || "The service had a problem.",
    action: "Try again in a moment. If it keeps happening, tell whoever runs this service.",
  };
}

/** A failure block: what happened, what to do, and a way back ({href, label}). */
export function failure(error, { back, retry } = {}) {
  const { title, message, action } = explain(error);
  return h(
    "div",
    { class: "failure", role: "alert" },
    h("h2", {}, title),
    h("p", {}, message),
    action ? h("p", {}, action) : null,
    back || retry
      ? h(
          "div",
          { class: "actions" },
          retry ? h("button", { type: "button", onclick: retry }, "Try again") : null,
          back ? h("a", { href: back.href, class: "button" }, back.label) : null,
        )
      : null,
  );
}

/** "1 member", "2 members": English plurals for counts of things. */
export function plural(count, one, many = `${one}s`) {
  return `${count} ${new Intl.PluralRules("en").select(count) === "one" ? one : many}`;
}
