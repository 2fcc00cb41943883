// Personal recurring expenses (#/expenses/recurring): the series with their next date and
// status; create one (the expense form without a date, plus a rule), edit it (future
// occurrences only), end it. The API has no pause: a series it paused itself (an
// occurrence that failed) resumes when it is saved again, and the page says so.

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, field, mount, loading, options, toast } from "../dom.js";
import { fieldError, onSubmit } from "../forms.js";
import { badge, confirmDialog, emptyState, explain, failure, fab, list, listItem, money, openDialog, pageHeader, plural, segmented } from "../ui.js";
import { methodLabel } from "./common.js";
import { categoryNames, expenseFields } from "./expense-form.js";

const FREQUENCIES = [
  ["daily", "Daily"],
  ["weekly", "Weekly"],
  ["monthly", "Monthly"],
  ["yearly", "Yearly"],
];
const UNITS = { daily: ["day", "days"], weekly: ["week", "weeks"], monthly: ["month", "months"], yearly: ["year", "years"] };
const ENDS = [
  ["never", "Never"],
  ["date", "By date"],
  ["count", "By count"],
];

/** "Every month from 1 Jan 2027, 12 times" in words. */
export function ruleText(rule) {
  const interval = Number(rule.interval || 1);
  const [one, many] = UNITS[rule.frequency] || [rule.frequency, rule.frequency];
  const every = interval === 1 ? `Every ${one}` : `Every ${interval} ${many}`;
  const from = rule.start_date ? ` from ${formatDate(rule.start_date)}` : "";
  let until = "";
  if (rule.count) until = `, ${plural(Number(rule.count), "time", "times")}`;
  else if (rule.end_date) until = `, until ${formatDate(rule.end_date)}`;
  return `${every}${from}${until}`;
}

/** Where a series stands, in words a person can act on. */
function statusText(series) {
  if (series.status === "ended") return "Ended";
  if (series.status === "paused") {
    return series.paused_reason === "failed"
      ? "Paused: its last expense could not be created. Open it and save it to resume."
      : "Paused until it is edited";
  }
  return series.next_date ? `Next ${formatDate(series.next_date)}` : "No more dates";
}

function name(series) {
  return series.template.description || series.template.category;
}

/** The rule's controls: frequency, interval, start, and how it ends. */
function ruleFields(rule) {
  let ends = rule.count ? "count" : rule.end_date ? "date" : "never";
  const endDate = field("End date", h("input", { name: "end_date", type: "date", value: rule.end_date || "", "data-field": "rule.end_date" }));
  const times = field(
    "Number of times",
    h("input", { name: "count", type: "number", class: "short", min: 1, max: 10000, inputmode: "numeric", value: rule.count || "", "data-field": "rule.count" }),
    "How many expenses in all, counting those already created.",
  );
  const showEnds = () => {
    endDate.hidden = ends !== "date";
    times.hidden = ends !== "count";
  };
  const choice = segmented("Ends", "ends", ENDS, ends, (value) => {
    ends = value;
    showEnds();
  });
  showEnds();
  const nodes = h(
    "fieldset",
    { class: "rule" },
    h("legend", {}, "Repeats"),
    h(
      "div",
      { class: "grid" },
      field("Frequency", h("select", { name: "frequency", "data-field": "rule.frequency" }, options(FREQUENCIES, rule.frequency || "monthly"))),
      field(
        "Interval",
        h("input", { name: "interval", type: "number", class: "short", min: 1, max: 366, inputmode: "numeric", value: rule.interval || 1, "data-field": "rule.interval" }),
        "1 is every time; 2 is every other day, week, month or year.",
      ),
      field("Starts", h("input", { name: "start_date", type: "date", value: rule.start_date || today(), "data-field": "rule.start_date" })),
    ),
    choice,
    h("div", { class: "grid" }, endDate, times),
  );
  return { node: nodes, ends: () => ends };
}

/** The template's controls name their fields "template.amount" etc. for the API's errors. */
function templateFields(template, categories) {
  const nodes = expenseFields({ expense: template, categories, withDate: false });
  for (const node of nodes) {
    for (const control of node.querySelectorAll?.("[name]") || []) {
      if (["amount", "currency", "category", "payment_method", "description"].includes(control.name)) {
        control.dataset.field = `template.${control.name}`;
      }
    }
  }
  return nodes;
}

/** The request body from the form's values; a PATCH states both end_date and count. */
function seriesBody(values, ends, original) {
  const template = {};
  for (const key of ["amount", "currency", "category", "payment_method", "description"]) {
    if (values[key] !== undefined && values[key] !== "") template[key] = values[key];
  }
  if (original) template.description = values.description ?? "";
  // Whole numbers go as numbers; anything else goes as typed, for the API to name it.
  const integer = (text) => (/^\d+$/.test(text) ? Number(text) : text || null);
  const rule = { frequency: values.frequency, interval: integer(values.interval || "1"), start_date: values.start_date };
  const end = ends();
  if (end === "date") rule.end_date = values.end_date || null;
  if (end === "count") rule.count = integer(values.count);
  if (original) {
    rule.end_date = end === "date" ? rule.end_date : null;
    rule.count = end === "count" ? rule.count : null;
    // The start of a series that already ran is history: send it only when changed.
    if (rule.start_date === original.rule.start_date) delete rule.start_date;
  }
  return { template, rule };
}

