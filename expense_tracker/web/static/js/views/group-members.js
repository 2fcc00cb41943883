// The Members tab of a group: who is in it (guests marked), roles, removing and leaving,
// guests (people without an account) and merging one into an account, and the invite link.

import * as api from "../api.js";
import { formatDate, relative } from "../dates.js";
import { h, field, mount, options, toast, copyText } from "../dom.js";
import { onSubmit } from "../forms.js";
import { go } from "../router.js";
import { avatar, badge, card, confirmDialog, explain, list, listItem, openDialog } from "../ui.js";
import { memberCount } from "./groups.js";
import { shareLink } from "./join.js";

/** The members as an array, whichever shape the group page handed over. */
function membersOf(ctx) {
  if (Array.isArray(ctx.members)) return ctx.members;
  if (Array.isArray(ctx.members?.data)) return ctx.members.data;
  return ctx.group.members || [];
}

/** A box for what went wrong with an action in one card (role=alert, empty = hidden). */
function problemBox() {
  return h("div", { class: "form-alert", role: "alert", tabindex: "-1" });
}

function showProblem(box, { title, message, action, link }) {
  mount(box, h("p", {}, h("strong", {}, title), " ", message, action ? ` ${action}` : null), link ? h("p", {}, link) : null);
  box.scrollIntoView({ block: "nearest" });
  box.focus({ preventScroll: true });
}

