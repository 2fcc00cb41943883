// Sign up and sign in.

import * as api from "../api.js";
import { h, field, mount } from "../dom.js";
import { onSubmit } from "../forms.js";
import { continueAfterSignIn } from "../router.js";
import * as session from "../session.js";
import { currencyInput } from "./common.js";

async function signInAndLoad(email, password) {
  const result = await session.signIn(email, password);
  if (!result.ok) {
    throw new api.ApiError(result.status, result.problem);
  }
  session.setUser((await api.get("/users/me")).data);
  continueAfterSignIn();
}

export function signInView(node) {
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    field("Email", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  onSubmit(form, async ({ email, password }) => {
    try {
      await signInAndLoad(email, password);
    } catch (error) {
      // The API answers the same 401 for an unknown email and a wrong password.
      if (error.status === 401) error.message = "That email and password do not match an account.";
      throw error;
    }
  });
  mount(
    node,
    h("h1", {}, "Sign in"),
    form,
    h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")),
  );
}

export function signUpView(node) {
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    field("Your name", h("input", { name: "full_name", autocomplete: "name", required: true, maxlength: 100 })),
    field("Email", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }),
      "8 to 128 characters.",
    ),
    field("Currency", currencyInput("default_currency", "USD"), "Three letters, such as EUR or JPY."),
    h("button", { type: "submit", class: "primary" }, "Create account"),
  );
  onSubmit(form, async (values) => {
    await api.create("/users/", values);
    await signInAndLoad(values.email, values.password);
  });
  mount(
    node,
    h("h1", {}, "Create your account"),
    form,
    h("p", {}, "Already have one? ", h("a", { href: "#/signin" }, "Sign in")),
  );
}
