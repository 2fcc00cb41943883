// Showing the API's problem+json next to the fields it names. A control declares the
// field it edits with data-field (a dotted path such as "splits.1.amount") or its name;
// errors that name no control, and the problem's detail, go to the form's alert box.

import { append, h } from "./dom.js";

export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
    const describedBy = (node.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"));
    if (describedBy.length) node.setAttribute("aria-describedby", describedBy.join(" "));
    else node.removeAttribute("aria-describedby");
  }
  const box = form.querySelector(".form-alert");
  if (box) box.replaceChildren();
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
    const id = `${control.id || path.replaceAll(".", "-")}-error`;
    const message = h("p", { class: "field-error", id }, text);
    control.setAttribute("aria-invalid", "true");
    const describedBy = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", describedBy ? `${describedBy} ${id}` : id);
    (control.closest(".field, .cell") || control).after(message);
    first = first || control;
  }
  const box = alertBox(form);
  const lines = [];
  if (!Object.keys(error.errors || {}).length || unplaced.length) lines.push(error.message);
  box.replaceChildren();
  append(box, [
    lines.map((line) => h("p", {}, line)),
    unplaced.length ? h("ul", {}, unplaced.map((line) => h("li", {}, line))) : null,
    extra,
  ]);
  if (first) first.focus();
  else box.focus?.();
}

/** A form's values by control name, trimmed (passwords are not trimmed). */
export function values(form) {
  const result = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if (control.type === "checkbox") result[control.name] = control.checked;
    else if (control.type === "password") result[control.name] = control.value;
    else if (control.type !== "file") result[control.name] = control.value.trim();
  }
  return result;
}

/** Submit handler: runs `action` with the form's values; disables the submit button meanwhile. */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    if (button?.disabled) return;
    if (button) button.disabled = true;
    clearErrors(form);
    try {
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
