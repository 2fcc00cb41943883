// Guests of a group (people without an account) on its Members tab: adding one, merging
// one into an account (the dialog), and the merge requests waiting for their second yes.

import * as api from "../api.js";
import { relative } from "../dates.js";
import { h, field, options, toast } from "../dom.js";
import { onSubmit } from "../forms.js";
import { badge, card, list, listItem, openDialog } from "../ui.js";
import { actionButton, explained, problemBox } from "./group-member-actions.js";

/** Ask to merge a guest into an account: as that account (into mine) or as an owner. */
export function mergeDialog(ctx, guest, { meId, isOwner, members }) {
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
export function awaitsMe(request, meId, isOwner) {
  return request.requested_by === request.user_id ? isOwner && meId !== request.requested_by : meId === request.user_id;
}

/** Pending merge requests, with Accept / Decline for the side that did not ask. */
export function mergesCard(ctx, merges, { meId, isOwner, name }) {
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

/** Someone without an account: a flatmate's partner, a child, a friend who will never sign up. */
export function guestCard(ctx) {
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
