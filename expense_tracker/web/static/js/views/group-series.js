// A group's recurring bills (rent, subscriptions): the list with each rule in words, the
// next date and why a paused one stopped; the form to create or change one (the expense
// form without a date, plus the rule); ending one, after asking.
//
// The API has no pause of its own: it pauses a series when an occurrence cannot be created
// (`member_left`, `failed`), and any edit resumes it. So a paused bill offers "Resume" (a
// PATCH that changes nothing) or, when someone it names has left, the edit that fixes it.

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, field, mount, options, toast, uid } from "../dom.js";
import { clearErrors, onSubmit, showErrors } from "../forms.js";
import { formatMoney } from "../money.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { badge, card, confirmDialog, emptyState, explain, fab, foldout, list, listItem, pageHeader, plural, segmented } from "../ui.js";
import { expenseEditor, saveFailure } from "./group-expense-form.js";

const UNITS = {
  daily: ["day", "days"],
  weekly: ["week", "weeks"],
  monthly: ["month", "months"],
  yearly: ["year", "years"],
};

/** {frequency: "monthly", interval: 2, count: 12} -> "Every 2 months, 12 times". */
export function ruleInWords(rule) {
  const [one, many] = UNITS[rule.frequency] || [rule.frequency, rule.frequency];
  const interval = Number(rule.interval || 1);
  let words = interval === 1 ? `Every ${one}` : `Every ${interval} ${many}`;
  words += ` from ${formatDate(rule.start_date)}`;
  if (rule.count) words += `, ${plural(Number(rule.count), "time")} in all`;
  else if (rule.end_date) words += ` until ${formatDate(rule.end_date)}`;
  return words;
}

const PAUSED = {
  member_left: "Someone it names has left the group: change who pays or shares to resume it.",
  failed: "Its last expense could not be added: resume it to try again, or change it.",
};

function statusBadge(series) {
  if (series.status === "paused") return badge("Paused", { kind: "warn" });
  if (series.status === "ended") return badge("Ended", { kind: "info" });
  return badge("Active", { kind: "recurring" });
}

async function load(id) {
  const [groupAnswer, membersAnswer] = await Promise.all([
    api.get(`/groups/${id}`),
    api.get(`/groups/${id}/members`, { query: { include_former: "true" } }),
  ]);
  return { group: groupAnswer.data, members: membersAnswer.data };
}

function namer(members, me) {
  const byId = new Map(members.map((member) => [member.user_id, member]));
  return (userId) => (userId === me ? "you" : byId.get(userId)?.full_name || "a former member");
}

/** Ask, then end the series; the expenses it created stay. */
async function endSeries(id, series, after) {
  const yes = await confirmDialog({
    title: "End this recurring bill?",
    message: `No more expenses will be added for “${series.template.description}”. The ones already added stay as they are. An ended bill cannot be restarted.`,
    confirmLabel: "End recurring bill",
    danger: true,
  });
  if (!yes) return;
  try {
    await api.remove(`/groups/${id}/recurring-expenses/${series.id}`);
  } catch (error) {
    const said = explain(error);
    toast(`${said.title}: ${said.message} ${said.action}`, "error");
    return;
  }
  toast(`Ended “${series.template.description}”.`, "ok");
  after();
}

