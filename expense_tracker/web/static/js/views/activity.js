// What happened: my activity across my groups (#/activity, one group at a time if I like)
// and a group's own Activity tab. Each entry is a sentence (describe.js) with who, what and
// when, and a link to what it is about.

import * as api from "../api.js";
import { formatTimestamp, relative } from "../dates.js";
import { describeEntry } from "../describe.js";
import { h, mount, options, uid } from "../dom.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { emptyState, failure, foldout, list, listItem, pageHeader } from "../ui.js";

const PAGE = 30;
const DELETED_USER = "Deleted user";

/** Every group I belong to, all pages: [{id, name, ...}]. */
export async function myGroups(query = {}) {
  const groups = [];
  let answer = await api.get("/groups/", { query: { limit: 200, ...query } });
  groups.push(...answer.data);
  while (answer.next) {
    answer = await api.get(answer.next);
    groups.push(...answer.data);
  }
  return groups;
}

/**
 * A name finder for entries of several groups: names(groupIds) loads each group's members
 * (former ones too) once; nameOf(groupId)(userId) -> "You", a name, or "Deleted user".
 */
export function peopleBook() {
  const me = session.user()?.id;
  const byGroup = new Map();
  return {
    async load(groupIds) {
      const missing = [...new Set(groupIds)].filter((id) => !byGroup.has(id));
      await Promise.all(
        missing.map(async (groupId) => {
          let names = new Map();
          try {
            const answer = await api.get(`/groups/${groupId}/members`, { query: { include_former: "true" } });
            for (const member of answer.data) names.set(member.user_id, member.full_name);
          } catch (error) {
            // A group I left (a notification of my removal): its people have no names for me.
            if (!(error instanceof api.ApiError) || ![403, 404].includes(error.status)) throw error;
            names = null;
          }
          byGroup.set(groupId, names);
        }),
      );
    },
    nameOf(groupId) {
      const names = byGroup.get(groupId);
      // Unknown in a group I can see: an account deleted since; in one I cannot: unknown.
      return (userId) => (userId === me ? "You" : names ? names.get(userId) || DELETED_USER : "Someone");
    },
  };
}

/** "5 minutes ago", with the exact time on hover and for assistive technology. */
export function when(timestamp) {
  return h("time", { datetime: timestamp, title: formatTimestamp(timestamp) }, relative(timestamp));
}

/**
 * "Show older …": loads the page at `next` and hands it to show(answer); when that fails,
 * the button works again and failed(error, button) says what went wrong.
 */
export function olderButton(label, next, show, failed) {
  return h(
    "button",
    {
      type: "button",
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await show(await api.get(next));
        } catch (error) {
          if (!(error instanceof api.ApiError)) throw error;
          button.disabled = false;
          failed(error, button);
        }
      },
    },
    label,
  );
}

/** One entry as a list row. */
function entryItem(entry, nameOf, groupName) {
  const { text, href } = describeEntry(entry, nameOf, { groupName });
  return listItem({ title: text, meta: when(entry.at), href });
}

/**
 * A list that grows by pages: load(path?) -> {data, next}; render(rows) -> nodes.
 * Returns the node: the list, then a "Show older" button while more exist.
 */
function pagedList({ first, render, empty, label }) {
  const holder = h("div", { class: "paged" });
  const more = h("div", { class: "more" });
  const items = list([]);
  let count = 0;

  async function show(answer) {
    const rows = await render(answer.data);
    count += rows.length;
    items.append(...rows);
    const failed = (error, button) => mount(more, h("div", { class: "stack" }, failure(error), button));
    mount(more, answer.next ? olderButton(label, answer.next, show, failed) : null);
  }

  return {
    node: holder,
    async start() {
      const answer = await first();
      await show(answer);
      mount(holder, count ? items : empty, more);
    },
  };
}

