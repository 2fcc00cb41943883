// Groups: mine first (with my balance in each), then ways in: join by code or link, find
// an open group; a new group is one tap away (the floating "+", a dialog).

import * as api from "../api.js";
import { h, field, mount, options, toast } from "../dom.js";
import { onSubmit, showErrors } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { badge, balance, card, emptyState, explain, fab, foldout, list, listItem, openDialog, pageHeader, stat, stats } from "../ui.js";
import * as currencies from "../currencies.js";
import { openSplitwiseImport } from "./splitwise-import.js";

const plural = new Intl.PluralRules("en");
const count = new Intl.NumberFormat();

/** 1 -> "1 member", 3 -> "3 members" (the words are English; the digits the browser's). */
export function memberCount(n) {
  return `${count.format(n)} ${plural.select(n) === "one" ? "member" : "members"}`;
}

/** An invite link (with or without ?g=&by=) or a bare code -> the code. */
export function inviteCode(text) {
  const trimmed = String(text || "").trim();
  const match = trimmed.match(/#\/join\/([^/?#\s]+)/);
  try {
    return match ? decodeURIComponent(match[1]) : trimmed;
  } catch {
    return trimmed; // a broken %-escape: let the API say the code is wrong
  }
}

/** A labelled currency picker (every currency the API knows), or a 3-letter input when
 * the list cannot be had. Always a `.field` node. */
export async function currencyField(name, value, label, hint) {
  try {
    const picker = await currencies.currencySelect({ name, value, label });
    if (picker.classList?.contains("field")) return picker;
    return field(label, picker.matches?.("select") ? picker : picker.querySelector("select"), hint);
  } catch {
    const input = h("input", { name, value: value || "", autocomplete: "off", maxlength: 3, pattern: "[A-Za-z]{3}", class: "short", autocapitalize: "characters" });
    return field(label, input, hint || "Three letters, such as EUR or JPY.");
  }
}

/** "-12.50" -> "owing", "3.00" -> "owed", zero -> undefined: the tone of a balance tile. */
function tone(net) {
  if (/^-?0*(\.0*)?$/.test(net)) return undefined;
  return net.startsWith("-") ? "owing" : "owed";
}

const JOIN_POLICIES = [
  ["invite", "People with the invite link"],
  ["open", "Anyone who finds it"],
];

export async function groupsView(node) {
  const [groups, balances] = await Promise.all([
    api.get("/groups/", { query: { limit: 200 } }),
    api.get("/users/me/balances"),
  ]);
  const nets = new Map(balances.data.groups.map((row) => [row.group_id, row]));
  const totals = balances.data.totals;
  const mine = new Set(groups.data.map((group) => group.id));
  const openCreate = () => createDialog();

  mount(
    node,
    pageHeader("Groups", {
      actions: h("button", { type: "button", class: "quiet", onclick: () => openSplitwiseImport() }, "Import from Splitwise"),
    }),
    // The first screen answers "where do I stand?": one tile per currency over all groups.
    totals.length
      ? stats(
          ...totals.map((total) =>
            stat(totals.length === 1 ? "All your groups" : `All your groups in ${total.currency}`, balance(total.net, total.currency, { who: "you" }), {
              tone: tone(total.net),
            }),
          ),
        )
      : null,
    h(
      "section",
      { class: "groups-mine", "aria-labelledby": "mine-heading" },
      h("h2", { id: "mine-heading" }, "Your groups"),
      groups.data.length
        ? list(
            groups.data.map((group) => {
              const net = nets.get(group.id);
              return listItem({
                title: group.name,
                meta: `${memberCount(group.member_count)} · ${group.currency}`,
                amount: net ? balance(net.net, net.currency, { who: "you" }) : null,
                href: `#/groups/${group.id}`,
                badges: group.join_policy === "open" ? [badge("Open to anyone", { kind: "info" })] : [],
              });
            }),
          )
        : emptyState(
            "You are in no group yet",
            "Start one for a trip, a flat or a dinner club, or join one with the invite link someone sent you.",
            h("button", { type: "button", class: "primary", onclick: openCreate }, "Start a group"),
          ),
      groups.total > groups.data.length ? h("p", { class: "hint" }, `Showing ${groups.data.length} of ${groups.total} groups.`) : null,
    ),
    joinCard(),
    searchFoldout(mine),
    fab("New group", openCreate),
  );
}

/** The "New group" dialog: a name is all it takes; the rest has sensible defaults. */
async function createDialog() {
  const currency = await currencyField("currency", session.user()?.default_currency || "EUR", "Currency");
  openDialog("New group", (close) => {
    const form = h(
      "form",
      { novalidate: true, class: "group-create" },
      field("Name", h("input", { name: "name", required: true, maxlength: 100, autocomplete: "off" }), "A trip, a flat, a dinner club."),
      field("Description", h("input", { name: "description", maxlength: 500, autocomplete: "off" }), "Optional."),
      h(
        "div",
        { class: "grid" },
        currency,
        field("Who may join", h("select", { name: "join_policy" }, options(JOIN_POLICIES, "invite"))),
      ),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create group")),
    );
    onSubmit(form, async (values) => {
      if (!values.currency) delete values.currency;
      if (!values.description) delete values.description;
      const answer = await api.create("/groups/", values);
      close();
      toast(`Group "${answer.data.name}" created. Invite people from its Members tab.`, "ok");
      go(`/groups/${answer.data.id}`);
    });
    return form;
  });
}

/** Join with a code or a whole link pasted from a message. */
function joinCard() {
  const form = h(
    "form",
    { novalidate: true, class: "join-form" },
    field("Invite link or code", h("input", { name: "invite_code", autocomplete: "off", required: true }), "Paste the link someone sent you, or just its code."),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Join")),
  );
  onSubmit(form, async ({ invite_code: text }) => {
    const code = inviteCode(text);
    if (!code) {
      showErrors(form, { message: "Paste an invite link or code.", errors: { invite_code: ["Paste an invite link or code."] } });
      return;
    }
    let answer;
    try {
      answer = await api.create("/groups/join", { invite_code: code });
    } catch (error) {
      if (error.status === 409) {
        toast("You are already a member of this group.");
        return;
      }
      if (error.status === 404) {
        error.message = "No group has this invite code. It may have been replaced by a new one: ask for a fresh link.";
        error.errors = { invite_code: [error.message] };
      } else if (error.status === 429) {
        error.message = "Too many invite codes tried in a short time. Wait a minute, then try again.";
      }
      throw error;
    }
    toast("You joined the group.", "ok");
    go(`/groups/${answer.data.group_id}`);
  });
  return card("Join a group", form);
}

/** Open groups anyone may join, found by name; folded away until wanted. */
function searchFoldout(mine) {
  const results = h("div", { class: "search-results", "aria-live": "polite" });
  const form = h(
    "form",
    { role: "search", class: "group-search", "aria-label": "Find an open group" },
    field("Group name contains", h("input", { name: "q", type: "search", autocomplete: "off" })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Search")),
  );
  onSubmit(form, async ({ q }) => {
    const answer = await api.get("/groups/search/", { query: { q, limit: 50 } });
    const found = answer.data;
    mount(
      results,
      h("p", { class: "hint" }, found.length ? `${found.length === 1 ? "1 group" : `${found.length} groups`} found.` : "No open group has that in its name."),
      found.length
        ? list(
            found.map((group) =>
              listItem({
                title: group.name,
                meta: `${memberCount(group.member_count)} · ${group.currency}`,
                href: mine.has(group.id) ? `#/groups/${group.id}` : undefined,
                badges: mine.has(group.id) ? [badge("You are a member", { kind: "info" })] : [],
                actions: mine.has(group.id) ? [] : [joinOpenButton(group)],
              }),
            ),
          )
        : null,
    );
  });
  return foldout("Find an open group", form, results);
}

function joinOpenButton(group) {
  const button = h("button", { type: "button", "aria-label": `Join ${group.name}` }, "Join");
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await api.create(`/groups/${group.id}/join`, {});
      toast(`You joined ${group.name}.`, "ok");
      go(`/groups/${group.id}`);
    } catch (error) {
      if (error.status === 409) go(`/groups/${group.id}`);
      else {
        const { title, message, action } = explain(error);
        toast([title, message, action].filter(Boolean).join(". ").replace(/\.\./g, "."), "error");
      }
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