/** A button that runs `action` once at a time, and says in `box` what went wrong. */
function actionButton(label, action, box, attributes = {}) {
  const button = h("button", { type: "button", ...attributes }, label);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    box.replaceChildren();
    try {
      await action();
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      showProblem(box, error.explained || explain(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Attach a specific explanation to an ApiError (what happened, what to do). */
function explained(error, title, message, link) {
  error.explained = { title, message, link };
  return error;
}

/** The way to the group's balances, where settling up happens. */
function balancesLink(ctx) {
  return h("a", { href: `#/groups/${ctx.id}/balances` }, "Open Balances to settle up");
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

/** Ask to merge a guest into an account: as that account (into mine) or as an owner. */
function mergeDialog(ctx, guest, { meId, isOwner, members }) {
  const accounts = members.filter((member) => !member.guest);
  const targets = isOwner ? accounts : accounts.filter((member) => member.user_id === meId);
  openDialog(`Merge ${guest.full_name}`, (close) => {
    const select = h(
      "select",
      { name: "user_id" },
      options(
        [...targets]
          .sort((a, b) => (a.user_id === meId ? -1 : b.user_id === meId ? 1 : 0))
          .map((member) => [member.user_id, member.user_id === meId ? `${member.full_name} (you)` : member.full_name]),
        meId,
      ),
    );
    const submit = h("button", { type: "submit", class: "primary" }, "Merge");
    const outcome = h("p", { class: "hint merge-outcome", "aria-live": "polite" });
    const describe = () => {
      const target = Number(select.value);
      const targetName = targets.find((member) => member.user_id === target)?.full_name || "that account";
      if (isOwner && target === meId) {
        submit.textContent = "Merge";
        outcome.textContent = "You are an owner and the receiving account: the merge happens at once.";
      } else if (isOwner) {
        submit.textContent = "Ask to merge";
        outcome.textContent = `${targetName} must accept before anything moves.`;
      } else {
        submit.textContent = "Ask to merge";
        outcome.textContent = "An owner of the group must accept before anything moves.";
      }
    };
    select.addEventListener("change", describe);
    describe();
    const form = h(
      "form",
      { novalidate: true, class: "merge-form" },
      h(
        "p",
        {},
        `Is ${guest.full_name} someone with an account in this group? Merging moves everything ${guest.full_name} paid, shared and settled here onto that account; then the guest is gone. Balances afterwards are the sum of both.`,
      ),
      h("p", { class: "hint" }, "Merging moves money, so it needs two yeses: the receiving account's and an owner's."),
      targets.length > 1
        ? field("Into the account of", select)
        : h("p", {}, h("strong", {}, "Into your account"), h("span", { hidden: true }, select)),
      outcome,
      h("div", { class: "actions" }, submit),
    );
    onSubmit(form, async ({ user_id: value }) => {
      const target = Number(value);
      const targetName = target === meId ? "your account" : targets.find((member) => member.user_id === target)?.full_name;
      let answer;
      try {
        answer = await api.create(`/groups/${ctx.id}/guests/${guest.user_id}/merge`, { user_id: target });
      } catch (error) {
        if (error.status === 409) {
          error.message = `${targetName === "your account" ? "You already take" : `${targetName} already takes`} part in one of ${guest.full_name}'s expenses, so the merge would count that person twice. Edit that expense so that only one of them is in it, then merge.`;
        } else if (error.status === 404) {
          error.message = `${guest.full_name} is no longer a guest of this group (removed or merged already). Reload the page to see the members as they are now.`;
        }
        throw error;
      }
      close();
      if (answer.response?.status === 202) {
        const other = target === meId ? "an owner" : targetName;
        toast(`Asked. ${guest.full_name} will be merged into ${targetName} once ${other} accepts.`, "ok");
      } else {
        toast(`Merged: everything of ${guest.full_name} is now ${target === meId ? "yours" : `${targetName}'s`}.`, "ok");
      }
      await ctx.reload();
    });
    return form;
  });
}

/** The other side of a request may accept: any owner when the account asked, else the account. */
function awaitsMe(request, meId, isOwner) {
  return request.requested_by === request.user_id ? isOwner && meId !== request.requested_by : meId === request.user_id;
}

/** Pending merge requests, with Accept / Decline for the side that did not ask. */
function mergesCard(ctx, merges, { meId, isOwner, name }) {
  if (merges === null) {
    return card("Merge requests", h("p", { role: "alert" }, "The merge requests could not be loaded. Reload the page to try again."));
  }
  if (!merges.length) return null;
  const box = problemBox();
  const items = merges.map((request) => {
    const guestName = name(request.guest_id);
    const accountName = request.user_id === meId ? "your account" : name(request.user_id);
    const askedByAccount = request.requested_by === request.user_id;
    const canAccept = awaitsMe(request, meId, isOwner);
    const canDecline = meId === request.user_id || meId === request.requested_by || isOwner;
    const waitingFor = askedByAccount ? "an owner" : accountName === "your account" ? "you" : accountName;
    const actions = [];
    if (canAccept) {
      actions.push(
        actionButton(
          "Accept",
          async () => {
            try {
              await api.post(`/groups/${ctx.id}/guest-merges/${request.id}/accept`, {});
            } catch (error) {
              if (error.status === 409) throw explained(error, "This request no longer applies.", `${error.message} Ask again if the merge is still wanted.`);
              throw error;
            }
            toast(`Merged: everything of ${guestName} is now ${accountName === "your account" ? "yours" : `${accountName}'s`}.`, "ok");
            await ctx.reload();
          },
          box,
          { class: "primary", "aria-label": `Accept merging ${guestName} into ${accountName}` },
        ),
      );
    }
    if (canDecline) {
      const withdraw = meId === request.requested_by;
      actions.push(
        actionButton(
          withdraw ? "Withdraw" : "Decline",
          async () => {
            await api.post(`/groups/${ctx.id}/guest-merges/${request.id}/decline`, {});
            toast(withdraw ? `Request withdrawn: ${guestName} stays a guest.` : `Declined: ${guestName} stays a guest.`, "ok");
            await ctx.reload();
          },
          box,
          { "aria-label": `${withdraw ? "Withdraw" : "Decline"} merging ${guestName} into ${accountName}` },
        ),
      );
    }
    const asker = request.requested_by === meId ? "you" : name(request.requested_by);
    return listItem({
      title: `Merge ${guestName} into ${accountName}`,
      meta: `Asked by ${asker}${request.created_at ? ` (${relative(request.created_at)})` : ""} · ${canAccept ? "waiting for your yes" : `waiting for ${waitingFor}`}`,
      badges: [badge("Pending", { kind: "warn" })],
      actions,
    });
  });
  return card("Merge requests", h("p", { class: "hint" }, "A merge happens when both the receiving account and an owner agree."), box, list(items, { class: "list people-list" }));
}

function inviteCard(ctx, { isOwner, mine }) {
  const group = ctx.group;
  if (!group.invite_code) return null;
  const link = shareLink(group.invite_code, group.name, ctx.me?.full_name || mine?.full_name);
  const input = h("input", { readonly: true, value: link, class: "wide", name: "invite_link" });
  const box = problemBox();
  const buttons = [
    h(
      "button",
      {
        type: "button",
        class: "primary",
        onclick: async () => {
          toast((await copyText(link, input)) ? "Invite link copied. Send it to the people you share costs with." : "The link is selected: press Ctrl+C (or long-press and copy) to copy it.", "ok");
        },
      },
      "Copy link",
    ),
  ];
  if (typeof navigator.share === "function") {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          onclick: () => navigator.share({ title: group.name, text: `Join ${group.name} to share expenses`, url: link }).catch(() => {}),
        },
        "Share…",
      ),
    );
  }
  if (isOwner) {
    buttons.push(
      actionButton(
        "New invite link",
        async () => {
          const yes = await confirmDialog({
            title: "Make a new invite link?",
            message: "The current link and code stop working at once: whoever has them can no longer join. Send the new link to the people you still want to invite.",
            confirmLabel: "Make new link",
          });
          if (!yes) return;
          await api.post(`/groups/${ctx.id}/invite-code`);
          toast("New invite link made; the old one no longer works.", "ok");
          await ctx.reload();
        },
        box,
      ),
    );
  }
  return card(
    "Invite people",
    h("p", {}, "Send this link to the people you share costs with. The code alone works too: ", h("code", {}, group.invite_code)),
    field("Invite link", input),
    box,
    h("div", { class: "actions" }, buttons),
  );
}

/** Someone without an account: a flatmate's partner, a child, a friend who will never sign up. */
function guestCard(ctx) {
  const form = h(
    "form",
    { novalidate: true, class: "guest-form" },
    field("Guest's name", h("input", { name: "full_name", required: true, maxlength: 100, autocomplete: "off" }), "A guest pays, shares and settles like anyone, but cannot sign in. If they sign up later, merge the guest into their account."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add guest")),
  );
  onSubmit(form, async ({ full_name: fullName }) => {
    try {
      await api.create(`/groups/${ctx.id}/guests`, { full_name: fullName });
    } catch (error) {
      if (error.status === 409) error.message = "This group has as many guests as it can hold (200). Remove a guest who is settled up, then add the new one.";
      throw error;
    }
    toast(`${fullName} was added as a guest.`, "ok");
    await ctx.reload();
  });
  return card("Add a guest", form);
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
