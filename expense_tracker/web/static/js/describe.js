// Activity entries and notifications as sentences people read ("Bob added Dinner (€60.00)
// in Lisbon trip"), each with a link to what it is about. Shared by the notifications, the
// activity pages and the expense history.
//
// An entry names people by id; `nameOf(userId)` turns one into a name ("You" for the
// reader, "Deleted user" for an account that is gone). An entry's `before` and `after` are
// what GET on the subject answered at the time, so an old entry tells the old values.

import { formatDate } from "./dates.js";
import { formatMoney } from "./money.js";

const YOU = "You";

/** A person's name for the middle of a sentence: "you" for the reader. */
function person(nameOf, id, fallback) {
  const name = id === null || id === undefined ? fallback || "Someone" : nameOf(id) || fallback || "Someone";
  return name === YOU ? "you" : name;
}

/** The sentence's subject, capitalised: "You" or "Alice". */
function subject(nameOf, id, fallback) {
  const name = person(nameOf, id, fallback);
  return name === "you" ? YOU : name;
}

/** "Alice's" / "your" / "their" (when the owner is the one acting: "their own" reads oddly). */
function possessive(nameOf, id, actorId) {
  const name = person(nameOf, id);
  if (name === "you") return "your";
  if (id === actorId) return "their";
  return name.endsWith("s") ? `${name}'` : `${name}'s`;
}

/** A member snapshot's person: the entry carries their current name ("you" for the reader). */
function member(nameOf, snapshot) {
  if (!snapshot) return "someone";
  const name = person(nameOf, snapshot.user_id);
  return name === "you" ? name : snapshot.full_name || name;
}

function capitalised(name) {
  return name === "you" ? YOU : name;
}

function quoted(text) {
  return `“${text}”`;
}

/** €60.00, or £60.00 (€70.20) for an expense in another currency than the group's. */
export function expenseAmount(expense) {
  if (!expense) return "";
  const converted = formatMoney(expense.amount, expense.currency);
  if (expense.original_currency && expense.original_currency !== expense.currency && expense.original_amount) {
    return `${formatMoney(expense.original_amount, expense.original_currency)} = ${converted}`;
  }
  return converted;
}

function titleOf(expense) {
  return expense?.description ? expense.description : "an expense";
}

/** Who paid (and how much, when `amounts`): a key to compare two versions by. */
function payersOf(expense, amounts) {
  return (expense?.payers || [])
    .map((payer) => (amounts ? `${payer.user_id}:${payer.amount}` : String(payer.user_id)))
    .sort()
    .join(",");
}

function splitsOf(expense) {
  return (expense?.splits || []).map((split) => `${split.user_id}:${split.amount}`).sort().join(",");
}

/** What an edit changed, in words: ["amount €60.00 → €72.00", "date …"]. */
function expenseChanges(before, after) {
  if (!before || !after) return [];
  const changes = [];
  if (before.description !== after.description) {
    changes.push(`name ${quoted(before.description)} → ${quoted(after.description)}`);
  }
  if (expenseAmount(before) !== expenseAmount(after)) {
    changes.push(`amount ${expenseAmount(before)} → ${expenseAmount(after)}`);
  }
  if (before.date !== after.date) changes.push(`date ${formatDate(before.date)} → ${formatDate(after.date)}`);
  if ((before.category || "") !== (after.category || "")) {
    changes.push(`category ${quoted(before.category || "none")} → ${quoted(after.category || "none")}`);
  }
  // A new amount moves a single payer's part with it: only a different payer (or, at the
  // same total, a different division among several) is a change of who paid.
  const sameTotal = before.amount === after.amount;
  if (payersOf(before, sameTotal) !== payersOf(after, sameTotal)) changes.push("who paid");
  if (before.split_type !== after.split_type || splitsOf(before) !== splitsOf(after)) {
    // A new amount moves every share: say so only when the split itself changed.
    if (before.split_type !== after.split_type || before.amount === after.amount) changes.push("the split");
  }
  if ((before.notes || "") !== (after.notes || "")) changes.push("the notes");
  return changes;
}

/** The member whose paid flag an entry turned (split.paid / split.unpaid). */
function turnedShare(before, after) {
  const was = new Map((before?.splits || []).map((split) => [split.user_id, split.is_paid]));
  const turned = (after?.splits || []).find((split) => was.get(split.user_id) !== split.is_paid);
  return turned ? turned.user_id : null;
}

