// The invite link of a group, on its Members tab: copy or share it, and (owners) replace it
// with a new one when the old one has gone too far.

import * as api from "../api.js";
import { h, field, toast, copyText } from "../dom.js";
import { card, confirmDialog } from "../ui.js";
import { shareLink } from "./join.js";
import { actionButton, problemBox } from "./group-member-actions.js";

export function inviteCard(ctx, { isOwner, mine }) {
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
