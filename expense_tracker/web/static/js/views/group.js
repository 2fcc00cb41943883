// One group's page: a header that says what the group means for me (who I owe, who owes
// me), then tabs (Expenses, Balances, Activity, Members, Settings) with the tab in the
// route. The tabs themselves live in their own modules; this one loads the group once and
// hands every tab the same context.

import * as api from "../api.js";
import { h, mount, busyButton, toast } from "../dom.js";
import { formatMoney } from "../money.js";
import { go } from "../router.js";
import * as session from "../session.js";
import * as ui from "../ui.js";

/** A tab whose module is loaded when the tab is first opened. */
function lazyTab(module, name) {
  return async (panel, ctx) => (await import(module))[name](panel, ctx);
}

const TABS = [
  { id: "expenses", label: "Expenses", show: lazyTab("./group-expenses.js", "expensesTab") },
  { id: "balances", label: "Balances", show: lazyTab("./group-money.js", "balancesTab") },
  { id: "activity", label: "Activity", show: lazyTab("./activity.js", "groupActivityTab") },
  { id: "members", label: "Members", show: lazyTab("./group-members.js", "membersTab") },
  { id: "settings", label: "Settings", show: lazyTab("./group-settings.js", "settingsTab") },
];

/**
 * The context every tab of a group works with: the group (full view), its current members,
 * me, whether I own it, and names for every user id (former members and deleted accounts
 * included). Null for an open group I am not in (only its public view is readable).
 */
export async function loadGroupContext(id, reload) {
  const [groupAnswer, membersAnswer] = await Promise.all([
    api.get(`/groups/${id}`),
    // Former members too: old expenses and payments name them.
    api.get(`/groups/${id}/members`, { query: { include_former: "true" } }).catch((error) => {
      if (error.status === 404) return { data: null };
      throw error;
    }),
  ]);
  const group = groupAnswer.data;
  if (!group.members || !membersAnswer.data) return { group, public: true };
  const me = session.user();
  const everyone = membersAnswer.data;
  const members = everyone.filter((member) => !member.left_at);
  const byId = new Map(everyone.map((member) => [member.user_id, member]));
  const mine = members.find((member) => member.user_id === me.id);
  return {
    id: Number(id),
    group,
    etag: groupAnswer.etag,
    members,
    everyone,
    me,
    isOwner: mine?.role === "owner",
    /** "You" for me, the member's name, "Former member" for someone the group never listed. */
    memberName(userId) {
      if (userId === me.id) return "You";
      const member = byId.get(userId);
      if (!member) return "Former member";
      return member.full_name || "Deleted user";
    },
    /** The member row (current or former) of a user id, or undefined. */
    member(userId) {
      return byId.get(userId);
    },
    isGuest(userId) {
      return byId.get(userId)?.guest === true;
    },
    reload,
  };
}

/** What the settle-up plan means for me: [{label: "You owe Bob", amount: "€12.50", tone}]. */
export function myPosition(ctx, plan) {
  const me = ctx.me.id;
  const lines = [];
  for (const transfer of plan) {
    const amount = formatMoney(transfer.amount, transfer.currency);
    if (transfer.from_user === me) lines.push({ label: `You owe ${ctx.memberName(transfer.to_user)}`, amount, tone: "owing" });
    else if (transfer.to_user === me) lines.push({ label: `${ctx.memberName(transfer.from_user)} owes you`, amount, tone: "owed" });
  }
  return lines;
}

export async function groupView(node, params) {
  const tab = TABS.find((candidate) => candidate.id === (params.tab || "expenses"));
  if (!tab) {
    // #/groups/3/typo: the group's own page rather than a dead end.
    go(`/groups/${params.id}`);
    return;
  }
  node.classList.add("group-screen");
  const reload = () => groupView(node, params);
  const ctx = await loadGroupContext(params.id, reload);
  if (ctx.public) {
    mount(node, ...publicGroup(ctx.group));
    return;
  }
  const plan = (await api.get(`/groups/${ctx.id}/settle-up`)).data;
  const position = myPosition(ctx, plan);
  const { group } = ctx;
  const facts = [ui.plural(group.member_count, "member"), `amounts in ${group.currency}`];
  // Big numbers, as on a dashboard: the question "do I owe anyone here?" answered first.
  const summary = h(
    "section",
    { "aria-label": "Your position in this group" },
    position.length
      ? ui.stats(...position.map((line) => ui.stat(line.label, line.amount, { tone: line.tone })))
      : ui.stats(ui.stat("In this group", "You are settled up")),
  );
  const { nav, panel } = ui.tabs(
    TABS.map((item) => ({ id: item.id, label: item.label, href: item.id === "expenses" ? `#/groups/${ctx.id}` : `#/groups/${ctx.id}/${item.id}` })),
    tab.id,
  );
  mount(
    node,
    ui.pageHeader(group.name, { back: { href: "#/groups", label: "Groups" } }),
    summary,
    group.description ? h("p", { class: "lead" }, group.description) : null,
    h("p", { class: "meta" }, facts.join(" · ")),
    nav,
    panel,
  );
  try {
    await tab.show(panel, ctx);
  } catch (error) {
    // The tab failed, not the page: say so inside the tab and keep the rest usable.
    if (!(error instanceof api.ApiError)) console.error(error);
    const shown = error instanceof api.ApiError ? error : new api.ApiError(500, { detail: `The ${tab.label} tab could not be shown.` });
    mount(panel, ui.failure(shown, { retry: reload }));
  }
}

/** An open group I am not in: its public view, and a way in. */
function publicGroup(group) {
  return [
    ui.pageHeader(group.name, { back: { href: "#/groups", label: "Groups" } }),
    group.description ? h("p", { class: "lead" }, group.description) : null,
    h("p", { class: "meta" }, `${ui.plural(group.member_count, "member")} · anyone may join`),
    busyButton(
      `Join ${group.name}`,
      async () => {
        try {
          await api.create(`/groups/${group.id}/join`, {});
        } catch (error) {
          const { title, message } = ui.explain(error);
          toast(`${title} ${message}`, "error");
          return;
        }
        toast(`You joined ${group.name}.`, "ok");
        go(`/groups/${group.id}`);
      },
      { class: "primary" },
    ),
  ];
}
