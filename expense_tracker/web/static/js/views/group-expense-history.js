// What people said and did about one shared expense, on its page: its comments (posting
// one, deleting one's own or, for owners, any) and its history, in the words of the
// activity pages (describe.js), the expense being "it".

import * as api from "../api.js";
import { formatTimestamp, relative } from "../dates.js";
import { describeEntry } from "../describe.js";
import { h, field, toast, busyButton } from "../dom.js";
import { onSubmit } from "../forms.js";
import * as ui from "../ui.js";
import { toastFailure } from "./group-money.js";

export function commentsCard(ctx, expense, comments, render, failed) {
  const path = `/groups/${ctx.id}/expenses/${expense.id}/comments`;
  const items = comments.map((comment) => {
    const mayDelete = comment.author_id === ctx.me.id || ctx.isOwner;
    return ui.listItem({
      title: ctx.memberName(comment.author_id),
      meta: h("time", { datetime: comment.created_at, title: formatTimestamp(comment.created_at) }, relative(comment.created_at)),
      badges: [h("p", { class: "comment-body" }, comment.body)],
      actions: mayDelete
        ? [
            busyButton(
              "Delete",
              async () => {
                const yes = await ui.confirmDialog({
                  title: "Delete this comment?",
                  message: "Its text is removed for everyone, from the expense's history too. This cannot be undone.",
                  confirmLabel: "Delete comment",
                  danger: true,
                });
                if (!yes) return;
                try {
                  await api.remove(`${path}/${comment.id}`);
                } catch (error) {
                  // A comment already gone is not the expense gone: say so and redraw.
                  toastFailure(error);
                  await render();
                  return;
                }
                toast("Comment deleted.", "ok");
                await render();
              },
              { class: "quiet danger", "aria-label": `Delete comment by ${ctx.memberName(comment.author_id)}` },
            ),
          ]
        : [],
    });
  });
  const form = h(
    "form",
    { class: "comment-form", novalidate: true },
    field("Add a comment", h("textarea", { name: "body", rows: 2, maxlength: 2000, required: true })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Post comment")),
  );
  onSubmit(form, async (values) => {
    if (!values.body) throw new api.ApiError(422, { detail: "Write something first.", errors: { body: ["Write a comment first."] } });
    try {
      await api.create(path, { body: values.body });
    } catch (error) {
      if (error.status === 404) {
        failed(error);
        return;
      }
      throw error;
    }
    toast("Comment posted.", "ok");
    await render();
  });
  return ui.card(
    "Comments",
    items.length ? ui.list(items) : h("p", { class: "hint" }, "No comments yet."),
    form,
  );
}

export function historyCard(ctx, entries) {
  return ui.card(
    "History",
    entries.length
      ? h(
          "ol",
          { class: "history" },
          entries.map((entry) =>
            h(
              "li",
              {},
              h("span", {}, describeEntry(entry, ctx.memberName, { itself: true }).text),
              " · ",
              h("time", { datetime: entry.at, title: formatTimestamp(entry.at), class: "meta" }, relative(entry.at)),
            ),
          ),
        )
      : h("p", { class: "hint" }, "No changes recorded."),
  );
}
