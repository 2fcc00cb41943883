// Pieces several views share: currency and payment-method inputs, people's names.

import { h, options } from "../dom.js";

export const PAYMENT_METHODS = [
  ["cash", "Cash"],
  ["credit_card", "Credit card"],
  ["debit_card", "Debit card"],
  ["bank_transfer", "Bank transfer"],
  ["mobile_payment", "Mobile payment"],
  ["other", "Other"],
];

export function methodLabel(value) {
  return (PAYMENT_METHODS.find(([key]) => key === value) || [value, value])[1];
}

export function currencyInput(name, value) {
  return h("input", {
    name,
    value: value || "",
    autocomplete: "off",
    maxlength: 3,
    pattern: "[A-Za-z]{3}",
    class: "short",
    autocapitalize: "characters",
  });
}

export function methodSelect(name, selected, { any = false } = {}) {
  const pairs = any ? [["", "Any method"], ...PAYMENT_METHODS] : PAYMENT_METHODS;
  return h("select", { name }, options(pairs, selected));
}

/** user_id -> display name, from a members list (former members included when given). */
export function namesOf(members, me) {
  const names = new Map();
  for (const member of members) {
    names.set(member.user_id, member.user_id === me ? `${member.full_name} (you)` : member.full_name);
  }
  return (id) => names.get(id) || `Former member #${id}`;
}

/** Ask before something that cannot be undone; a native dialog works with the keyboard. */
export function confirmed(question) {
  return window.confirm(question);
}