function groupChanges(before, after) {
  if (!before || !after) return [];
  const changes = [];
  if (before.name !== after.name) changes.push(`name ${quoted(before.name)} → ${quoted(after.name)}`);
  if ((before.description || "") !== (after.description || "")) changes.push("the description");
  if (before.currency !== after.currency) changes.push(`currency ${before.currency} → ${after.currency}`);
  if (before.join_policy !== after.join_policy) {
    changes.push(after.join_policy === "open" ? "anyone may now join" : "joining now needs the invite link");
  }
  return changes;
}


/** A payment's words: "Alice paid Bob €20.00". */
function payment(nameOf, settlement) {
  if (!settlement) return "a payment";
  const amount = formatMoney(settlement.amount, settlement.currency);
  return `${person(nameOf, settlement.from_user)} paid ${person(nameOf, settlement.to_user)} ${amount}`;
}

function expenseHref(groupId, expenseId) {
  return `#/groups/${groupId}/expenses/${expenseId}`;
}

/**
 * describeEntry(entry, nameOf, { groupName, itself }) -> { text, href }: one activity entry
 * as a sentence ("Bob added Dinner (€60.00) in Lisbon trip" when groupName is given) and the
 * page it is about (the expense, the group's balances or members, or the trash for what is
 * deleted). itself: the sentence is read on the expense's own page (its history), where the
 * expense is "it": "Bob added it (€60.00)", "You marked your share paid".
 */
export function describeEntry(entry, nameOf, { groupName, itself = false } = {}) {
  const { before, after, kind, group_id: groupId } = entry;
  const expenseTitle = (expense) => (itself ? "it" : titleOf(expense));
  const actor = subject(nameOf, entry.actor_id);
  const current = after || before;
  const group = `#/groups/${groupId}`;
  let text;
  let detail = ""; // after the group's name: "Bob changed Dinner in Lisbon trip: amount …"
  let href = group;
  // Sentences about the group itself name it in place ("Carol joined Lisbon trip").
  const place = groupName || "the group";
  let placed = false;
  const here = () => {
    placed = true;
    return place;
  };

  switch (kind) {
    case "group.created":
      text = `${actor} created the group ${quoted(current?.name || "")}`;
      placed = true;
      break;
    case "group.updated":
      text = `${actor} changed the settings of ${here()}`;
      detail = groupChanges(before, after).join("; ");
      href = `${group}/settings`;
      break;
    case "group.deleted":
      text = `${actor} deleted the group ${quoted(current?.name || "")}`;
      placed = true;
      href = "#/trash";
      break;
    case "group.restored":
      text = `${actor} restored the group ${quoted(current?.name || "")}`;
      placed = true;
      break;
    case "invite_code.rotated":
      text = `${actor} made a new invite link`;
      href = `${group}/members`;
      break;
    case "member.joined": {
      if (current?.guest && current.user_id !== entry.actor_id) {
        text = `${actor} added ${member(nameOf, current)} as a guest to ${here()}`;
      } else {
        text = `${capitalised(member(nameOf, current))} joined ${here()}`;
      }
      href = `${group}/members`;
      break;
    }
    case "member.left":
      text = `${capitalised(member(nameOf, current))} left ${here()}`;
      href = `${group}/members`;
      break;
    case "member.removed":
      text = `${actor} removed ${member(nameOf, current)} from ${here()}`;
      href = `${group}/members`;
      break;
    case "member.role_changed": {
      const who = member(nameOf, current);
      text =
        after?.role === "owner"
          ? `${actor} made ${who} an owner`
          : `${actor} made ${who} a member (no longer an owner)`;
      href = `${group}/members`;
      break;
    }
    case "expense.created":
      text = `${actor} added ${expenseTitle(after)} (${expenseAmount(after)})`;
      href = expenseHref(groupId, entry.subject_id);
      break;
    case "expense.updated":
      text = `${actor} changed ${expenseTitle(after)}`;
      detail = expenseChanges(before, after).join("; ");
      href = expenseHref(groupId, entry.subject_id);
      break;
    case "expense.deleted":
      text = `${actor} deleted ${expenseTitle(before)} (${expenseAmount(before)})`;
      href = "#/trash";
      break;
    case "expense.restored":
      text = `${actor} restored ${expenseTitle(after)} (${expenseAmount(after)})`;
      href = expenseHref(groupId, entry.subject_id);
      break;
    case "split.paid":
    case "split.unpaid": {
      const whose = possessive(nameOf, turnedShare(before, after), entry.actor_id);
      const state = kind === "split.paid" ? "paid" : "not paid";
      text = itself ? `${actor} marked ${whose} share ${state}` : `${actor} marked ${whose} share of ${expenseTitle(after)} ${state}`;
      href = expenseHref(groupId, entry.subject_id);
      break;
    }
    case "settlement.created":
      text =
        after && after.from_user === entry.actor_id
          ? `${actor} paid ${person(nameOf, after.to_user)} ${formatMoney(after.amount, after.currency)}`
          : `${actor} recorded that ${payment(nameOf, after)}`;
      href = `${group}/balances`;
      break;
    case "settlement.updated":
      text = `${actor} changed a payment: now ${payment(nameOf, after)}`;
      href = `${group}/balances`;
      break;
    case "settlement.deleted":
      text = `${actor} deleted a payment (${payment(nameOf, before)})`;
      href = "#/trash";
      break;
    case "settlement.restored":
      text = `${actor} restored a payment (${payment(nameOf, after)})`;
      href = `${group}/balances`;
      break;
    case "comment.created": {
      text = `${actor} commented`;
      detail = after?.redacted || after?.body === null ? "(comment deleted)" : quoted(after?.body || "");
      if (current?.expense_id) href = expenseHref(groupId, current.expense_id);
      break;
    }
    case "comment.deleted":
      text = `${actor} deleted a comment`;
      detail = "(comment deleted)";
      if (current?.expense_id) href = expenseHref(groupId, current.expense_id);
      break;
    case "merge.requested":
    case "merge.declined": {
      const guest = person(nameOf, current?.guest_id, "a guest");
      const into = `${possessive(nameOf, current?.user_id, null)} account`;
      text =
        kind === "merge.requested"
          ? `${actor} asked to merge the guest ${guest} into ${into}`
          : `${actor} declined merging the guest ${guest} into ${into}`;
      href = `${group}/members`;
      break;
    }
    default:
      text = `${actor} changed something (${kind})`;
  }
  if (groupName && !placed) text = `${text} in ${groupName}`;
  if (detail) text = `${text}: ${detail}`;
  return { text, href };
}

