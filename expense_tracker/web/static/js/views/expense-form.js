// The personal expense form: add, or edit with If-Match (412: someone else changed it).

import * as api from "../api.js";
import { formatDate, today } from "../dates.js";
import { h, field, toast } from "../dom.js";
import { clearErrors, onSubmit, showErrors } from "../forms.js";
import * as session from "../session.js";
import { currencyInput, methodSelect } from "./common.js";

/**
 * A form that creates an expense, or edits one after edit(id) is called.
 * onSaved() runs after every successful save.
 */
export function expenseForm({ onSaved, categoriesListId }) {
  let editing = null; // {id, etag}
  const heading = h("h2", { id: "expense-form-heading" }, "Add an expense");
  const cancel = h("button", { type: "button", hidden: true, onclick: () => reset() }, "Cancel edit");
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "expense-form-heading", id: "expense-form" },
    heading,
    h(
      "div",
      { class: "grid" },
      field("Amount", h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", required: true })),
      field("Currency", currencyInput("currency", session.user()?.default_currency)),
      field("Date", h("input", { name: "date", type: "date", value: today() })),
      field(
        "Category",
        h("input", { name: "category", list: categoriesListId, autocomplete: "off", required: true, maxlength: 50 }),
      ),
      field("Paid with", methodSelect("payment_method", "debit_card")),
    ),
    field("Description", h("input", { name: "description", maxlength: 500, autocomplete: "off" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save expense"), cancel),
  );

  function fill(expense) {
    for (const name of ["amount", "currency", "date", "category", "payment_method", "description"]) {
      form.elements[name].value = expense[name] ?? "";
    }
  }

  function reset() {
    editing = null;
    form.reset();
    clearErrors(form);
    form.elements.date.value = today();
    form.elements.currency.value = session.user()?.default_currency || "";
    heading.textContent = "Add an expense";
    cancel.hidden = true;
  }

  async function edit(id) {
    const answer = await api.get(`/expenses/${id}`);
    editing = { id, etag: answer.etag };
    clearErrors(form);
    fill(answer.data);
    heading.textContent = `Edit expense of ${formatDate(answer.data.date)}`;
    cancel.hidden = false;
    form.scrollIntoView({ block: "start" });
    form.elements.amount.focus();
  }

  onSubmit(form, async (values) => {
    const body = { ...values };
    if (!body.date) delete body.date;
    if (!body.currency) delete body.currency;
    if (!editing) {
      await api.create("/expenses/", body);
      toast("Expense added.");
      reset();
      form.elements.amount.focus();
      onSaved();
      return;
    }
    try {
      await api.patch(`/expenses/${editing.id}`, body, { etag: editing.etag });
    } catch (error) {
      if (error.status !== 412) throw error;
      const id = editing.id;
      error.message = "Someone else changed this expense since you opened it. Reload it to see their version, then make your change again.";
      showErrors(form, error, [h("button", { type: "button", onclick: () => edit(id) }, "Reload the expense")]);
      return;
    }
    toast("Expense saved.");
    reset();
    onSaved();
  });

  return { form, edit, reset };
}
