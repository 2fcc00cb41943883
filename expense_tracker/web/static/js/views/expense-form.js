// The personal expense form, in a dialog: add, or edit with If-Match (412: someone else
// changed it) and delete. Its fields are shared with the personal recurring series
// (views/series.js), whose template is this form without the date.

import * as api from "../api.js";
import { currencySelect } from "../currencies.js";
import { formatDate, today } from "../dates.js";
import { h, field, mount, toast, toastWrite, uid } from "../dom.js";
import { clearErrors, onSubmit, showErrors } from "../forms.js";
import { amountInput, formatPlain } from "../money.js";
import * as session from "../session.js";
import { confirmDialog, explain, openDialog } from "../ui.js";
import { methodSelect } from "./common.js";
import { receiptsSection } from "./receipts.js";

/** The user's categories, most used first, for the Category field's suggestions. */
export async function categoryNames() {
  try {
    return (await api.get("/expenses/categories")).data.map((item) => item.category);
  } catch {
    return []; // suggestions only: the field works without them
  }
}

/** A control inside what currencySelect returns (a bare <select> or a labelled field). */
function selectIn(node) {
  return node.tagName === "SELECT" ? node : node.querySelector("select");
}

/**
 * The fields of an expense (or of a series' template, withDate false): amount in the
 * browser's notation, currency, date, category with suggestions (`categories`: names, or a
 * promise of them), method, description.
 * Changing the currency tells the amount input how many decimals it may have.
 */
export function expenseFields({ expense = {}, categories = [], withDate = true } = {}) {
  const currency = expense.currency || session.user()?.default_currency || "EUR";
  const amount = amountInput({
    name: "amount",
    value: expense.amount || "",
    currency,
    required: true,
  });
  const picked = currencySelect({ name: "currency", value: currency, label: "Currency" });
  const select = selectIn(picked);
  select?.addEventListener("change", () => {
    amount.dataset.currency = select.value;
  });
  const listId = uid("categories");
  // Suggestions arrive when they arrive: the form does not wait for them.
  const datalist = h("datalist", { id: listId });
  Promise.resolve(categories).then((names) => mount(datalist, names.map((value) => h("option", { value }))));
  return [
    // Amount and currency side by side, even on a phone: they are read together.
    h("div", { class: "amount-row" }, field("Amount", amount), picked.tagName === "SELECT" ? field("Currency", picked) : picked),
    h(
      "div",
      { class: "grid" },
      withDate ? field("Date", h("input", { name: "date", type: "date", value: expense.date || today(), required: true })) : null,
      field(
        "Category",
        h("input", { name: "category", list: listId, autocomplete: "off", required: true, maxlength: 50, value: expense.category || "" }),
      ),
      field("Paid with", methodSelect("payment_method", expense.payment_method || "debit_card")),
    ),
    datalist,
    field("Description", h("input", { name: "description", maxlength: 500, autocomplete: "off", value: expense.description || "" })),
  ];
}

/** Put an expense's values back into the form's controls (after "Reload the expense"). */
function fill(form, expense) {
  const select = form.elements.currency;
  if (select) select.value = expense.currency;
  form.elements.amount.dataset.currency = expense.currency;
  form.elements.amount.value = formatPlain(expense.amount, expense.currency);
  for (const name of ["date", "category", "payment_method", "description"]) {
    if (form.elements[name]) form.elements[name].value = expense[name] ?? "";
  }
}

/** The body to send: the API's notation already (forms.values converts the amount). */
function body(values) {
  const result = { ...values };
  if (!result.date) delete result.date;
  if (!result.currency) delete result.currency;
  return result;
}

const DELETED_ELSEWHERE =
  "This expense is no longer there: it was deleted, perhaps on another device. The list now shows what is left.";

/**
 * Open the add form (id undefined) or the edit form of expense `id` in a dialog.
 * onChanged() runs after a save or a delete. A failure to load it is said in a toast.
 */
export async function openExpenseDialog({ id, onChanged }) {
  const categories = categoryNames();
  let loaded = null;
  if (id !== undefined) {
    try {
      loaded = await api.get(`/expenses/${id}`);
    } catch (error) {
      const said = explain(error);
      toast(error.status === 404 ? DELETED_ELSEWHERE : `${said.title}. ${said.message}`, "error");
      if (error.status === 404) onChanged();
      return null;
    }
  }
  const expense = loaded?.data;
  let etag = loaded?.etag;
  const title = expense ? `Edit expense of ${formatDate(expense.date)}` : "Add an expense";
  const form = h(
    "form",
    { novalidate: true, class: "expense-form" },
    expenseFields({ expense, categories }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Save expense"),
      expense ? h("button", { type: "button", class: "danger", onclick: () => remove() }, "Delete") : null,
    ),
  );
  // An existing expense shows its receipts under the form (outside it: a photo is added
  // at once, not when the expense is saved). The owner may add and delete them all.
  const receipts = expense
    ? receiptsSection({ path: `/expenses/${id}/receipts`, canAttach: true, canDelete: () => true, level: 3 })
    : null;
  const { close } = openDialog(title, receipts ? h("div", {}, form, receipts) : form);
  form.elements.amount.focus();

  async function reloadExpense() {
    try {
      const answer = await api.get(`/expenses/${id}`);
      etag = answer.etag;
      fill(form, answer.data);
      clearErrors(form);
      form.elements.amount.focus();
    } catch (error) {
      if (error.status === 404) {
        close();
        toast(DELETED_ELSEWHERE, "error");
        onChanged();
        return;
      }
      showErrors(form, error);
    }
  }

  async function remove() {
    const name = expense.description || expense.category;
    const yes = await confirmDialog({
      title: "Delete this expense?",
      message: `"${name}" (${formatDate(expense.date)}) will be deleted for good.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!yes) return;
    let removed = null;
    try {
      removed = await api.remove(`/expenses/${id}`, { etag });
    } catch (error) {
      if (error.status === 412) {
        showErrors(form, changedElsewhere(error), [h("button", { type: "button", onclick: reloadExpense }, "Reload the expense")]);
        return;
      }
      if (error.status !== 404) {
        showErrors(form, error);
        return;
      }
    }
    close();
    toastWrite(removed, "Expense deleted.", "the deletion");
    onChanged();
  }

  onSubmit(form, async (values) => {
    if (!expense) {
      const created = await api.create("/expenses/", body(values));
      close();
      toastWrite(created, "Expense added.", "the new expense");
      onChanged();
      return;
    }
    let saved;
    try {
      saved = await api.patch(`/expenses/${id}`, body(values), { etag });
    } catch (error) {
      if (error.status === 412) {
        showErrors(form, changedElsewhere(error), [h("button", { type: "button", onclick: reloadExpense }, "Reload the expense")]);
        return;
      }
      if (error.status === 404) {
        close();
        toast(DELETED_ELSEWHERE, "error");
        onChanged();
        return;
      }
      throw error;
    }
    close();
    toastWrite(saved, "Expense saved.", "your changes");
    onChanged();
  });
  return { form, close };
}

function changedElsewhere(error) {
  error.message =
    "Someone else changed this expense since you opened it. Reload it to see their version, then make your change again.";
  error.errors = {};
  return error;
}
