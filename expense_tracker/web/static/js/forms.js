// Showing the API's problem+json next to the fields it names. A control declares the
// field it edits with data-field (a dotted path such as "splits.1.amount") or its name;
// errors that name no control, and the problem's detail, go to the form's alert box.
// Each message is said once: under its field, or in the alert box, never both. An error
// goes away as soon as its field is edited.
//
// Amount inputs ([data-amount], made by money.amountInput) take the person's own notation
// ("12,50"); values() hands the API's ("12.50"), and onSubmit refuses to send an amount
// it cannot read, saying so under the field.

import { append, h } from "./dom.js";
import { exampleAmount, parseAmount } from "./money.js";

/** Remove the error shown for one control (when the person edits it). */
export function clearFieldError(control) {
  if (!control.hasAttribute("aria-invalid")) return;
  control.removeAttribute("aria-invalid");
  const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  for (const id of ids.filter((id) => id.endsWith("-error"))) document.getElementById(id)?.remove();
  const kept = ids.filter((id) => !id.endsWith("-error"));
  if (kept.length) control.setAttribute("aria-describedby", kept.join(" "));
  else control.removeAttribute("aria-describedby");
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll("[aria-invalid]")) clearFieldError(node);
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  const box = form.querySelector(".form-alert");
  if (box) box.replaceChildren();
}

/** Show `text` under `control` (inside its .field or .cell, so the layout never shifts sideways). */
export function fieldError(control, text, key = control.id || control.name || "field") {
  clearFieldError(control);
  const id = `${String(key).replaceAll(".", "-")}-error`;
  const message = h("p", { class: "field-error", id }, text);
  control.setAttribute("aria-invalid", "true");
  const describedBy = control.getAttribute("aria-describedby");
  control.setAttribute("aria-describedby", describedBy ? `${describedBy} ${id}` : id);
  const holder = control.closest(".field, .cell, .split-row");
  if (holder) holder.append(message);
  else control.after(message);
  return message;
}

function controlFor(form, path) {
  for (const node of form.querySelectorAll("[data-field], [name]")) {
    if (node.dataset.field === path || (!node.dataset.field && node.getAttribute("name") === path)) return node;
  }
  return null;
}

/** The alert box at the top of a form (created on first use). */
export function alertBox(form) {
  let box = form.querySelector(".form-alert");
  if (!box) {
    box = h("div", { class: "form-alert", role: "alert" });
    form.prepend(box);
  }
  return box;
}

/**
 * Show an ApiError on `form`. `extra` (optional) adds nodes to the alert box, such as a
 * "Reload" button for a 412. Focuses the first field in error.
 */
export function showErrors(form, error, extra = []) {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  for (const [path, messages] of Object.entries(error.errors || {})) {
    const control = controlFor(form, path);
    const text = [].concat(messages).join(" ");
    if (!control) {
      unplaced.push(path.includes(".") || /^\d+$/.test(path) ? `${path}: ${text}` : text);
      continue;
    }
    fieldError(control, text, control.id || path);
    first = first || control;
  }
  const box = alertBox(form);
  const lines = [];
  // The problem's own sentence only when no field says more: each message is said once.
  if (!Object.keys(error.errors || {}).length) lines.push(error.message);
  box.replaceChildren();
  append(box, [
    lines.map((line) => h("p", {}, line)),
    unplaced.length ? h("ul", {}, unplaced.map((line) => h("li", {}, line))) : null,
    extra,
  ]);
  if (first) first.focus();
  else box.focus?.();
}

/** The API's notation of an amount control's text; the text itself when it does not parse. */
export function amountValue(control) {
  const text = control.value.trim();
  if (!text) return "";
  return parseAmount(text, control.dataset.currency, { signed: "signed" in control.dataset }) ?? text;
}

/**
 * A form's values by control name, trimmed (passwords are not trimmed); amounts in the
 * API's notation.
 */
export function values(form) {
  const result = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if (control.type === "checkbox") result[control.name] = control.checked;
    else if (control.type === "password") result[control.name] = control.value;
    else if ("amount" in control.dataset) result[control.name] = amountValue(control);
    else if (control.type !== "file") result[control.name] = control.value.trim();
  }
  return result;
}

/** Say under every amount the browser cannot read what to type instead. True when all read. */
export function checkAmounts(form) {
  let first = null;
  for (const control of form.querySelectorAll("[data-amount]")) {
    if (control.disabled || !control.value.trim()) continue;
    const signed = "signed" in control.dataset;
    if (parseAmount(control.value, control.dataset.currency, { signed }) !== null) continue;
    fieldError(control, `Enter an amount such as ${exampleAmount(control.dataset.currency)}.`);
    first = first || control;
  }
  if (first) first.focus();
  return !first;
}

// An error goes as soon as the person edits its field.
document.addEventListener("input", (event) => {
  const control = event.target;
  if (control instanceof Element && control.hasAttribute("aria-invalid")) clearFieldError(control);
});

/** Submit handler: runs `action` with the form's values; disables the submit button meanwhile. */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    if (button?.disabled) return;
    if (button) button.disabled = true;
    clearErrors(form);
    try {
      if (!checkAmounts(form)) return;
      await action(values(form), event);
    } catch (error) {
      if (error && "status" in error) showErrors(form, error);
      else throw error;
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}
