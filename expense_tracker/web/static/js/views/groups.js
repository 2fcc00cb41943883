// Groups: mine (with my balance in each), create one, join by code or link, find open ones.

import * as api from "../api.js";
import { h, field, mount, empty, options, toast } from "../dom.js";
import { onSubmit } from "../forms.js";
import { formatMoney } from "../money.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { currencyInput } from "./common.js";

/** An invite link or a bare code -> the code. */
export function inviteCode(text) {
  const trimmed = String(text || "").trim();
  const match = trimmed.match(/#\/join\/([^/?#\s]+)/);
  return match ? decodeURIComponent(match[1]) : trimmed;
}

function netText(net, currency) {
  if (/^-?0(\.0+)?$/.test(net)) return "settled up";
  return net.startsWith("-") ? `you owe ${formatMoney(net.slice(1), currency)}` : `you are owed ${formatMoney(net, currency)}`;
}

export async function groupsView(node) {
  const [groups, balances] = await Promise.all([api.get("/groups/", { query: { limit: 200 } }), api.get("/users/me/balances")]);
  const nets = new Map(balances.data.groups.map((row) => [row.group_id, row]));

  const create = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "create-heading" },
    h("h2", { id: "create-heading" }, "Start a group"),
    field("Name", h("input", { name: "name", required: true, maxlength: 100, autocomplete: "off" }), "A trip, a flat, a dinner club."),
    field("Description", h("input", { name: "description", maxlength: 500, autocomplete: "off" })),
    h(
      "div",
      { class: "grid" },
      field("Currency", currencyInput("currency", session.user()?.default_currency)),
      field(
        "Who may join",
        h("select", { name: "join_policy" }, options([["invite", "People with the invite link"], ["open", "Anyone who finds it"]], "invite")),
      ),
    ),
    h("button", { type: "submit", class: "primary" }, "Create group"),
  );
  onSubmit(create, async (values) => {
    if (!values.currency) delete values.currency;
    const answer = await api.create("/groups/", values);
    toast(`Group "${answer.data.name}" created. Invite people with its link.`);
    go(`/groups/${answer.data.id}`);
  });

  const join = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "join-heading" },
    h("h2", { id: "join-heading" }, "Join a group"),
    field("Invite link or code", h("input", { name: "invite_code", autocomplete: "off", required: true })),
    h("button", { type: "submit", class: "primary" }, "Join"),
  );
  onSubmit(join, async ({ invite_code: text }) => {
    await joinWithCode(inviteCode(text));
  });

  const results = h("ul", { class: "rows" });
  const search = h(
    "form",
    { class: "card", role: "search", "aria-labelledby": "search-heading" },
    h("h2", { id: "search-heading" }, "Find an open group"),
    field("Name contains", h("input", { name: "q", type: "search", autocomplete: "off" })),
    h("button", { type: "submit" }, "Search"),
    results,
  );
  onSubmit(search, async ({ q }) => {
    const answer = await api.get("/groups/search/", { query: { q } });
    const mine = new Set(groups.data.map((group) => group.id));
    mount(
      results,
      answer.data.length
        ? answer.data.map((group) =>
            h(
              "li",
              { class: "row" },
              h("div", { class: "row-main" }, h("span", { class: "title" }, group.name), h("span", { class: "meta" }, `${group.member_count} members · ${group.currency}`)),
              mine.has(group.id)
                ? h("a", { href: `#/groups/${group.id}` }, "Open")
                : h("button", { type: "button", onclick: () => joinOpen(group) }, `Join ${group.name}`),
            ),
          )
        : h("li", {}, empty("No open group has that in its name.")),
    );
  });

  mount(
    node,
    h("h1", {}, "Groups"),
    h(
      "section",
      { class: "card", "aria-labelledby": "mine-heading" },
      h("h2", { id: "mine-heading" }, "Your groups"),
      groups.data.length
        ? h(
            "ul",
            { class: "rows" },
            groups.data.map((group) => {
              const net = nets.get(group.id);
              return h(
                "li",
                { class: "row" },
                h(
                  "div",
                  { class: "row-main" },
                  h("a", { href: `#/groups/${group.id}`, class: "title" }, group.name),
                  h("span", { class: "meta" }, `${group.member_count} member${group.member_count === 1 ? "" : "s"} · ${group.currency}`),
                ),
                net ? h("span", { class: "amount" }, netText(net.net, net.currency)) : null,
              );
            }),
          )
        : empty("You are in no group yet. Start one below, or join with an invite link."),
      balances.data.totals.length
        ? h("p", { class: "totals" }, "Overall: ", balances.data.totals.map((total) => netText(total.net, total.currency)).join("; "))
        : null,
    ),
    create,
    join,
    search,
  );
}

async function joinWithCode(code) {
  let answer;
  try {
    answer = await api.create("/groups/join", { invite_code: code });
  } catch (error) {
    if (error.status === 404) {
      error.message = "No group has this invite code. It may have been replaced by a new one: ask for a fresh link.";
      error.errors = { invite_code: [error.message] };
    }
    throw error;
  }
  toast("You joined the group.");
  go(`/groups/${answer.data.group_id}`);
}

async function joinOpen(group) {
  try {
    await api.create(`/groups/${group.id}/join`, {});
    toast(`You joined ${group.name}.`);
    go(`/groups/${group.id}`);
  } catch (error) {
    if (error.status === 409) go(`/groups/${group.id}`);
    else toast(error.message, "error");
  }
}

/** #/join/<code>: the invite link. Asks before joining, so a link alone changes nothing. */
export async function joinView(node, { code }) {
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    h("p", {}, "You were invited to a group. Join it to share expenses with its members."),
    h("input", { type: "hidden", name: "invite_code", value: code }),
    h("button", { type: "submit", class: "primary" }, "Join the group"),
    " ",
    h("a", { href: "#/groups" }, "Not now"),
  );
  onSubmit(form, async () => {
    try {
      await joinWithCode(code);
    } catch (error) {
      if (error.status !== 409) throw error;
      toast("You are already a member of this group.");
      go("/groups");
    }
  });
  mount(node, h("h1", {}, "Join a group"), form);
}