export async function groupSeriesView(node, { id }) {
  const me = session.user().id;
  const [{ group, members }, seriesAnswer] = await Promise.all([load(id), api.get(`/groups/${id}/recurring-expenses/`)]);
  const name = namer(members, me);
  const isOwner = group.members?.some((member) => member.user_id === me && member.role === "owner");
  const all = seriesAnswer.data;
  const running = all.filter((series) => series.status !== "ended");
  const ended = all.filter((series) => series.status === "ended");
  const reload = () => go(`/groups/${id}/recurring`);

  async function resume(series) {
    try {
      await api.patch(`/groups/${id}/recurring-expenses/${series.id}`, {});
    } catch (error) {
      const said = explain(error);
      toast(`${said.title}: ${error.status === 422 ? "Change who pays or shares, then save." : said.message}`, "error");
      return;
    }
    toast(`Resumed “${series.template.description}”.`, "ok");
    reload();
  }

  function item(series) {
    const template = series.template;
    const mayChange = isOwner || series.created_by === me;
    const payer = template.payers?.length > 1 ? "several people" : name(template.payers?.[0]?.user_id ?? template.paid_by ?? series.created_by);
    const meta = [
      ruleInWords(series.rule),
      series.status === "active" && series.next_date ? `next on ${formatDate(series.next_date)}` : null,
      `paid by ${payer}`,
    ].filter(Boolean);
    const actions = [];
    if (mayChange && series.status === "paused" && series.paused_reason !== "member_left") {
      actions.push(h("button", { type: "button", onclick: () => resume(series), "aria-label": `Resume ${template.description}` }, "Resume"));
    }
    return listItem({
      title: template.description,
      meta: [meta.join(" · "), series.status === "paused" ? h("span", { class: "paused-reason" }, PAUSED[series.paused_reason] || "Paused.") : null],
      amount: h("span", { class: "amount" }, formatMoney(template.amount, template.currency || group.currency)),
      href: `#/groups/${id}/recurring/${series.id}`,
      badges: [statusBadge(series), template.currency && template.currency !== group.currency ? badge(template.currency, { kind: "info" }) : null].filter(Boolean),
      actions,
    });
  }

  mount(
    node,
    pageHeader("Recurring bills", { back: { href: `#/groups/${id}`, label: group.name } }),
    h("p", { class: "lead" }, `Bills of ${group.name} that repeat, such as rent or subscriptions: each one is added to the group's expenses on its dates.`),
    running.length
      ? list(running.map(item), { class: "list series-list" })
      : emptyState(ended.length ? "No running recurring bills" : "No recurring bills yet", "Add rent, a subscription or any bill that comes back: it is added on its dates, split the way you choose.", h("a", { class: "button primary", href: `#/groups/${id}/recurring/new` }, "Add a recurring bill")),
    ended.length ? foldout(`Ended (${ended.length})`, list(ended.map(item))) : null,
    // The empty state carries its own button: one way to add, not two.
    running.length ? fab("Add recurring bill", `#/groups/${id}/recurring/new`) : null,
  );
}

const FREQUENCIES = [
  ["daily", "Daily"],
  ["weekly", "Weekly"],
  ["monthly", "Monthly"],
  ["yearly", "Yearly"],
];

/** The rule's fields: frequency, interval, first date, and when it ends. */
function ruleEditor() {
  const frequency = h("select", { name: "frequency" }, options(FREQUENCIES, "monthly"));
  const interval = h("input", { name: "interval", type: "number", min: 1, max: 366, value: "1", inputmode: "numeric", class: "short", "data-field": "rule.interval" });
  const unit = h("span", { class: "unit", id: uid("unit") }, "month");
  interval.setAttribute("aria-describedby", unit.id);
  const start = h("input", { name: "start_date", type: "date", value: today(), required: true, "data-field": "rule.start_date" });
  frequency.dataset.field = "rule.frequency";
  let ends = "never";
  const endDate = h("input", { name: "end_date", type: "date", "data-field": "rule.end_date" });
  const times = h("input", { name: "count", type: "number", min: 1, max: 10000, inputmode: "numeric", class: "short", "data-field": "rule.count" });
  const endDateBox = h("div", { hidden: true }, field("Last date", endDate));
  const countBox = h("div", { hidden: true }, field("How many times", times));
  const endSwitch = segmented("Ends", "ends", [["never", "Never"], ["date", "On a date"], ["count", "After a number"]], "never", (value) => {
    ends = value;
    draw();
  });

  function draw() {
    const n = Number(interval.value || 1);
    const [one, many] = UNITS[frequency.value];
    unit.textContent = n === 1 ? one : many;
    endDateBox.hidden = ends !== "date";
    countBox.hidden = ends !== "count";
  }
  frequency.addEventListener("change", draw);
  interval.addEventListener("input", draw);

  const node = h(
    "section",
    { class: "card rule" },
    h("h2", {}, "Repeats"),
    h(
      "div",
      { class: "grid" },
      field("Repeats", frequency),
      h("div", { class: "field" }, h("label", { for: (interval.id = uid("interval")) }, "Every"), h("div", { class: "with-unit" }, interval, unit)),
      field("First date", start),
    ),
    endSwitch,
    endDateBox,
    countBox,
  );

  function fill(rule) {
    frequency.value = rule.frequency;
    interval.value = String(rule.interval || 1);
    start.value = rule.start_date;
    endDate.value = rule.end_date || "";
    times.value = rule.count ? String(rule.count) : "";
    ends = rule.count ? "count" : rule.end_date ? "date" : "never";
    endSwitch.querySelector(`input[value="${ends}"]`).checked = true;
    draw();
  }

  function value() {
    const rule = { frequency: frequency.value, interval: Number(interval.value || 1), start_date: start.value };
    rule.end_date = ends === "date" ? endDate.value || null : null;
    rule.count = ends === "count" ? (times.value ? Number(times.value) : null) : null;
    if (ends === "date" && !endDate.value) rule.end_date = "";
    if (ends === "count" && !times.value) rule.count = "";
    return rule;
  }

  draw();
  return { node, fill, value };
}