// Notifications whose entry the reader can no longer see (they were removed from the
// group, say): a sentence from the notification alone.
const WITHOUT_ENTRY = {
  "expense.created": "added an expense you are part of",
  "expense.updated": "changed an expense you are part of",
  "expense.deleted": "deleted an expense you were part of",
  "expense.restored": "restored an expense you are part of",
  "split.paid": "marked your share of an expense paid",
  "split.unpaid": "marked your share of an expense not paid",
  "settlement.created": "recorded a payment with you",
  "settlement.updated": "changed a payment with you",
  "settlement.deleted": "deleted a payment with you",
  "settlement.restored": "restored a payment with you",
  "comment.created": "commented on an expense you are part of",
  "member.role_changed": "changed your role",
  "member.joined": "joined the group",
  "member.left": "left the group",
  "merge.requested": "asked to merge a guest into your account",
  "merge.declined": "declined a guest merge",
};

/**
 * describeNotification(notification, entry, nameOf, { groupName }) -> { text, href }: the
 * entry's sentence when the reader can see it, else one from the notification's kind.
 */
export function describeNotification(notification, entry, nameOf, { groupName } = {}) {
  if (entry) return describeEntry(entry, nameOf, { groupName });
  const actor = subject(nameOf, notification.actor_id);
  if (notification.kind === "member.removed") {
    // The group is no longer mine to see: who did it may be unknown too.
    const from = groupName || "a group";
    return {
      text: actor === "Someone" ? `You were removed from ${from}` : `${actor} removed you from ${from}`,
      href: "#/groups",
    };
  }
  const what = WITHOUT_ENTRY[notification.kind] || `changed something (${notification.kind})`;
  const where = groupName ? ` in ${groupName}` : "";
  return { text: `${actor} ${what}${where}`, href: `#/groups/${notification.group_id}` };
}
