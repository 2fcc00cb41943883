// The people a group expense can name: the current members, and anyone else the expense
// already names (a member who has left stays on the expenses they were part of).

import { badge } from "../ui.js";

/** The people of a group for the form: current members first, then anyone else named. */
export function peopleOf(members, me, named = []) {
  const byId = new Map(members.map((member) => [member.user_id, member]));
  const current = members.filter((member) => !member.left_at).map((member) => member.user_id);
  const ids = [...current];
  for (const userId of named) if (!ids.includes(userId)) ids.push(userId);
  return ids.map((userId) => {
    const member = byId.get(userId);
    const name = member?.full_name || "Former member";
    return {
      id: userId,
      name: userId === me ? `${name} (you)` : name,
      guest: member?.guest === true,
      former: !current.includes(userId),
    };
  });
}

/** A person's name with their marks ("Guest", "Left the group"), for labels. */
export function personLabel(person) {
  return [
    person.name,
    person.guest ? [" ", badge("Guest", { kind: "guest" })] : null,
    person.former ? [" ", badge("Left the group", { kind: "warn" })] : null,
  ];
}