export async function groupSeriesFormView(node, { id, sid }) {
  const me = session.user().id;
  const [{ group, members }, seriesAnswer] = await Promise.all([
    load(id),
    sid && sid !== "new" ? api.get(`/groups/${id}/recurring-expenses/${sid}`) : Promise.resolve(null),
  ]);
  let series = seriesAnswer?.data || null;
  const back = { href: `#/groups/${id}/recurring`, label: "Recurring bills" };
  const isOwner = group.members?.some((member) => member.user_id === me && member.role === "owner");

  if (series?.status === "ended") {
    mount(
      node,
      pageHeader(series.template.description, { back }),
      card(
        null,
        h("p", {}, statusBadge(series), " This recurring bill has ended: no more expenses are added. The ones it added stay in the group's expenses."),
        h("p", {}, ruleInWords(series.rule), " · ", formatMoney(series.template.amount, series.template.currency || group.currency)),
      ),
    );
    return;
  }

  const template = series?.template || null;
  const named = template
    ? [template.paid_by, ...(template.payers || []).map((p) => p.user_id), ...(template.participants || []), ...(template.splits || []).map((s) => s.user_id)].filter(Boolean)
    : [];
  const editor = expenseEditor({ group, members, me, kind: "series", rotationKey: null, named });
  const rule = ruleEditor();
  const mayChange = !series || isOwner || series.created_by === me;

  const form = h(
    "form",
    { novalidate: true, class: "expense-form" },
    editor.node,
    rule.node,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, series ? "Save changes" : "Save recurring bill"),
      h("a", { href: back.href, class: "button quiet" }, "Cancel"),
      series && mayChange
        ? h("button", { type: "button", class: "danger", onclick: () => endSeries(id, series, () => go(`/groups/${id}/recurring`)) }, "End recurring bill")
        : null,
    ),
  );

  async function reloadSeries() {
    const answer = await api.get(`/groups/${id}/recurring-expenses/${sid}`);
    series = answer.data;
    clearErrors(form);
    editor.fill(series.template, { defaultPayer: series.created_by });
    rule.fill(series.rule);
  }

  onSubmit(form, async () => {
    const problems = editor.check();
    if (problems) {
      if (Object.keys(problems).length) showErrors(form, { status: 422, message: "Some values need fixing.", errors: problems });
      return;
    }
    const templateBody = editor.body();
    const ruleBody = rule.value();
    let saved;
    try {
      if (series) {
        const changes = {};
        for (const [name, value] of Object.entries(ruleBody)) {
          if ((series.rule[name] ?? null) !== value) changes[name] = value;
        }
        const request = { template: templateBody };
        if (Object.keys(changes).length) request.rule = changes;
        saved = (await api.patch(`/groups/${id}/recurring-expenses/${series.id}`, request)).data;
      } else {
        const cleanRule = Object.fromEntries(Object.entries(ruleBody).filter(([, value]) => value !== null));
        saved = (await api.create(`/groups/${id}/recurring-expenses`, { template: templateBody, rule: cleanRule })).data;
      }
    } catch (error) {
      if (!("status" in error)) throw error;
      const placed = editor.placeErrors(error);
      const failed = saveFailure(placed, { thing: "recurring bill", back: { href: back.href, label: back.label }, reload: reloadSeries });
      if (!Object.keys(placed.errors).length && Object.keys(error.errors || {}).length) clearErrors(form);
      else showErrors(form, { ...placed, message: failed.message }, failed.extra);
      return;
    }
    const next = saved.next_date ? ` Next on ${formatDate(saved.next_date)}.` : "";
    toast(series ? `Saved “${saved.template.description}”.${next}` : `Added the recurring bill “${saved.template.description}”.${next}`, "ok");
    go(`/groups/${id}/recurring`);
  });

  if (series) {
    editor.fill(series.template, { defaultPayer: series.created_by });
    rule.fill(series.rule);
  } else {
    editor.loadRate();
  }
  const notice =
    series?.status === "paused"
      ? pausedNotice(`Paused. ${PAUSED[series.paused_reason] || ""}`, series.paused_reason === "member_left" ? "Uncheck or replace the people marked “Left the group”, then save to resume it." : "Save to resume it.")
      : null;
  mount(
    node,
    pageHeader(series ? "Edit recurring bill" : "New recurring bill", { back }),
    notice,
    series && !mayChange ? h("p", { class: "hint" }, "Only the person who set it up or an owner of the group can change this bill.") : null,
    series?.next_date ? h("p", { class: "meta" }, `${ruleInWords(series.rule)} · next on ${formatDate(series.next_date)} · ${plural(series.occurrences || 0, "expense")} added so far`) : null,
    form,
  );
}

function pausedNotice(title, text) {
  return h("div", { class: "notice warn", role: "status" }, h("p", {}, h("strong", {}, title)), h("p", {}, text));
}
