// Receipts of an expense, personal or shared: the list with thumbnails of the photos, a
// photo opened large in a dialog, a PDF offered as a download, "Add a receipt" straight
// from the phone's camera, and delete after asking.
//
// The bytes need the bearer token, so they are fetched by script (never an <img src> to the
// API, which would carry no token) and shown from memory: photos as data: URLs (the app's
// CSP allows `img-src data:`, not `blob:`), PDFs as a blob: download link (a download is no
// image load, so img-src does not govern it).

import * as api from "../api.js";
import { formatTimestamp } from "../dates.js";
import { h, mount, toast, uid } from "../dom.js";
import { confirmDialog, explain, list, listItem, openDialog } from "../ui.js";

/** The API's limits (contract "Receipts"): checked here too, so a person waits for nothing. */
export const MAX_BYTES = 10 * 1024 * 1024;
export const MAX_RECEIPTS = 10;

const KINDS = {
  "image/jpeg": "Photo (JPEG)",
  "image/png": "Photo (PNG)",
  "image/webp": "Photo (WebP)",
  "application/pdf": "PDF",
};

function isPhoto(receipt) {
  return String(receipt.content_type).startsWith("image/");
}

/** 2048 -> "2 KB", 3_500_000 -> "3.3 MB", in the browser's digits. */
export function fileSize(bytes) {
  const format = (value, unit) => `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value)} ${unit}`;
  if (bytes < 1024) return format(bytes, bytes === 1 ? "byte" : "bytes");
  if (bytes < 1024 * 1024) return format(Math.round(bytes / 1024), "KB");
  return format(bytes / (1024 * 1024), "MB");
}

/** A receipt's bytes as a Blob (api.request signs the request and keeps files as bytes). */
export async function fetchReceipt(path) {
  return (await api.get(path, { accept: "image/*, application/pdf, application/problem+json" })).data;
}

/** A Blob as a data: URL (what the CSP lets an <img> show). */
function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** What went wrong with an upload, in words, and what to do. */
export function uploadProblem(error, file) {
  if (error.status === 413)
    return `"${file.name}" is ${fileSize(file.size)}; a receipt may be at most 10 MB. Take the photo again at a lower resolution, or choose a smaller file.`;
  if (error.status === 415)
    return `"${file.name}" is not a photo (JPEG, PNG or WebP) or a PDF, so it was not added. Choose a photo or a PDF.`;
  if (error.status === 409)
    return `This expense already has ${MAX_RECEIPTS} receipts, the most it can have. Delete one to add another.`;
  if (error.status === 403) return "Only the expense's creator, a payer or an owner of the group can add receipts to it.";
  if (error.status === 422)
    return `"${file.name}" could not be read as a photo or PDF: it may be damaged. Take the photo again, or choose another file.`;
  const said = explain(error);
  return [said.title, said.message, said.action].filter(Boolean).join(". ").replace(/\.\./g, ".");
}

/**
 * The receipts of one expense as a section: `path` is its receipts collection
 * ("/expenses/7/receipts" or "/groups/3/expenses/9/receipts"); `canAttach` shows
 * "Add a receipt"; `canDelete(receipt)` shows its Delete; `nameOf(userId)` (optional, a
 * group's) says who added each. `level` 3 puts an <h3> (inside a dialog whose title is the
 * <h2>); 2, the default, a card of its own.
 */
