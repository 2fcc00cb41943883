// #/notifications: what others changed that concerns me, newest first. Unread ones carry an
// "Unread" badge (words, not only a colour); opening one marks it read, "Mark all read"
// marks every one up to the newest shown. The nav's badge is refreshed after each.

import * as api from "../api.js";
import { describeNotification } from "../describe.js";
import { h, mount, toast } from "../dom.js";
import { refreshUnread } from "../unread.js";
import { badge, emptyState, failure, list, listItem, pageHeader } from "../ui.js";
import { myGroups, olderButton, peopleBook, when } from "./activity.js";

const PAGE = 20;
// How far back to look for the entries of one page of notifications (200 entries a page).
const ENTRY_PAGES = 3;

/**
 * The activity entries behind these notifications, by id: my activity, newest first, read
 * until it passes the oldest one wanted. An entry of a group I have left is not there.
 */
async function entriesFor(notifications) {
  const wanted = new Set(notifications.map((notification) => notification.activity_id));
  const found = new Map();
  if (!wanted.size) return found;
  const oldest = Math.min(...wanted);
  let answer = await api.get("/users/me/activity", { query: { limit: 200 } });
  for (let page = 1; ; page += 1) {
    for (const entry of answer.data) if (wanted.has(entry.id)) found.set(entry.id, entry);
    const last = answer.data[answer.data.length - 1];
    if (found.size === wanted.size || !answer.next || !last || last.id <= oldest || page >= ENTRY_PAGES) break;
    answer = await api.get(answer.next);
  }
  return found;
}

async function markRead(body) {
  await api.post("/users/me/notifications/read", body);
  await refreshUnread();
}

export async function notificationsView(node) {
  const [first, groups] = await Promise.all([
    api.get("/users/me/notifications", { query: { limit: PAGE } }),
    myGroups(),
  ]);
  const groupNames = new Map(groups.map((group) => [group.id, group.name]));
  const people = peopleBook();
  const unread = Number(first.response.headers.get("X-Unread-Count") || 0);
  const items = list([]);
  const more = h("div", { class: "more" });
  // Failures of "Mark all read" or "Show older" (hidden until there is one).
  const problem = h("div", { hidden: true });
  const fail = (error) => {
    mount(problem, failure(error));
    problem.hidden = false;
  };

  function row(notification, entry) {
    const { text, href } = describeNotification(notification, entry, people.nameOf(notification.group_id), {
      groupName: groupNames.get(notification.group_id),
    });
    const isUnread = !notification.read_at;
    const item = listItem({
      title: text,
      meta: when(notification.at),
      href,
      badges: isUnread ? [badge("Unread", { kind: "info" })] : [],
    });
    if (isUnread) {
      item.classList.add("unread");
      const link = item.querySelector("a");
      link?.addEventListener("click", () => {
        // Marked read while the link takes the person where it points (a hash change
        // keeps the page, so the request goes on); a failure here must not stop them.
        markRead({ ids: [notification.id] }).catch((error) => {
          if (!(error instanceof api.ApiError)) throw error;
        });
      });
    }
    return item;
  }

  async function show(answer) {
    const found = await entriesFor(answer.data);
    await people.load(answer.data.map((notification) => notification.group_id));
    items.append(...answer.data.map((notification) => row(notification, found.get(notification.activity_id))));
    mount(more, answer.next ? olderButton("Show older notifications", answer.next, show, fail) : null);
  }

  const newest = first.data[0]?.id;
  const markAll =
    unread && newest
      ? h(
          "button",
          {
            type: "button",
            class: "primary",
            onclick: async (event) => {
              const button = event.currentTarget;
              button.disabled = true;
              try {
                await markRead({ up_to: newest });
              } catch (error) {
                if (!(error instanceof api.ApiError)) throw error;
                button.disabled = false;
                fail(error);
                return;
              }
              await notificationsView(node, {});
              toast("Every notification is marked read.", "ok");
            },
          },
          "Mark all read",
        )
      : null;

  await show(first);
  const summary = unread
    ? `${unread} unread`
    : first.data.length
      ? "All read."
      : null;
  mount(
    node,
    pageHeader("Notifications", { actions: markAll ? [markAll] : [] }),
    summary ? h("p", { class: "lead", role: "status" }, summary) : null,
    problem,
    first.data.length
      ? [items, more]
      : emptyState(
          "No notifications yet",
          "When someone else adds, changes or pays an expense you share in, or a payment to or from you, it shows up here.",
          h("a", { class: "button", href: "#/activity" }, "See all activity"),
        ),
  );
}