/** #/activity: the entries of every group I belong to, newest first; ?group=ID for one. */
export async function myActivityView(node, params = {}) {
  const chosen = params.query?.get("group") || "";
  const groups = await myGroups();
  const groupNames = new Map(groups.map((group) => [group.id, group.name]));
  const people = peopleBook();

  const select = h(
    "select",
    { id: uid("activity-group"), name: "group", onchange: (event) => go(event.target.value ? `/activity?group=${event.target.value}` : "/activity") },
    options([["", "All my groups"], ...groups.map((group) => [String(group.id), group.name])], chosen),
  );
  const filter = foldout(
    chosen && groupNames.has(Number(chosen)) ? `Group: ${groupNames.get(Number(chosen))}` : "Filter by group",
    h("div", { class: "field" }, h("label", { for: select.id }, "Group"), select),
  );

  const paged = pagedList({
    first: () => api.get("/users/me/activity", { query: { limit: PAGE, group_id: chosen || undefined } }),
    label: "Show older activity",
    empty: emptyState(
      "Nothing has happened yet",
      groups.length
        ? "Expenses, payments and members added or changed in your groups show up here."
        : "Join or create a group: what happens in it shows up here.",
      groups.length ? null : h("a", { class: "button primary", href: "#/groups" }, "Go to your groups"),
    ),
    render: async (entries) => {
      await people.load(entries.map((entry) => entry.group_id));
      return entries.map((entry) =>
        entryItem(entry, people.nameOf(entry.group_id), chosen ? null : groupNames.get(entry.group_id) || "a group"),
      );
    },
  });
  await paged.start();

  mount(
    node,
    pageHeader("Activity", { back: { href: "#/account", label: "Account" } }),
    h("p", { class: "lead" }, "What you and the others did in your groups, newest first."),
    groups.length ? filter : null,
    paged.node,
  );
}

const SUBJECTS = [
  ["", "Everything"],
  ["expense", "Expenses"],
  ["settlement", "Payments"],
  ["comment", "Comments"],
  ["member", "Members"],
  ["group", "The group"],
];

/** The group page's Activity tab: ctx = {id, group, members, me, memberName, ...}. */
export async function groupActivityTab(panel, ctx, subjectType = "") {
  const nameOf = (userId) => {
    const name = ctx.memberName(userId);
    return name === "Former member" || !name ? DELETED_USER : name;
  };
  // Former members keep their names: ask for them once, then prefer ctx's own ("You").
  const former = new Map();
  try {
    const answer = await api.get(`/groups/${ctx.id}/members`, { query: { include_former: "true" } });
    for (const member of answer.data) former.set(member.user_id, member.full_name);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
  }
  const current = new Set((ctx.members || []).map((member) => member.user_id));
  const name = (userId) => (current.has(userId) || !former.has(userId) ? nameOf(userId) : former.get(userId));

  const select = h(
    "select",
    {
      id: uid("activity-subject"),
      name: "subject_type",
      onchange: (event) => groupActivityTab(panel, ctx, event.target.value),
    },
    options(SUBJECTS, subjectType),
  );
  const label = SUBJECTS.find(([value]) => value === subjectType)?.[1] || "Everything";
  const filter = foldout(
    subjectType ? `Showing: ${label}` : "Filter",
    h("div", { class: "field" }, h("label", { for: select.id }, "Show"), select),
  );
  if (subjectType) filter.open = true;

  const paged = pagedList({
    first: () => api.get(`/groups/${ctx.id}/activity`, { query: { limit: PAGE, subject_type: subjectType || undefined } }),
    label: "Show older activity",
    empty: emptyState(
      subjectType ? "Nothing of this kind yet" : "Nothing has happened yet",
      "Expenses, payments, comments and members added or changed in this group show up here.",
    ),
    render: async (entries) => entries.map((entry) => entryItem(entry, name, null)),
  });
  await paged.start();
  // The heading names the panel for screen readers; kept with the filter so that it adds
  // no gap of its own.
  mount(panel, h("div", {}, h("h2", { class: "visually-hidden" }, "Activity"), filter), paged.node);
  if (subjectType) select.focus();
}
