// The account: name and default currency, password change, sign out.

import * as api from "../api.js";
import { h, field, mount, toast } from "../dom.js";
import { onSubmit } from "../forms.js";
import { go } from "../router.js";
import * as session from "../session.js";
import { currencyInput } from "./common.js";

export async function accountView(node) {
  const me = (await api.get("/users/me")).data;
  session.setUser(me);

  const profile = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "profile-heading" },
    h("h2", { id: "profile-heading" }, "Profile"),
    h("p", {}, "Signed in as ", h("strong", {}, me.email)),
    field("Your name", h("input", { name: "full_name", value: me.full_name, autocomplete: "name" })),
    field("Default currency", currencyInput("default_currency", me.default_currency)),
    h("button", { type: "submit", class: "primary" }, "Save profile"),
  );
  onSubmit(profile, async (values) => {
    session.setUser((await api.patch("/users/me", values)).data);
    toast("Profile saved.");
  });

  const password = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "password-heading" },
    h("h2", { id: "password-heading" }, "Change password"),
    field(
      "Current password",
      h("input", { name: "current_password", type: "password", autocomplete: "current-password" }),
    ),
    field(
      "New password",
      h("input", { name: "password", type: "password", autocomplete: "new-password" }),
      "8 to 128 characters. Every other device is signed out.",
    ),
    h("button", { type: "submit", class: "primary" }, "Change password"),
  );
  onSubmit(password, async (values) => {
    await api.patch("/users/me", values);
    // A new password ends every session, this one too: sign in again with it.
    session.dropTokens();
    const result = await session.signIn(me.email, values.password);
    password.reset();
    if (!result.ok) {
      go("/signin");
      return;
    }
    session.setUser(me);
    toast("Password changed. Other devices have been signed out.");
  });

  mount(
    node,
    h("h1", {}, "Your account"),
    profile,
    password,
    h(
      "section",
      { class: "card", "aria-labelledby": "signout-heading" },
      h("h2", { id: "signout-heading" }, "Sign out"),
      h("p", {}, "Ends this session on the server too."),
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            await session.signOut();
            go("/signin");
          },
        },
        "Sign out",
      ),
    ),
  );
}
