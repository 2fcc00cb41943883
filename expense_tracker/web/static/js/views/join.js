// #/join/<code>?g=<group name>&by=<who sent it>: the invite link. Public, so that a
// newcomer is told where the link leads before being asked for an account.
//
// The g and by parameters are only what the link says (anyone can write a link): they are
// shown as such, and only until the person is signed in; from then on the group's own name
// comes from the API (GET /groups/invites/{code}). The fragment never reaches a server.

import * as api from "../api.js";
import { h, mount, toast } from "../dom.js";
import * as router from "../router.js";
import * as session from "../session.js";
import { explain, pageHeader } from "../ui.js";
import { memberCount } from "./groups.js";

/** What a link's query says, made safe to show: trimmed, no control characters, short. */
function said(value) {
  const text = String(value || "")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim();
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

/** The code and the link's query, also when the router left "?g=..." on the code. */
function parse(params) {
  let code = String(params.code || "");
  let query = params.query instanceof URLSearchParams ? params.query : new URLSearchParams();
  const mark = code.indexOf("?");
  if (mark >= 0) {
    query = new URLSearchParams(code.slice(mark + 1));
    code = code.slice(0, mark);
  }
  return { code, group: said(query.get("g")), by: said(query.get("by")) };
}

/** The link to this very page, query included, to come back to after signing in. */
function here({ code, group, by }) {
  const query = new URLSearchParams();
  if (group) query.set("g", group);
  if (by) query.set("by", by);
  const text = query.toString();
  return `/join/${encodeURIComponent(code)}${text ? `?${text}` : ""}`;
}

/** The share link for a group: its code, plus its name and mine for a signed-out reader. */
export function shareLink(code, groupName, myName) {
  const query = new URLSearchParams();
  if (groupName) query.set("g", groupName);
  if (myName) query.set("by", myName);
  return `${location.origin}/app/#/join/${encodeURIComponent(code)}?${query}`;
}

export async function joinView(node, params) {
  const link = parse(params);
  if (!session.signedIn()) {
    signedOut(node, link);
    return;
  }
  let invitation;
  try {
    invitation = (await api.get(`/groups/invites/${encodeURIComponent(link.code)}`)).data;
  } catch (error) {
    if (error.status === 404) return notValid(node, link);
    if (error.status === 429) return tooMany(node, link);
    throw error;
  }
  // Already in it? The full view (with members) is for members only.
  let member = false;
  try {
    member = Boolean((await api.get(`/groups/${invitation.group_id}`)).data.members);
  } catch {
    member = false;
  }
  if (member) {
    mount(
      node,
      pageHeader(invitation.name, { back: { href: "#/groups", label: "Groups" } }),
      h("section", { class: "card join-card" },
        h("p", { class: "lead" }, `You are already a member of ${invitation.name}.`),
        h("p", { class: "actions" }, h("a", { class: "button primary", href: `#/groups/${invitation.group_id}` }, `Open ${invitation.name}`)),
      ),
    );
    return;
  }
  const join = h("button", { type: "button", class: "primary" }, `Join ${invitation.name}`);
  const status = h("div", { class: "join-status", role: "alert" });
  join.addEventListener("click", async () => {
    if (join.disabled) return;
    join.disabled = true;
    status.replaceChildren();
    try {
      await api.create("/groups/join", { invite_code: link.code });
      toast(`You joined ${invitation.name}.`, "ok");
      router.go(`/groups/${invitation.group_id}`);
    } catch (error) {
      if (error.status === 409) {
        toast(`You are already a member of ${invitation.name}.`);
        router.go(`/groups/${invitation.group_id}`);
        return;
      }
      const { title, message, action } = joinProblem(error, link);
      mount(status, h("p", {}, h("strong", {}, title), " ", message, action ? ` ${action}` : null));
    } finally {
      join.disabled = false;
    }
  });
  mount(
    node,
    pageHeader(`Join ${invitation.name}`, { back: { href: "#/groups", label: "Groups" } }),
    h(
      "section",
      { class: "card join-card" },
      link.by ? h("p", { class: "lead" }, `${link.by} invited you to ${invitation.name}.`) : h("p", { class: "lead" }, `You were invited to ${invitation.name}.`),
      h("p", { class: "meta" }, `${memberCount(invitation.member_count)} · ${invitation.join_policy === "open" ? "open to anyone" : "by invitation"}`),
      h("p", {}, "Join to share expenses with its members and see who owes whom. Nothing changes until you press Join."),
      status,
      h("div", { class: "actions" }, join, h("a", { href: "#/groups" }, "Not now")),
    ),
  );
}

/** A failure while joining, in words: what happened and what to do. */
function joinProblem(error, link) {
  if (error.status === 404) {
    return {
      title: "This invite link no longer works.",
      message: `The group has a new code, or it was deleted. Ask ${link.by || "the person who sent it"} for a fresh link.`,
    };
  }
  if (error.status === 429) {
    return { title: "Too many tries in a short time.", message: "Wait a minute, then try again." };
  }
  return explain(error);
}

function signedOut(node, link) {
  const target = here(link);
  const next = encodeURIComponent(target);
  const remember = () => router.rememberTarget?.(target);
  const invitedTo = link.group
    ? `${link.by || "Someone"} invited you to ${link.group}: create an account to join.`
    : `${link.by || "Someone"} invited you to a group: create an account to join.`;
  mount(
    node,
    // The heading is ours; what the link claims stays in the sentence marked as its words.
    pageHeader("You are invited"),
    h(
      "section",
      { class: "card join-card" },
      h("p", { class: "lead" }, invitedTo),
      link.group || link.by
        ? h("p", { class: "hint" }, "That is what the link says. Once you are signed in, you will see the group itself before joining it.")
        : null,
      h(
        "div",
        { class: "actions" },
        h("a", { class: "button primary", href: `#/signup?next=${next}`, onclick: remember }, "Create account"),
        h("a", { class: "button", href: `#/signin?next=${next}`, onclick: remember }, "Sign in"),
      ),
      h("p", { class: "hint" }, "Already have an account? Sign in, and you come straight back here."),
    ),
  );
}

function notValid(node, link) {
  mount(
    node,
    pageHeader("This invite link does not work"),
    h(
      "section",
      { class: "card join-card", role: "alert" },
      h("p", { class: "lead" }, "No group has this invite code."),
      h("p", {}, `It may have been replaced by a newer link, or the group was deleted. Ask ${link.by || "the person who sent it"} for a fresh link.`),
      h("p", { class: "actions" }, h("a", { class: "button", href: "#/groups" }, "Go to your groups")),
    ),
  );
}

function tooMany(node, link) {
  const again = h("button", { type: "button", class: "primary", onclick: () => router.go(here(link)) }, "Try again");
  mount(
    node,
    pageHeader("Too many invite links checked"),
    h(
      "section",
      { class: "card join-card", role: "alert" },
      h("p", { class: "lead" }, "For safety, checking invite codes is limited."),
      h("p", {}, "Wait a minute, then try again."),
      h("div", { class: "actions" }, again, h("a", { href: "#/groups" }, "Go to your groups")),
    ),
  );
}
