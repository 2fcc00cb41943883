// The Settings tab of a group: owners change its name, description, who may join and
// (until money moved) its currency, or delete it (with Undo); everyone else reads them.

import * as api from "../api.js";
import { h, field, mount, options, toast } from "../dom.js";
import { onSubmit, showErrors } from "../forms.js";
import { go } from "../router.js";
import { card, confirmDialog, explain } from "../ui.js";
import { currencyField } from "./groups.js";

const JOIN_POLICIES = [
  ["invite", "People with the invite link"],
  ["open", "Anyone who finds it"],
];

function policyLabel(value) {
  return (JOIN_POLICIES.find(([key]) => key === value) || [value, value])[1];
}

export async function settingsTab(panel, ctx) {
  if (!ctx.isOwner) {
    readOnly(panel, ctx.group);
    return;
  }
  // A fresh copy with its ETag: a save on top of someone else's change is a 412, not a loss.
  const answer = await api.get(`/groups/${ctx.id}`);
  const group = answer.data;
  let etag = answer.etag;
  const form = h(
    "form",
    { novalidate: true, class: "settings-form" },
    field("Group name", h("input", { name: "name", value: group.name, required: true, maxlength: 100, autocomplete: "off" })),
    field("Description", h("textarea", { name: "description", maxlength: 500, rows: 3 }, group.description || ""), "Optional: what the group is for."),
    h(
      "div",
      { class: "grid" },
      field("Who may join", h("select", { name: "join_policy" }, options(JOIN_POLICIES, group.join_policy)), "Open groups show up in search; members there see names only, not emails."),
      await currencyField("currency", group.currency, "Currency", "Fixed once the group has expenses or payments."),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save settings")),
  );
  onSubmit(form, async (values) => {
    const changed = Object.fromEntries(
      Object.entries(values).filter(([key, value]) => value !== String(group[key] ?? "") && !(key === "currency" && value.toUpperCase() === group.currency)),
    );
    if (!Object.keys(changed).length) {
      toast("Nothing to save: the settings are as they were.");
      return;
    }
    let saved;
    try {
      saved = await api.patch(`/groups/${ctx.id}`, changed, { etag });
    } catch (error) {
      if (error.status === 412) {
        error.message = "Someone else changed this group's settings since you opened them. Reload to see their version, then make your change again.";
        showErrors(form, error, [h("button", { type: "button", onclick: () => ctx.reload() }, "Reload the settings")]);
        return;
      }
      if (error.status === 409) {
        error.message = `The currency cannot change any more: the group already has expenses or payments in ${group.currency}.`;
        error.errors = { currency: [`Fixed at ${group.currency} now that the group has expenses or payments.`] };
      }
      throw error;
    }
    etag = saved.etag;
    toast("Group settings saved.", "ok");
    await ctx.reload();
  });

  mount(panel, card("Group settings", form), deleteCard(ctx, group, () => etag));
}

function readOnly(panel, group) {
  mount(
    panel,
    card(
      "Group settings",
      h("p", { class: "hint settings-note" }, "Only an owner of the group can change these."),
      h(
        "dl",
        { class: "settings-list" },
        h("dt", {}, "Name"),
        h("dd", {}, group.name),
        h("dt", {}, "Description"),
        h("dd", {}, group.description || "No description"),
        h("dt", {}, "Who may join"),
        h("dd", {}, policyLabel(group.join_policy)),
        h("dt", {}, "Currency"),
        h("dd", {}, group.currency),
      ),
    ),
  );
}

function deleteCard(ctx, group, etag) {
  const box = h("div", { class: "form-alert", role: "alert", tabindex: "-1" });
  const button = h("button", { type: "button", class: "danger" }, "Delete group");
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    const yes = await confirmDialog({
      title: `Delete ${group.name}?`,
      message: "It disappears for every member. Its owners can restore it for 30 days (Trash). Everyone must be settled up first.",
      confirmLabel: "Delete group",
      danger: true,
    });
    if (!yes) return;
    button.disabled = true;
    box.replaceChildren();
    try {
      await api.remove(`/groups/${ctx.id}`, { etag: etag() });
    } catch (error) {
      let said;
      if (error.status === 409) {
        said = { title: "Not everyone is settled up.", message: "A group can be deleted only when every balance is zero. Settle up first (see Balances), then delete it." };
      } else if (error.status === 412) {
        said = { title: "The group changed since you opened it.", message: "Reload to see it as it is now, then decide again." };
      } else {
        said = explain(error);
      }
      mount(
        box,
        h("p", {}, h("strong", {}, said.title), " ", said.message, said.action ? ` ${said.action}` : null),
        error.status === 409 ? h("p", {}, h("a", { href: `#/groups/${ctx.id}/balances` }, "Open Balances to settle up")) : null,
      );
      box.focus();
      return;
    } finally {
      button.disabled = false;
    }
    toast(`${group.name} was deleted.`, "ok", {
      action: {
        label: "Undo",
        run: async () => {
          try {
            await api.post(`/groups/${ctx.id}/restore`, {});
            toast(`${group.name} is back.`, "ok");
            go(`/groups/${ctx.id}`);
          } catch (error) {
            const { title, message, action } = explain(error);
            toast([title, message, action].filter(Boolean).join(". ").replace(/\.\./g, "."), "error");
          }
        },
      },
    });
    go("/groups");
  });
  return card(
    "Delete this group",
    h("p", {}, "Deleting hides the group and all its expenses from every member. Only possible when everyone is settled up; owners can restore it for 30 days."),
    box,
    h("div", { class: "actions" }, button),
  );
}
