// The Members tab of a group: who is in it (guests marked), roles, removing and leaving; the
// cards of its other jobs come from their own modules: guests and merging one into an
// account (group-guests.js), the invite link (group-invite.js).

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, mount, toast } from "../dom.js";
import { go } from "../router.js";
import { avatar, badge, card, confirmDialog, list, listItem } from "../ui.js";
import { awaitsMe, guestCard, mergeDialog, mergesCard } from "./group-guests.js";
import { inviteCard } from "./group-invite.js";
import { actionButton, balancesLink, explained, problemBox } from "./group-member-actions.js";
import { memberCount } from "./groups.js";

/** The members as an array, whichever shape the group page handed over. */
function membersOf(ctx) {
  if (Array.isArray(ctx.members)) return ctx.members;
  if (Array.isArray(ctx.members?.data)) return ctx.members.data;
  return ctx.group.members || [];
}

export async function membersTab(panel, ctx) {
  const members = membersOf(ctx);
  const meId = ctx.me?.id;
  const mine = members.find((member) => member.user_id === meId);
  const isOwner = Boolean(ctx.isOwner);
  const name = (userId) => {
    const member = members.find((m) => m.user_id === userId);
    if (userId === meId) return "you";
    return member ? member.full_name : ctx.memberName(userId);
  };
  let merges = [];
  try {
    merges = (await api.get(`/groups/${ctx.id}/guest-merges`)).data || [];
  } catch (error) {
    if (error.status === 401) throw error;
    merges = null; // said in the card below; the rest of the tab still works
  }

  const rowsBox = problemBox();
  const rows = members.map((member) => memberRow(member, { ctx, meId, isOwner, box: rowsBox, members }));
  const owners = members.filter((member) => member.role === "owner").length;
  const guests = members.filter((member) => member.guest).length;

  // A request that waits for my yes is the first thing to see.
  const waiting = Boolean(merges?.some((request) => awaitsMe(request, meId, isOwner)));
  mount(
    panel,
    waiting ? mergesCard(ctx, merges, { meId, isOwner, name }) : null,
    members.length > 1 ? null : inviteCard(ctx, { isOwner, mine }),
    h(
      "section",
      { class: "card members-card people-list", "aria-labelledby": "members-heading" },
      h("h2", { id: "members-heading" }, "Members"),
      h(
        "p",
        { class: "meta" },
        [memberCount(members.length), owners === 1 ? "1 owner" : `${owners} owners`, guests ? (guests === 1 ? "1 guest" : `${guests} guests`) : null]
          .filter(Boolean)
          .join(" · "),
      ),
      rowsBox,
      list(rows),
    ),
    waiting ? null : mergesCard(ctx, merges, { meId, isOwner, name }),
    // Alone in the group, inviting people is the next thing to do: the link comes first.
    members.length > 1 ? inviteCard(ctx, { isOwner, mine }) : null,
    guestCard(ctx),
    leaveCard(ctx, { meId, mine, members }),
  );
}

