// #/account: my name and default currency, a new password, the way to Trash, Activity and
// Notifications, and deleting the account (with what it means, and what to do first when
// the API says it cannot be done yet). Signing out is in the top bar on every page.

import * as api from "../api.js";
import { currencySelect } from "../currencies.js";
import { h, field, mount, toast } from "../dom.js";
import { onSubmit, showErrors } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { balance, card, confirmDialog, list, listItem, pageHeader } from "../ui.js";
import { toMinor } from "../money.js";
import { myGroups } from "./activity.js";

function profileForm(me) {
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "profile-heading" },
    h("h2", { id: "profile-heading" }, "Profile"),
    h("p", {}, "Signed in as ", h("strong", {}, me.email)),
    field("Your name", h("input", { name: "full_name", value: me.full_name, autocomplete: "name", required: true })),
    field(
      "Default currency",
      currencySelect({ name: "default_currency", value: me.default_currency }),
      "New personal expenses and new groups start in this currency.",
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save profile")),
  );
  onSubmit(form, async (values) => {
    session.setUser((await api.patch("/users/me", values)).data);
    toast("Profile saved.", "ok");
  });
  return form;
}

function passwordForm(me) {
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "password-heading" },
    h("h2", { id: "password-heading" }, "Change password"),
    h(
      "p",
      {},
      "A new password ends every session, on every device, this one too. " +
        "This tab signs in again with the new password; everywhere else you sign in again.",
    ),
    field(
      "Current password",
      h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
    ),
    field(
      "New password",
      h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }),
      "8 to 128 characters.",
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Change password")),
  );
  onSubmit(form, async (values) => {
    try {
      await api.patch("/users/me", values);
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 403) {
        showErrors(form, wrongPassword(error, "current_password"));
        return;
      }
      throw error;
    }
    // Every session has ended, this one too: sign in again with the new password.
    session.dropTokens();
    const result = await session.signIn(me.email, values.password);
    form.reset();
    if (!result.ok) {
      toast("Password changed. Every session has ended: sign in with your new password.", "ok");
      go("/signin");
      return;
    }
    session.setUser(me);
    toast("Password changed. Every other device has been signed out.", "ok");
  });
  return form;
}

/** A 403 on a password check, shown under the password field with what to do. */
function wrongPassword(error, name) {
  return Object.assign(Object.create(error), {
    errors: { [name]: ["That is not your current password. Type the password you sign in with."] },
    message: "The password is wrong.",
  });
}

/** What keeps an account from being deleted: groups with a balance, groups I alone own. */
async function blockers(me) {
  const [balances, groups] = await Promise.all([api.get("/users/me/balances"), myGroups()]);
  const owing = balances.data.groups.filter((row) => (toMinor(row.net, row.currency, { signed: true }) ?? 0n) !== 0n);
  const lonelyOwner = groups.filter((group) => {
    const owners = (group.members || []).filter((member) => member.role === "owner");
    return owners.length === 1 && owners[0].user_id === me.id && group.member_count > 1;
  });
  return [
    ...owing.map((row) =>
      listItem({
        title: row.name,
        meta: [balance(row.net, row.currency, { who: "you" }), ": settle up first."],
        href: `#/groups/${row.group_id}/balances`,
      }),
    ),
    ...lonelyOwner.map((group) =>
      listItem({
        title: group.name,
        meta: "You are its only owner: make someone else an owner first.",
        href: `#/groups/${group.id}/members`,
      }),
    ),
  ];
}

function deleteForm(me) {
  const form = h(
    "form",
    { class: "card danger-zone", novalidate: true, "aria-labelledby": "delete-heading" },
    h("h2", { id: "delete-heading" }, "Delete your account"),
    h("p", {}, "Deleting your account cannot be undone. It means:"),
    h(
      "ul",
      {},
      h("li", {}, "Your personal expenses are deleted."),
      h("li", {}, "Your group memberships end, and you can no longer sign in."),
      h("li", {}, "Shared expenses stay in each group's history, where your name shows as “Deleted user”."),
      h("li", {}, "Your email is free to register again."),
    ),
    h(
      "p",
      {},
      "First settle up in every group where you owe or are owed money, and make someone else an owner of each group you alone own.",
    ),
    field(
      "Your password",
      h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Delete my account")),
  );
  onSubmit(form, async (values) => {
    if (!values.current_password) {
      showErrors(form, {
        errors: { current_password: ["Type your password to confirm that it is you."] },
        message: "Your password is needed.",
      });
      return;
    }
    const sure = await confirmDialog({
      title: "Delete your account?",
      message:
        "Your personal expenses are deleted and your group memberships end. This cannot be undone.",
      confirmLabel: "Delete my account",
      danger: true,
    });
    if (!sure) return;
    try {
      await api.request("DELETE", "/users/me", { json: { current_password: values.current_password } });
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.status === 403) {
        showErrors(form, wrongPassword(error, "current_password"));
        return;
      }
      if (error.status === 409) {
        const rows = await blockers(me).catch(() => []);
        showErrors(form, error, [
          h("p", {}, "Your account is still needed in these groups. Open each one, then try again:"),
          rows.length ? list(rows) : null,
        ]);
        return;
      }
      throw error;
    }
    await session.signOut();
    go("/signin");
    toast("Your account has been deleted.", "ok");
  });
  return form;
}

export async function accountView(node) {
  const me = (await api.get("/users/me")).data;
  session.setUser(me);

  mount(
    node,
    pageHeader("Your account"),
    profileForm(me),
    card(
      "Your history",
      list([
        listItem({ title: "Notifications", meta: "What others changed that concerns you", href: "#/notifications" }),
        listItem({ title: "Activity", meta: "Everything that happened in your groups", href: "#/activity" }),
        listItem({ title: "Trash", meta: "Deleted expenses, payments and groups, to restore", href: "#/trash" }),
      ]),
    ),
    passwordForm(me),
    deleteForm(me),
  );
}