/** Open the form of a new series (series undefined) or of an existing one. */
async function openSeriesDialog(series, onChanged) {
  const categories = categoryNames();
  if (series?.status === "ended") {
    openDialog(
      name(series),
      h(
        "div",
        {},
        h("p", {}, money(series.template.amount, series.template.currency), " · ", series.template.category, " · ", methodLabel(series.template.payment_method)),
        h("p", {}, ruleText(series.rule)),
        h("p", {}, `This recurring expense has ended. The ${plural(series.occurrences ?? 0, "expense", "expenses")} it created stay in your ledger; add a new one to start again.`),
      ),
    );
    return;
  }
  const rule = ruleFields(series?.rule || {});
  const form = h(
    "form",
    { novalidate: true, class: "series-form" },
    series?.status === "paused" ? h("p", { class: "form-note", role: "note" }, statusText(series)) : null,
    templateFields(series?.template || {}, categories),
    rule.node,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, series ? "Save changes" : "Create recurring expense"),
      series ? h("button", { type: "button", class: "danger", onclick: () => end() }, "End series") : null,
    ),
  );
  const { close } = openDialog(series ? `Edit ${name(series)}` : "New recurring expense", form);
  form.elements.amount.focus();

  async function end() {
    const yes = await confirmDialog({
      title: "End this recurring expense?",
      message: `No more "${name(series)}" expenses will be created. The ${plural(series.occurrences ?? 0, "expense", "expenses")} already in your ledger stay.`,
      confirmLabel: "End series",
      danger: true,
    });
    if (!yes) return;
    try {
      await api.remove(`/recurring-expenses/${series.id}`);
    } catch (error) {
      if (error.status !== 404) {
        const said = explain(error);
        toast(`${said.title}. ${said.message}`, "error");
        return;
      }
    }
    close();
    toast(`"${name(series)}" ended; its past expenses stay in your ledger.`, "ok");
    onChanged();
  }

  onSubmit(form, async (values) => {
    // Said here, in words, rather than the API's "Must not be before start_date".
    if (rule.ends() === "date" && values.end_date && values.start_date && values.end_date < values.start_date) {
      fieldError(form.elements.end_date, "Choose an end date on or after the start date.");
      form.elements.end_date.focus();
      return;
    }
    const body = seriesBody(values, rule.ends, series);
    if (!series) {
      const answer = await api.create("/recurring-expenses/", body);
      const made = answer.data.occurrences ?? 0;
      close();
      toast(
        made
          ? `Recurring expense created; ${plural(made, "expense", "expenses")} already due ${made === 1 ? "was" : "were"} added to your ledger.`
          : `Recurring expense created; the first one comes on ${formatDate(answer.data.next_date)}.`,
        "ok",
      );
      onChanged();
      return;
    }
    try {
      await api.patch(`/recurring-expenses/${series.id}`, body);
    } catch (error) {
      if (error.status === 404) {
        close();
        toast("This recurring expense is no longer there. The list now shows what is left.", "error");
        onChanged();
        return;
      }
      throw error;
    }
    close();
    toast("Changes saved; they apply to the expenses still to come.", "ok");
    onChanged();
  });
}

const ORDER = { active: 0, paused: 1, ended: 2 };

export async function personalSeriesView(node, params = {}) {
  const box = h("div", { class: "series-list" }, loading());
  let first = true;

  function row(series) {
    const badges = [];
    if (series.status === "paused") badges.push(badge("Paused", { kind: "warn" }));
    if (series.status === "ended") badges.push(badge("Ended", { kind: "info" }));
    return listItem({
      // The title is the row's button, its hit area the whole row (as in the ledger).
      title: h("button", { type: "button", class: "row-open", onclick: () => openSeriesDialog(series, reload) }, name(series)),
      meta: [ruleText(series.rule), statusText(series)].join(" · "),
      amount: money(series.template.amount, series.template.currency),
      badges,
      attributes: { class: "list-item ledger-row", "data-series-id": series.id },
    });
  }

  async function reload() {
    let all;
    try {
      all = (await api.get("/recurring-expenses/")).data;
    } catch (error) {
      mount(box, failure(error, { back: { href: "#/expenses", label: "Your expenses" } }));
      return;
    }
    all.sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.id - a.id);
    mount(
      box,
      all.length
        ? list(all.map(row))
        : emptyState(
            "No recurring expenses yet",
            "Rent, subscriptions, a weekly market: add one with the + button and each expense lands in your ledger on its date.",
          ),
    );
    // A "Recurring" badge in the ledger links here with ?series=ID: open that one.
    const wanted = first ? Number(params.query?.get("series")) : NaN;
    first = false;
    if (wanted) {
      const series = all.find((item) => item.id === wanted);
      if (series) openSeriesDialog(series, reload);
      else toast("That recurring expense is no longer there.", "error");
    }
  }

  mount(
    node,
    pageHeader("Recurring expenses", { back: { href: "#/expenses", label: "Expenses" } }),
    h("p", { class: "lead" }, "Expenses that repeat on their own. Each lands in your ledger on its date, with a “Recurring” badge."),
    box,
    fab("Add recurring expense", () => openSeriesDialog(undefined, reload)),
  );
  await reload();
}