function memberRow(member, { ctx, meId, isOwner, box, members }) {
  const self = member.user_id === meId;
  const guest = member.guest === true;
  const displayName = member.full_name || (guest ? "Guest" : "Member");
  const actions = [];
  if (isOwner && !guest && !self && member.role === "member") {
    actions.push(
      actionButton(
        "Make owner",
        async () => {
          await api.patch(`/groups/${ctx.id}/members/${member.user_id}`, { role: "owner" });
          toast(`${displayName} is now an owner.`, "ok");
          await ctx.reload();
        },
        box,
        { "aria-label": `Make owner: ${displayName}` },
      ),
    );
  }
  // Stepping down needs another owner (the API's 409 otherwise): offered only then.
  const otherOwners = members.some((m) => m.role === "owner" && m.user_id !== meId);
  if (self && member.role === "owner" && otherOwners) {
    actions.push(
      actionButton(
        "Make me a member",
        async () => {
          try {
            await api.patch(`/groups/${ctx.id}/members/${meId}`, { role: "member" });
          } catch (error) {
            if (error.status === 409) {
              throw explained(error, "You are the only owner.", "Make someone else an owner first, then step down.");
            }
            throw error;
          }
          toast("You are now a member; the other owners run the group.", "ok");
          await ctx.reload();
        },
        box,
        { "aria-label": "Make me a member (step down as owner)" },
      ),
    );
  }
  if (guest && (isOwner || members.some((m) => m.user_id === meId && !m.guest))) {
    actions.push(
      h(
        "button",
        { type: "button", "aria-label": `Merge ${displayName} into an account`, onclick: () => mergeDialog(ctx, member, { meId, isOwner, members }) },
        "Merge…",
      ),
    );
  }
  if (isOwner && !self && member.role === "member") {
    actions.push(
      actionButton(
        "Remove",
        async () => {
          const yes = await confirmDialog({
            title: `Remove ${displayName}?`,
            message: guest
              ? `${displayName} is a guest: they leave the group, and their past expenses stay as they are.`
              : `${displayName} will no longer see this group. Their past expenses stay as they are. The invite link changes, so they cannot rejoin with the old one.`,
            confirmLabel: "Remove",
            danger: true,
          });
          if (!yes) return;
          try {
            await api.remove(`/groups/${ctx.id}/members/${member.user_id}`);
          } catch (error) {
            if (error.status === 409) {
              throw explained(
                error,
                `${displayName} cannot be removed yet:`,
                `their balance in this group is not zero. Settle up first (see Balances), then remove them.`,
                balancesLink(ctx),
              );
            }
            throw error;
          }
          toast(`${displayName} was removed from the group.`, "ok");
          await ctx.reload();
        },
        box,
        { class: "danger", "aria-label": `Remove ${displayName}` },
      ),
    );
  }
  const badges = [];
  if (guest) badges.push(badge("Guest", { kind: "guest" }));
  if (member.role === "owner") badges.push(badge("Owner", { kind: "owner" }));
  // Never "Member · null": a guest has no email, and others' emails come only where shown.
  const meta = [
    guest ? "No account: cannot sign in" : null,
    member.email || null,
    member.joined_at ? `joined ${formatDate(member.joined_at.slice(0, 10))}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return listItem({
    leading: avatar(displayName),
    title: self ? `${displayName} (you)` : displayName,
    meta,
    badges,
    actions,
  });
}

function leaveCard(ctx, { meId, mine, members }) {
  if (!mine) return null;
  const box = problemBox();
  const last = members.filter((member) => !member.guest).length === 1 && members.length === 1;
  const lastOwner = mine.role === "owner" && members.filter((member) => member.role === "owner").length === 1 && members.length > 1;
  const leave = actionButton(
    "Leave group",
    async () => {
      const yes = await confirmDialog({
        title: `Leave ${ctx.group.name}?`,
        message: last
          ? "You are its only member: leaving deletes the group. Its owners could restore it for 30 days, but there will be none."
          : "You will no longer see its expenses. You can come back with an invite link. You can only leave once your balance here is zero.",
        confirmLabel: "Leave group",
        danger: true,
      });
      if (!yes) return;
      try {
        await api.remove(`/groups/${ctx.id}/members/${meId}`);
      } catch (error) {
        if (error.status === 409) {
          if (/owner/i.test(error.message)) {
            throw explained(error, "You are the last owner.", "Make someone else an owner first (Make owner, above), then leave.");
          }
          throw explained(error, "You cannot leave yet:", "your balance in this group is not zero. Settle up first (see Balances), then leave.", balancesLink(ctx));
        }
        throw error;
      }
      toast(`You left ${ctx.group.name}.`, "ok");
      go("/groups");
    },
    box,
    { class: "danger" },
  );
  return card(
    "Leave this group",
    h("p", {}, lastOwner ? "You are the only owner: make someone else an owner before you leave." : "You can leave once your balance here is zero."),
    box,
    h("div", { class: "actions" }, leave),
  );
}