export function receiptsSection({ path, canAttach = false, canDelete = () => false, nameOf = null, level = 2 }) {
  const headingId = uid("receipts");
  const listNode = h("div", { class: "receipts-list", "aria-live": "polite" }, h("p", { class: "loading", role: "status" }, "Loading receipts…"));
  const message = h("div", { class: "receipts-message" });
  const inputId = uid("receipt-file");
  const input = h("input", {
    type: "file",
    id: inputId,
    name: "file",
    accept: "image/*,application/pdf",
    capture: "environment",
    class: "visually-hidden",
    "aria-describedby": `${inputId}-hint`,
  });
  const adder = canAttach
    ? h(
        "div",
        { class: "receipt-add" },
        h("label", { for: inputId, class: "button" }, "Add a receipt"),
        input,
        h("p", { class: "hint", id: `${inputId}-hint` }, "A photo (your camera opens on a phone) or a PDF, up to 10 MB."),
      )
    : null;
  const section = h(
    "section",
    { class: ["receipts", level === 2 ? "card" : null], "aria-labelledby": headingId },
    h(level === 2 ? "h2" : "h3", { id: headingId }, "Receipts"),
    listNode,
    message,
    adder,
  );
  let receipts = [];

  function say(text, kind = "error") {
    mount(message, text ? h("p", { class: kind === "error" ? "field-error" : "hint", role: kind === "error" ? "alert" : "status" }, text) : null);
  }

  async function load() {
    try {
      receipts = (await api.get(path)).data;
    } catch (error) {
      const said = explain(error);
      mount(
        listNode,
        h(
          "div",
          { class: "failure", role: "alert" },
          h("p", {}, `The receipts could not be loaded. ${said.message}`),
          h("button", { type: "button", class: "small", onclick: load }, "Try again"),
        ),
      );
      return;
    }
    draw();
  }

  function draw() {
    if (adder) adder.hidden = receipts.length >= MAX_RECEIPTS;
    if (!receipts.length) {
      mount(listNode, h("p", { class: "empty" }, canAttach ? "No receipt yet. Add a photo of the bill or its PDF." : "No receipt."));
      return;
    }
    mount(
      listNode,
      list(receipts.map((receipt, index) => row(receipt, index + 1))),
      receipts.length >= MAX_RECEIPTS && canAttach
        ? h("p", { class: "hint" }, `${MAX_RECEIPTS} receipts: the most an expense can have. Delete one to add another.`)
        : null,
    );
  }

  /** Who added it, mid-sentence ("by you", "by Olive Owner"). */
  function uploader(receipt) {
    const name = nameOf(receipt.uploaded_by);
    return name === "You" ? "you" : name;
  }

  function row(receipt, number) {
    const name = `Receipt ${number}`;
    const thumb = h("span", { class: ["receipt-thumb", isPhoto(receipt) ? "photo" : "pdf"], "aria-hidden": "true" }, isPhoto(receipt) ? "" : "PDF");
    if (isPhoto(receipt)) {
      // The thumbnails arrive one by one after the list is drawn: the list never waits.
      fetchReceipt(`${path}/${receipt.id}`)
        .then(dataUrl)
        .then((url) => thumb.append(h("img", { src: url, alt: "" })))
        .catch(() => thumb.append("?"));
    }
    return listItem({
      leading: thumb,
      title: name,
      meta: [
        KINDS[receipt.content_type] || receipt.content_type,
        fileSize(receipt.size),
        `added ${formatTimestamp(receipt.created_at)}${nameOf ? ` by ${uploader(receipt)}` : ""}`,
      ].join(" · "),
      actions: [
        h("button", { type: "button", class: "small", "aria-label": `View ${name.toLowerCase()}`, onclick: () => view(receipt, name) }, "View"),
        canDelete(receipt)
          ? h("button", { type: "button", class: "small danger", "aria-label": `Delete ${name.toLowerCase()}`, onclick: () => remove(receipt, name) }, "Delete")
          : null,
      ],
    });
  }

  async function view(receipt, name) {
    let blob;
    try {
      blob = await fetchReceipt(`${path}/${receipt.id}`);
    } catch (error) {
      if (error.status === 404) {
        toast("This receipt is no longer there: it was deleted, perhaps on another device.", "error");
        load();
        return;
      }
      const said = explain(error);
      toast(`${said.title}. ${said.message}`, "error");
      return;
    }
    const extension = receipt.content_type === "application/pdf" ? "pdf" : receipt.content_type.split("/")[1];
    const fileName = `receipt-${receipt.id}.${extension === "jpeg" ? "jpg" : extension}`;
    const objectUrl = URL.createObjectURL(blob);
    const download = h("a", { href: objectUrl, download: fileName, class: "button" }, isPhoto(receipt) ? "Download the photo" : "Download the PDF");
    const body = isPhoto(receipt)
      ? h("figure", { class: "receipt-view" }, h("img", { src: await dataUrl(blob), alt: `${name}, added ${formatTimestamp(receipt.created_at)}` }))
      : h("p", {}, `${name} is a PDF of ${fileSize(receipt.size)}. Download it to open it with your PDF viewer.`);
    openDialog(name, h("div", {}, body, h("div", { class: "actions" }, download)), {
      onClose: () => URL.revokeObjectURL(objectUrl),
    });
  }

  async function remove(receipt, name) {
    const yes = await confirmDialog({
      title: "Delete this receipt?",
      message: `${name} (${KINDS[receipt.content_type] || "file"}, ${fileSize(receipt.size)}) will be deleted. This cannot be undone.`,
      confirmLabel: "Delete receipt",
      danger: true,
    });
    if (!yes) return;
    try {
      await api.remove(`${path}/${receipt.id}`);
    } catch (error) {
      if (error.status !== 404) {
        say(error.status === 403 ? "Only the person who added this receipt or an owner of the group can delete it." : explain(error).message);
        return;
      }
    }
    say("");
    toast("Receipt deleted.", "ok");
    load();
  }

  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    say("");
    if (file.size > MAX_BYTES) {
      say(uploadProblem({ status: 413 }, file));
      input.value = "";
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    say(`Uploading "${file.name}"…`, "info");
    input.disabled = true;
    try {
      await api.request("POST", path, { form, idempotent: true });
      say("");
      toast("Receipt added.", "ok");
      await load();
    } catch (error) {
      say(uploadProblem(error, file));
    } finally {
      input.disabled = false;
      input.value = "";
    }
  });

  load();
  return section;
}
