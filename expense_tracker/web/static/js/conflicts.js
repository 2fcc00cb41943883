// The writes the server refused when they were sent from the outbox (outbox.js): each shown
// with the person's version and the server's, side by side, and the choice that is theirs
// to make. For a 412 (someone changed it meanwhile): keep mine (send it over the server's
// version) or keep theirs (drop mine). For a 422 or a 409: the server's reason, and discard.

import { h, mount, toast } from "./dom.js";
import * as outbox from "./outbox.js";
import { openDialog } from "./ui.js";

const SHOWN = ["description", "amount", "currency", "date", "category", "payment_method", "note", "notes", "to_user", "from_user"];

function what(entry) {
  const verb = { POST: "Add", PATCH: "Change", DELETE: "Delete" }[entry.method] || entry.method;
  const thing = /settlements/.test(entry.path) ? "payment" : "expense";
  const name = entry.json?.description || entry.before?.description || entry.server?.description || "";
  return `${verb} ${thing}${name ? ` “${name}”` : ""}`;
}

function version(title, document, fields) {
  return h(
    "div",
    { class: "conflict-version" },
    h("h4", {}, title),
    document
      ? h("dl", {}, fields.flatMap((name) => [h("dt", {}, name.replace("_", " ")), h("dd", {}, document[name] === undefined || document[name] === null ? "—" : String(document[name]))]))
      : h("p", {}, "Deleted"),
  );
}

function item(entry, redraw) {
  const mine = entry.method === "DELETE" ? null : { ...(entry.before || {}), ...(entry.json || {}) };
  const fields = SHOWN.filter((name) => (mine && name in mine) || (entry.server && name in entry.server && entry.json && name in entry.json));
  const conflict = entry.failed.status === 412;
  const choose = async (choice, message) => {
    await outbox.resolve(entry.seq, choice);
    toast(message, "ok");
    await redraw();
  };
  return h(
    "section",
    { class: "conflict" },
    h("h3", {}, what(entry)),
    h("p", { class: "hint" }, entry.failed.problem?.detail || `The server refused it (${entry.failed.status}).`),
    h("div", { class: "conflict-versions" }, version("Your version", mine, fields), version("The server's version", entry.server, fields)),
    h(
      "div",
      { class: "actions" },
      conflict ? h("button", { type: "button", class: "primary", onclick: () => choose("mine", "Your version is sent again.") }, "Keep mine") : null,
      h("button", { type: "button", onclick: () => choose("theirs", conflict ? "The server's version is kept." : "Your change is discarded.") }, conflict ? "Keep theirs" : "Discard mine"),
    ),
  );
}

/** The review dialog: every refused write, until each has been decided. */
export async function review() {
  const body = h("div", { class: "conflicts" });
  const { close } = openDialog("Changes the server refused", body);
  async function redraw() {
    const failed = (await outbox.entries()).filter((entry) => entry.failed);
    if (!failed.length) return close();
    mount(body, failed.map((entry) => item(entry, redraw)));
  }
  await redraw();
}

export async function refusedCount() {
  return (await outbox.entries()).filter((entry) => entry.failed).length;
}
