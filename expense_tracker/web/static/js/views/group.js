// One group: its page, the invite link, members and roles, and (owners) its settings; the
// money sections come from group-money.js and group-expenses.js.

import * as api from "../api.js";
import { formatDate } from "../dates.js";
import { h, field, mount, options, toast, busyButton, copyText } from "../dom.js";
import { onSubmit, showErrors } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { confirmed, currencyInput, namesOf } from "./common.js";
import { groupExpenseList } from "./group-expenses.js";
import { balancesCard, settlementForm, settlementsCard } from "./group-money.js";

export async function groupView(node, { id }) {
  const me = session.user().id;
  const [groupAnswer, formerAnswer] = await Promise.all([
    api.get(`/groups/${id}`),
    api.get(`/groups/${id}/members`, { query: { include_former: "true" } }),
  ]);
  const group = groupAnswer.data;
  if (!group.members) {
    // An open group I am not in: its public view, and a way in.
    mount(
      node,
      h("h1", {}, group.name),
      h("p", {}, group.description),
      busyButton(`Join ${group.name}`, async () => {
        await api.create(`/groups/${id}/join`, {});
        go(`/groups/${id}`);
      }, { class: "primary" }),
    );
    return;
  }
  const name = namesOf(formerAnswer.data, me);
  const mine = group.members.find((member) => member.user_id === me);
  const owner = mine?.role === "owner";
  const currency = group.currency;
  const reload = () => groupView(node, { id });

  const alone = group.member_count === 1;
  const invite = inviteCard(id, group, owner, reload);
  const sections = [
    h("h1", {}, group.name),
    group.description ? h("p", { class: "lead" }, group.description) : null,
    h("p", { class: "meta" }, `${group.member_count} member${group.member_count === 1 ? "" : "s"} · amounts in ${currency}`),
    // A group of one needs people first: the invite link comes before anything else.
    alone ? invite : null,
    h("p", {}, h("a", { class: "button primary", href: `#/groups/${id}/expenses/new` }, "Add a shared expense")),
    await balancesCard(id, currency, name, me, owner, reload),
    settlementForm(id, group, me, reload),
    await groupExpenseList(id, currency, name, me, owner, reload),
    await settlementsCard(id, currency, name, me, owner, reload),
    alone ? null : invite,
    membersCard(id, group, me, owner, reload),
    owner ? settingsForm(id, group, groupAnswer.etag, reload) : null,
  ];
  mount(node, ...sections);
}

function inviteCard(id, group, owner, reload) {
  const link = `${location.origin}/app/#/join/${encodeURIComponent(group.invite_code)}`;
  const input = h("input", { readonly: true, value: link, id: "invite-link", class: "wide" });
  return h(
    "section",
    { class: "card", "aria-labelledby": "invite-heading" },
    h("h2", { id: "invite-heading" }, "Invite people"),
    h("p", {}, "Send this link to the people you share costs with. The code alone works too: ", h("code", {}, group.invite_code)),
    field("Invite link", input),
    h(
      "div",
      { class: "actions" },
      busyButton("Copy link", async () => {
        toast((await copyText(link, input)) ? "Invite link copied." : "Press Ctrl+C to copy the selected link.");
      }),
      owner
        ? busyButton("Make a new link", async () => {
            if (!confirmed("Make a new invite link? The current one stops working.")) return;
            await api.post(`/groups/${id}/invite-code`);
            await reload();
            toast("New invite link made; the old one no longer works.");
          })
        : null,
    ),
  );
}

function membersCard(id, group, me, owner, reload) {
  async function act(action, message) {
    try {
      await action();
      await reload();
      if (message) toast(message);
    } catch (error) {
      toast(error.message, "error");
    }
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "members-heading" },
    h("h2", { id: "members-heading" }, "Members"),
    h(
      "ul",
      { class: "rows members" },
      group.members.map((member) => {
        const self = member.user_id === me;
        const buttons = [];
        if (owner && member.role === "member") {
          buttons.push(busyButton("Make owner", () => act(() => api.patch(`/groups/${id}/members/${member.user_id}`, { role: "owner" }), `${member.full_name} is now an owner.`), { "aria-label": `Make owner: ${member.full_name}` }));
          buttons.push(busyButton("Remove", async () => {
            if (confirmed(`Remove ${member.full_name} from the group?`)) await act(() => api.remove(`/groups/${id}/members/${member.user_id}`), `${member.full_name} was removed.`);
          }, { class: "danger", "aria-label": `Remove ${member.full_name}` }));
        }
        if (self && member.role === "owner") {
          buttons.push(busyButton("Step down as owner", () => act(() => api.patch(`/groups/${id}/members/${me}`, { role: "member" }), "You are no longer an owner.")));
        }
        if (self) {
          buttons.push(busyButton("Leave group", async () => {
            if (!confirmed(`Leave ${group.name}?`)) return;
            try {
              await api.remove(`/groups/${id}/members/${me}`);
              toast(`You left ${group.name}.`);
              go("/groups");
            } catch (error) {
              toast(error.message, "error");
            }
          }, { class: "danger" }));
        }
        return h(
          "li",
          { class: "row" },
          h(
            "div",
            { class: "row-main" },
            h("span", { class: "title" }, self ? `${member.full_name} (you)` : member.full_name),
            // No email for guests, nor for others in an open group: the API sends null.
            h("span", { class: "meta" }, [member.role === "owner" ? "Owner" : "Member", member.email, `joined ${formatDate(member.joined_at.slice(0, 10))}`].filter(Boolean).join(" · ")),
          ),
          h("div", { class: "row-actions" }, buttons),
        );
      }),
    ),
  );
}

/** Owners: name, description, who may join, currency (until the group has expenses). */
function settingsForm(id, group, etag, reload) {
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "settings-heading" },
    h("h2", { id: "settings-heading" }, "Group settings"),
    field("Group name", h("input", { name: "name", value: group.name, maxlength: 100, autocomplete: "off" })),
    field("Group description", h("input", { name: "description", value: group.description, maxlength: 500, autocomplete: "off" })),
    h(
      "div",
      { class: "grid" },
      field("Group currency", currencyInput("currency", group.currency), "Fixed once the group has expenses or payments."),
      field(
        "Who may join",
        h("select", { name: "join_policy" }, options([["invite", "People with the invite link"], ["open", "Anyone who finds it"]], group.join_policy)),
      ),
    ),
    h("button", { type: "submit", class: "primary" }, "Save settings"),
  );
  onSubmit(form, async (values) => {
    const changed = Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== String(group[key] ?? "")));
    if (!Object.keys(changed).length) return;
    try {
      await api.patch(`/groups/${id}`, changed, { etag });
    } catch (error) {
      if (error.status !== 412) throw error;
      error.message = "Someone else changed this group's settings since you opened the page.";
      showErrors(form, error, [h("button", { type: "button", onclick: reload }, "Reload the group")]);
      return;
    }
    await reload();
    toast("Group settings saved.");
  });
  return form;
}
