// Who paid a group expense: one person (a choice among the current members) or several
// (what each paid), with a live line saying what is still to assign.

import { h, field, options, uid } from "../dom.js";
import { amountInput, exampleAmount, formatPlain, parseAmount, toMinor } from "../money.js";
import { segmented } from "../ui.js";
import { personLabel } from "./group-expense-people.js";

/**
 * The "Who paid" card. people: the current members; state.currency: the expense's currency;
 * money(units): an amount as text; onChange: redraw the form.
 */
export function payersEditor({ people, me, state, money, onChange }) {
  let mode = "one";
  const modeSwitch = segmented("Who paid", "payer_mode", [["one", "One person"], ["several", "Several people"]], "one", (value) => {
    mode = value;
    onChange();
  });
  // The card's heading says it already; the legend stays for screen readers' group name.
  modeSwitch.querySelector("legend").classList.add("visually-hidden");
  const paidBy = h("select", { name: "paid_by" }, options(people.map((person) => [person.id, person.guest ? `${person.name} (guest)` : person.name]), me));
  const rows = people.map((person) => {
    const input = amountInput({ name: "", currency: state.currency });
    input.removeAttribute("name");
    input.id = uid("payer");
    return { person, input, node: h("div", { class: "field payer-row" }, h("label", { for: input.id }, personLabel(person)), input) };
  });
  const status = h("p", { class: "status", id: uid("payers-status"), "data-field": "payers", tabindex: "-1", "aria-live": "polite" });
  const oneBox = h("div", {}, field("Paid by", paidBy));
  const severalBox = h("div", { class: "several-payers", hidden: true }, h("p", { class: "hint" }, "What each person paid; leave empty for those who paid nothing."), rows.map((row) => row.node), status);
  const node = h("section", { class: "card" }, h("h2", {}, "Who paid"), modeSwitch, oneBox, severalBox);

  const several = () => mode === "several";

  /** Show the chosen mode; with several payers, what is left to assign of `units`. */
  function update(units) {
    oneBox.hidden = several();
    severalBox.hidden = !several();
    if (!several()) {
      // One payer pays it all: a gap left by the several payers' amounts no longer counts.
      status.textContent = "";
      status.classList.remove("problem");
      return;
    }
    const currency = state.currency;
    const paid = rows.reduce((sum, row) => {
      const text = parseAmount(row.input.value, currency);
      return sum + (text === null ? 0n : toMinor(text, currency));
    }, 0n);
    const left = units === null ? null : units - paid;
    status.textContent =
      left === null ? "" : left === 0n ? "The payments add up to the total." : `${money(left < 0n ? -left : left)} ${left > 0n ? "still to assign" : "too much"}.`;
    status.classList.toggle("problem", left !== null && left !== 0n);
  }

  function setCurrency(code) {
    for (const row of rows) {
      row.input.dataset.currency = code;
      row.input.placeholder = exampleAmount(code);
    }
  }

  /** The payers of an expense or a template; defaultPayer when it names nobody. */
  function fill(data, { original, inOriginal, defaultPayer }) {
    const payers = data.payers || (data.paid_by ? [{ user_id: data.paid_by }] : []);
    const isSeveral = payers.length > 1;
    mode = isSeveral ? "several" : "one";
    modeSwitch.querySelector(`input[value="${mode}"]`).checked = true;
    paidBy.value = String(payers[0]?.user_id ?? data.paid_by ?? defaultPayer);
    // A payer who has left the group is no choice any more: someone else must be picked.
    if (paidBy.value === "") paidBy.value = String(me);
    for (const row of rows) {
      const payer = payers.find((p) => p.user_id === row.person.id);
      const value = payer ? (inOriginal ? payer.original_amount : payer.amount) : null;
      row.input.value = isSeveral && value ? formatPlain(value, original) : "";
    }
  }

  function check(errors) {
    if (!several()) return;
    for (const row of rows) {
      if (row.input.value.trim() && parseAmount(row.input.value, state.currency) === null) {
        row.input.dataset.field = `payer-${row.person.id}`;
        errors[row.input.dataset.field] = [`Enter an amount such as ${exampleAmount(state.currency)}.`];
      }
    }
  }

  function body(request) {
    if (several()) {
      const payers = rows.filter((row) => row.input.value.trim() !== "");
      request.payers = payers.map((row, index) => {
        row.input.dataset.field = `payers.${index}.amount`;
        return { user_id: row.person.id, amount: parseAmount(row.input.value, state.currency) };
      });
    } else {
      request.paid_by = Number(paidBy.value);
    }
  }

  return { node, status, several, update, setCurrency, fill, check, body };
}
