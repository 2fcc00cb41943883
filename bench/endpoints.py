"""What the bench loads and measures: the data set, and the requests made against it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import create_engine, text

BENCH_PASSWORD = "bench-password"


@dataclass(frozen=True)
class DataSet:
    """The `flask seed-bench` options of a run (scale 1: the figures of the issue)."""

    users: int = 1_000
    expenses: int = 1_100_000
    top_user_expenses: int = 1_000_000  # of `expenses`, the first user's: the CSV export
    sized_groups: tuple[int, ...] = (100_000, 10_000, 1_000)  # the scaling table
    groups: int = 89  # more groups of `group_expenses` each: 200,000 shared expenses in all
    group_expenses: int = 1_000
    members: int = 8

    def scaled(self, factor: float) -> DataSet:
        """Every count of rows times `factor` (users and members stay)."""
        if factor == 1:
            return self
        return replace(
            self,
            expenses=max(1, round(self.expenses * factor)),
            top_user_expenses=max(1, round(self.top_user_expenses * factor)),
            sized_groups=tuple(max(1, round(n * factor)) for n in self.sized_groups),
            group_expenses=max(1, round(self.group_expenses * factor)),
        )

    @property
    def shared_expenses(self) -> int:
        return sum(self.sized_groups) + self.groups * self.group_expenses

    @property
    def largest_group(self) -> int:
        return max(self.sized_groups)

    @property
    def deep_skip(self) -> int:
        """The deep pages' offset: 90% into the largest group (90,000 at scale 1)."""
        return self.largest_group * 9 // 10

    def seed_arguments(self) -> list[str]:
        return [
            "seed-bench",
            f"--users={self.users}",
            f"--expenses={self.expenses}",
            f"--top-user-expenses={self.top_user_expenses}",
            f"--groups={self.groups}",
            f"--group-expenses={self.group_expenses}",
            f"--sized-groups={','.join(str(n) for n in self.sized_groups)}",
            f"--members={self.members}",
            f"--password={BENCH_PASSWORD}",
        ]

    def describe(self) -> str:
        return (
            f"{self.users:,} users, {self.expenses:,} personal expenses "
            f"({self.top_user_expenses:,} of one user), {self.shared_expenses:,} shared "
            f"expenses in {self.groups + len(self.sized_groups):,} groups of {self.members} "
            f"(one each of {', '.join(f'{n:,}' for n in self.sized_groups)} expenses)"
        )


@dataclass(frozen=True)
class Layout:
    """Who and what the requests name, found in the seeded database."""

    top_user: int  # the user with the most personal expenses
    group_of_size: dict[int, int]  # number of shared expenses -> group id
    member_of: dict[int, int]  # group id -> a current member
    emails: dict[int, str]  # user id -> email

    @property
    def users(self) -> list[int]:
        return sorted({self.top_user, *self.member_of.values()})


def find_layout(database_url: str, data: DataSet) -> Layout:
    """The top user and the sized groups (matched by their exact numbers of expenses)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            top_user = connection.execute(
                text(
                    "SELECT owner_id FROM expenses GROUP BY owner_id "
                    "ORDER BY count(*) DESC, owner_id LIMIT 1"
                )
            ).scalar_one()
            counts = connection.execute(
                text(
                    "SELECT group_id, count(*) FROM group_expenses "
                    "GROUP BY group_id ORDER BY group_id"
                )
            ).all()
            group_of_size: dict[int, int] = {}
            for size in data.sized_groups:
                found = [
                    group_id
                    for group_id, count in counts
                    if count == size and group_id not in group_of_size.values()
                ]
                if not found:
                    raise LookupError(f"no group with exactly {size:,} expenses was seeded")
                group_of_size[size] = found[0]
            member_of = {
                group_id: connection.execute(
                    text(
                        "SELECT min(user_id) FROM group_members "
                        "WHERE group_id = :group_id AND left_at IS NULL"
                    ),
                    {"group_id": group_id},
                ).scalar_one()
                for group_id in group_of_size.values()
            }
            ids = {top_user, *member_of.values()}
            emails = {
                user_id: connection.execute(
                    text("SELECT email FROM users WHERE id = :id"), {"id": user_id}
                ).scalar_one()
                for user_id in ids
            }
    finally:
        engine.dispose()
    return Layout(top_user, group_of_size, member_of, emails)


@dataclass(frozen=True)
class Endpoint:
    """One benchmarked request: `template` names the group as {id}."""

    key: str
    method: str
    template: str
    user_id: int
    group_id: int | None = None
    body: dict[str, str] | None = None

    @property
    def path(self) -> str:
        return self.template.replace("{id}", str(self.group_id))

    @property
    def label(self) -> str:
        return f"`{self.method} {self.template}`"

    @property
    def body_bytes(self) -> bytes:
        return json.dumps(self.body).encode() if self.body is not None else b""


def main_endpoints(layout: Layout, data: DataSet) -> list[Endpoint]:
    """The endpoints of the main table: reads first, then the writes, which add rows."""
    top = layout.top_user
    group = layout.group_of_size[data.largest_group]
    member = layout.member_of[group]
    skip = data.deep_skip
    return [
        Endpoint("personal list", "GET", "/expenses/?limit=50", top),
        Endpoint("personal deep page", "GET", f"/expenses/?skip={skip}&limit=50", top),
        Endpoint("summary by month", "GET", "/expenses/summary?group_by=month", top),
        Endpoint("categories", "GET", "/expenses/categories", top),
        Endpoint("group list", "GET", "/groups/{id}/expenses/?limit=50", member, group),
        Endpoint(
            "group deep page",
            "GET",
            f"/groups/{{id}}/expenses/?skip={skip}&limit=50",
            member,
            group,
        ),
        Endpoint("balances", "GET", "/groups/{id}/balances", member, group),
        Endpoint("settle-up", "GET", "/groups/{id}/settle-up", member, group),
        Endpoint("my balances", "GET", "/users/me/balances", member),
        Endpoint(
            "create personal expense",
            "POST",
            "/expenses/",
            top,
            body={
                "amount": "12.34",
                "currency": "USD",
                "category": "Coffee",
                "payment_method": "debit_card",
                "description": "bench",
            },
        ),
        Endpoint(
            "create group expense",
            "POST",
            "/groups/{id}/expenses/",
            member,
            group,
            # Every member (8) shares it equally; a whole amount suits every currency.
            body={"description": "Bench dinner", "amount": "96", "split_type": "equal"},
        ),
    ]


def scaling_endpoints(layout: Layout, data: DataSet) -> list[tuple[int, Endpoint]]:
    """Balances, settle-up and the first page of the list, in each sized group."""
    chosen = []
    for size in sorted(data.sized_groups):
        group = layout.group_of_size[size]
        member = layout.member_of[group]
        chosen += [
            (size, Endpoint("balances", "GET", "/groups/{id}/balances", member, group)),
            (size, Endpoint("settle-up", "GET", "/groups/{id}/settle-up", member, group)),
            (size, Endpoint("group list", "GET", "/groups/{id}/expenses/?limit=50", member, group)),
        ]
    return chosen
