// What every card of a group's Members tab shares: a button that runs its request once at a
// time and says in its card what went wrong, in words fitted to the case where one fits.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { explain } from "../ui.js";

/** A box for what went wrong with an action in one card (role=alert, empty = hidden). */
export function problemBox() {
  return h("div", { class: "form-alert", role: "alert", tabindex: "-1" });
}

function showProblem(box, { title, message, action, link }) {
  mount(box, h("p", {}, h("strong", {}, title), " ", message, action ? ` ${action}` : null), link ? h("p", {}, link) : null);
  box.scrollIntoView({ block: "nearest" });
  box.focus({ preventScroll: true });
}

/** A button that runs `action` once at a time, and says in `box` what went wrong. */
export function actionButton(label, action, box, attributes = {}) {
  const button = h("button", { type: "button", ...attributes }, label);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    box.replaceChildren();
    try {
      await action();
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      showProblem(box, error.explained || explain(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Attach a specific explanation to an ApiError (what happened, what to do). */
export function explained(error, title, message, link) {
  error.explained = { title, message, link };
  return error;
}

/** The way to the group's balances, where settling up happens. */
export function balancesLink(ctx) {
  return h("a", { href: `#/groups/${ctx.id}/balances` }, "Open Balances to settle up");
}
