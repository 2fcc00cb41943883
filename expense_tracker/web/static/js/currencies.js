// The currencies the service accepts (GET /currencies), fetched once per page load.

import * as api from "./api.js";
import { h } from "./dom.js";

let cached = null;

/** [{code, name, minor_units}], by code. */
export function currencies() {
  if (!cached) {
    cached = api
      .get("/currencies")
      .then((answer) => answer.data)
      .catch((error) => {
        cached = null; // try again next time
        throw error;
      });
  }
  return cached;
}

/**
 * A <select> of every currency ("EUR — Euro"), `value` selected. Until the list arrives
 * it holds just `value`, so a form can be shown at once.
 */
export function currencySelect({ name = "currency", value = "", onchange } = {}) {
  const select = h("select", { name, onchange }, h("option", { value, selected: true }, value || "…"));
  currencies()
    .then((list) => {
      const chosen = select.value || value;
      select.replaceChildren(
        ...list.map((currency) =>
          h("option", { value: currency.code, selected: currency.code === chosen }, `${currency.code} — ${currency.name}`),
        ),
      );
      select.value = chosen;
    })
    .catch(() => {
      // Offline or failing: the current value stays selectable; the API checks the code.
    });
  return select;
}
