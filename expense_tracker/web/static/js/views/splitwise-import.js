// Moving in from Splitwise: a group's export (CSV) becomes a new group here. The dialog
// reads the file's first line in the browser to ask "which column is you?" (the others
// become guests), then uploads it; the API imports all of it or nothing, and names every
// line it could not take.

import * as api from "../api.js";
import { h, field, mount, toast, uid } from "../dom.js";
import { clearErrors, fieldError, showErrors } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { openDialog, plural } from "../ui.js";

/** The columns every Splitwise group export starts with; the people follow them. */
export const FIXED_COLUMNS = ["Date", "Description", "Category", "Cost", "Currency"];
const MAX_BYTES = 10 * 1024 * 1024; // far above any real export; refuses a wrong pick early

/** The first record of a CSV text (RFC 4180: quoted cells may hold commas, quotes, line ends). */
export function firstRecord(text) {
  const cells = [];
  let cell = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark, as Excel writes
  for (; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") break;
    else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * The people of an export's header, or null when it is not a Splitwise group export
 * (its first line does not start with Date,Description,Category,Cost,Currency).
 */
export function peopleOf(text) {
  const header = firstRecord(text).map((cell) => cell.trim());
  if (FIXED_COLUMNS.some((name, index) => header[index] !== name)) return null;
  return header.slice(FIXED_COLUMNS.length).filter(Boolean);
}

/** A file's name without folders or extension: the group's name unless one is typed. */
function stem(name) {
  return String(name || "").replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "").trim();
}

/** The "which column is you" choice: one radio per person, mine picked when a name matches. */
function whoChoice(people, me) {
  const guess = people.find((name) => name.toLowerCase() === String(me || "").trim().toLowerCase());
  return h(
    "fieldset",
    { class: "field who-am-i", "data-field": "me" },
    h("legend", {}, "Which column is you?"),
    h("p", { class: "hint" }, "The other people become guests of the group: they can join later and take over their guest's place."),
    h(
      "div",
      { class: "choices" },
      people.map((name) => {
        const id = uid("me");
        return h(
          "div",
          { class: "field checkbox" },
          h("input", { type: "radio", name: "me", id, value: name, required: true, checked: name === guess }),
          h("label", { for: id }, name),
        );
      }),
    ),
  );
}

/** Open the import dialog (from the Groups page). Success goes to the new group. */
export function openSplitwiseImport() {
  return openDialog("Import from Splitwise", (close) => {
    const fileInput = h("input", { name: "file", type: "file", accept: ".csv,text/csv", required: true });
    const who = h("div", { class: "who-slot" });
    const nameInput = h("input", { name: "name", maxlength: 100, autocomplete: "off" });
    const form = h(
      "form",
      { novalidate: true, class: "splitwise-import" },
      h(
        "p",
        {},
        "In Splitwise, open the group, choose “Export as spreadsheet”, and pick the CSV file here. Its expenses and payments become a new group, with everyone's balance as in Splitwise.",
      ),
      field("Splitwise export (CSV)", fileInput),
      who,
      field("Group name", nameInput, "Optional: the file's name when left empty."),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Import group")),
    );

    fileInput.addEventListener("change", async () => {
      clearErrors(form);
      mount(who);
      const file = fileInput.files[0];
      if (!file) return;
      nameInput.placeholder = stem(file.name);
      if (file.size > MAX_BYTES) {
        fieldError(fileInput, "This file is too large to be a Splitwise export. Choose the CSV that Splitwise exported for the group.");
        return;
      }
      let people;
      try {
        // The first line is enough; a slice keeps a big file from being read whole.
        people = peopleOf(await file.slice(0, 64 * 1024).text());
      } catch {
        people = null;
      }
      if (people === null) {
        fieldError(
          fileInput,
          "This is not a Splitwise group export: its first line should start with Date, Description, Category, Cost, Currency. Choose the file from “Export as spreadsheet”.",
        );
        return;
      }
      if (!people.length) {
        fieldError(fileInput, "This export names no person after the Currency column, so there is nothing to import.");
        return;
      }
      mount(who, whoChoice(people, session.user()?.full_name));
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const file = fileInput.files[0];
      if (!file) {
        fieldError(fileInput, "Choose the CSV file that Splitwise exported.");
        fileInput.focus();
        return;
      }
      const me = form.querySelector("input[name=me]:checked")?.value;
      const group = form.querySelector(".who-am-i");
      if (!group) return; // the file's own error is already under it
      if (!me) {
        showErrors(form, { message: "", errors: { me: ["Pick the column that is you."] } });
        group.querySelector("input")?.focus();
        return;
      }
      const body = new FormData();
      body.append("file", file, file.name);
      body.append("me", me);
      if (nameInput.value.trim()) body.append("name", nameInput.value.trim());
      const button = form.querySelector("[type=submit]");
      button.disabled = true;
      button.textContent = "Importing…";
      let answer;
      try {
        answer = await api.request("POST", "/groups/import/splitwise", { form: body, idempotent: true });
      } catch (error) {
        failed(error);
        return;
      } finally {
        button.disabled = false;
        button.textContent = "Import group";
      }
      const { imported = {} } = answer.data;
      close();
      toast(
        `"${answer.data.name}" imported: ${plural(imported.expenses ?? 0, "expense")}, ${plural(imported.settlements ?? 0, "payment")}, ${plural(imported.guests ?? 0, "guest")}.`,
        "ok",
      );
      go(`/groups/${answer.data.id}`);
    });

    /** The API's 422 names lines of the file ("3") besides fields ("file", "me", "name"). */
    function failed(error) {
      const entries = Object.entries(error.errors || {});
      const lines = entries.filter(([key]) => /^\d+$/.test(key)).sort((a, b) => Number(a[0]) - Number(b[0]));
      const fields = Object.fromEntries(entries.filter(([key]) => !/^\d+$/.test(key)));
      if (error.status === 413) {
        fields.file = ["This file is larger than the service takes for an import. Check it is the group's Splitwise export."];
      }
      if (!lines.length) {
        showErrors(form, { ...error, message: error.message, errors: fields });
        return;
      }
      // The lines go in the alert at the top of the form, where the eye lands first.
      showErrors(form, { message: "Nothing was imported.", errors: {} }, [
        h("h3", {}, `${plural(lines.length, "line")} of the file to fix`),
        h(
          "ul",
          { class: "line-errors" },
          lines.map(([line, messages]) => h("li", {}, h("strong", {}, `Line ${line}: `), [].concat(messages).join(" "))),
        ),
        h("p", {}, "Correct them in the file (or in Splitwise, then export again) and import it again."),
      ]);
      for (const [path, messages] of Object.entries(fields)) {
        const control = form.querySelector(`[data-field="${path}"], [name="${path}"]`);
        if (control) fieldError(control, [].concat(messages).join(" "));
      }
      // Back to the top of the dialog (it scrolls, under its sticky title), where the list is.
      const sheet = form.closest("dialog");
      if (sheet) sheet.scrollTop = 0;
    }

    return form;
  });
}
