// CSV export (the current filters) and import, with the import's per-line errors: the
// content of the ledger's "Import or export CSV" foldout.

import * as api from "../api.js";
import { h, field, toast } from "../dom.js";
import { alertBox, clearErrors, showErrors } from "../forms.js";
import { explain, plural } from "../ui.js";

/** Save a Blob under a file name: the export needs the bearer token, so no plain link. */
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The export button and the import form; filters() gives the ledger's current filters. */
export function csvPanel({ filters, onImported }) {
  const exportButton = h("button", { type: "button" }, "Download CSV");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const { sort, ...rest } = filters();
      const answer = await api.get("/expenses/export.csv", { query: { ...rest, sort }, accept: "text/csv" });
      download(answer.data, "expenses.csv");
      toast("Export downloaded.", "ok");
    } catch (error) {
      const said = explain(error);
      toast(`The export failed: ${said.message}`, "error");
    } finally {
      exportButton.disabled = false;
    }
  });

  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "import-heading", id: "import-form" },
    h("h3", { id: "import-heading" }, "Import"),
    field(
      "CSV file",
      h("input", { name: "file", type: "file", accept: ".csv,text/csv", required: true }),
      "Columns: date, category, amount, currency, description, payment_method (the export's).",
    ),
    h(
      "div",
      { class: "field checkbox" },
      h("input", { type: "checkbox", name: "allow_duplicates", id: "allow-duplicates" }),
      h("label", { for: "allow-duplicates" }, "Import rows I already have, too"),
    ),
    h("button", { type: "submit", class: "primary" }, "Import"),
    h("div", { class: "import-errors", "aria-live": "polite" }),
  );
  const report = form.querySelector(".import-errors");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    report.replaceChildren();
    const file = form.elements.file.files[0];
    if (!file) {
      showErrors(form, new api.ApiError(422, { detail: "Choose a CSV file first.", errors: { file: ["Choose a CSV file first."] } }));
      return;
    }
    const body = new FormData();
    body.append("file", file);
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const answer = await api.request("POST", "/expenses/import", {
        form: body,
        idempotent: true,
        query: { allow_duplicates: form.elements.allow_duplicates.checked ? "true" : "" },
      });
      const { imported, skipped_duplicates: skipped } = answer.data;
      toast(`Imported ${plural(imported, "expense", "expenses")}; skipped ${skipped} already there.`, "ok");
      form.reset();
      onImported();
    } catch (error) {
      const lines = Object.entries(error.errors).filter(([key]) => /^\d+$/.test(key));
      if (!lines.length) {
        showErrors(form, error);
        return;
      }
      // Errors keyed by line number in the file (the header is line 1).
      lines.sort((a, b) => Number(a[0]) - Number(b[0]));
      alertBox(form).replaceChildren(h("p", {}, error.message));
      report.replaceChildren(
        h("h4", {}, `${plural(lines.length, "line", "lines")} to fix; nothing was imported`),
        h(
          "ul",
          { class: "line-errors" },
          lines.map(([line, messages]) => h("li", {}, h("strong", {}, `Line ${line}: `), [].concat(messages).join(" "))),
        ),
      );
    } finally {
      button.disabled = false;
    }
  });

  return h(
    "section",
    { class: "csv", "aria-labelledby": "csv-heading" },
    h("h2", { id: "csv-heading" }, "CSV"),
    h("p", {}, "Download the expenses that match the filters, or import a file."),
    exportButton,
    form,
  );
}
