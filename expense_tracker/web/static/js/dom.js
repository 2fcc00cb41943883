// Building the page: every piece of text goes in as a text node, never as HTML, so data
// from the API (an expense called "<img onerror=...>") is shown, never run.

// Set as properties; everything else (checked and selected too, so that form.reset() keeps
// them as defaults) as attributes.
const PROPERTIES = new Set(["value", "disabled", "hidden", "required", "multiple"]);

/**
 * h("button", {class: "primary", onclick: save}, "Save") -> <button class="primary">Save</button>
 * Children: strings and numbers become text; null, undefined and false are skipped; arrays
 * are flattened.
 */
export function h(tag, attributes = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const element = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (PROPERTIES.has(name) && !svg) {
      element[name] = value;
    } else if (name === "style" || name === "innerHTML" || name.startsWith("on")) {
      throw new Error(`h(): ${name} is not allowed (CSP, and text is never HTML)`);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace everything inside `parent` with `children`. */
export function mount(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let counter = 0;
/** A unique id for label/input pairs and aria-describedby. */
export function uid(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form control: <div class="field"><label>..</label><input ...></div>. */
export function field(label, control, hint) {
  const id = control.id || uid(control.name || "field");
  control.id = id;
  const hintNode = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintNode);
}

export function options(pairs, selected) {
  return pairs.map(([value, label]) =>
    h("option", { value, selected: String(value) === String(selected ?? "") }, label),
  );
}

/**
 * A short message for everyone, read out by screen readers (the live region). kind: "info",
 * "ok" or "error". `action` ({label, run}) adds a button, such as "Undo"; the message stays
 * 10 s then, 6 s otherwise.
 */
/**
 * A write's toast: `done` when it reached the server; for one kept in the outbox without a
 * network (api.js answers {queued: true}), that `what` waits on this device instead.
 */
export function toastWrite(answer, done, what, options) {
  if (answer?.queued) return toast(`Kept on this device: ${what} will be sent when the connection returns.`);
  return toast(done, "ok", options);
}

export function toast(message, kind = "info", { action } = {}) {
  const region = document.getElementById("toasts");
  // One offer to undo at a time: an older "Undo" would undo something else than the
  // person just did.
  if (action) for (const old of region.querySelectorAll(".toast.has-action")) old.remove();
  const item = h("div", { class: ["toast", kind, action && "has-action"] }, h("span", {}, message));
  if (action) {
    item.append(
      h(
        "button",
        {
          type: "button",
          class: "small",
          onclick: async () => {
            item.remove();
            await action.run();
          },
        },
        action.label,
      ),
    );
  }
  region.append(item);
  setTimeout(() => item.remove(), action ? 10000 : 6000);
  return item;
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

/** A button that disables itself while `action` runs, so a double click sends one request. */
export function busyButton(label, action, attributes = {}) {
  const button = h("button", { type: "button", ...attributes }, label);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await action(button);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Copy text to the clipboard; falls back to selecting it for Ctrl+C. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
    }
    return false;
  }
}
