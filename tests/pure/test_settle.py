"""Tests for the pure settle-up planner (expense_tracker.settle)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import cache
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expense_tracker.domain.settle import EXACT_SEARCH_LIMIT, Transfer, settle_up_plan

# --- independent reference implementations (deliberately not the module's code) ---------


def reference_greedy_count(nets: Mapping[int, int]) -> int:
    """Plain greedy: largest debtor pays largest creditor (ties by user_id) until settled."""
    balances = {user: net for user, net in nets.items() if net != 0}
    count = 0
    while balances:
        debtor = min(balances, key=lambda user: (balances[user], user))
        creditor = min(balances, key=lambda user: (-balances[user], user))
        amount = min(-balances[debtor], balances[creditor])
        for user, delta in ((debtor, amount), (creditor, -amount)):
            balances[user] += delta
            if balances[user] == 0:
                del balances[user]
        count += 1
    return count


@cache
def max_zero_sum_groups(values: tuple[int, ...]) -> int:
    """Most disjoint zero-sum groups `values` (non-zero, summing to zero) splits into.

    Recursive search over partitions: the first value must belong to some zero-sum group
    drawn from the rest; try every such group and recurse on what remains.
    """
    if not values:
        return 0
    first, rest = values[0], values[1:]
    best = 0
    for size in range(1, len(rest) + 1):
        for picked in combinations(range(len(rest)), size):
            if first + sum(rest[i] for i in picked) == 0:
                remaining = tuple(v for i, v in enumerate(rest) if i not in picked)
                best = max(best, 1 + max_zero_sum_groups(remaining))
    return best


def brute_force_min_transfers(nets: Mapping[int, int]) -> int:
    values = tuple(sorted(net for net in nets.values() if net != 0))
    return len(values) - max_zero_sum_groups(values)


def apply_plan(nets: Mapping[int, int], plan: list[Transfer]) -> dict[int, int]:
    """Balances after the plan: paying reduces what you owe, receiving what you're owed."""
    after = dict(nets)
    for transfer in plan:
        after[transfer.from_user] += transfer.amount
        after[transfer.to_user] -= transfer.amount
    return after


def non_zero_count(nets: Mapping[int, int]) -> int:
    return sum(1 for net in nets.values() if net != 0)


def assert_valid_plan(nets: Mapping[int, int], plan: list[Transfer]) -> None:
    assert all(net == 0 for net in apply_plan(nets, plan).values())
    assert all(t.amount > 0 for t in plan)
    assert all(nets[t.from_user] < 0 < nets[t.to_user] for t in plan)
    assert len(plan) <= max(non_zero_count(nets) - 1, 0)
    assert plan == sorted(plan, key=lambda t: (t.from_user, t.to_user))


# --- strategies ----------------------------------------------------------------------


@st.composite
def balanced_nets(draw: st.DrawFn, min_members: int = 1, max_members: int = 10) -> dict[int, int]:
    """Nets that sum to zero; small amounts so zero-sum subgroups actually occur."""
    users = draw(
        st.lists(st.integers(1, 10_000), min_size=min_members, max_size=max_members, unique=True)
    )
    amounts = draw(st.lists(st.integers(-30, 30), min_size=len(users) - 1, max_size=len(users) - 1))
    return dict(zip(users, [*amounts, -sum(amounts)], strict=True))


# --- worked examples -----------------------------------------------------------------


def test_all_zero_balances_need_no_transfers() -> None:
    assert settle_up_plan({}) == []
    assert settle_up_plan({1: 0, 2: 0, 3: 0}) == []


def test_two_people_settle_with_one_transfer() -> None:
    assert settle_up_plan({1: 1250, 2: -1250}) == [Transfer(from_user=2, to_user=1, amount=1250)]


def test_zero_members_are_ignored() -> None:
    assert settle_up_plan({1: 0, 2: -40, 3: 40, 4: 0}) == [Transfer(2, 3, 40)]


def test_beats_plain_greedy_by_finding_zero_sum_subgroups() -> None:
    # Greedy pairs 5 (-3) with 2 (+4) first and ends up with 4 transfers; splitting into
    # {1:+3, 5:-3} and {2:+4, 3:-2, 4:-2} needs only 3.
    nets = {1: 3, 2: 4, 3: -2, 4: -2, 5: -3}
    plan = settle_up_plan(nets)
    assert reference_greedy_count(nets) == 4
    assert plan == [Transfer(3, 2, 2), Transfer(4, 2, 2), Transfer(5, 1, 3)]
    assert_valid_plan(nets, plan)


def test_fifteen_members_get_the_exact_optimum_quickly() -> None:
    # Five triples (+a+b, -a, -b) with no value cancelling another: no zero-sum pair
    # exists, so at most 5 groups and the optimum is 15 - 5 = 10 transfers.
    triples = [(3, 4), (5, 8), (9, 13), (17, 25), (31, 49)]
    nets: dict[int, int] = {}
    for index, (a, b) in enumerate(triples):
        nets[100 - 3 * index] = (a + b) * 100
        nets[50 + 3 * index] = -a * 100
        nets[7 + 5 * index] = -b * 100
    assert len(nets) == EXACT_SEARCH_LIMIT

    started = time.perf_counter()
    plan = settle_up_plan(nets)
    elapsed = time.perf_counter() - started

    assert len(plan) == 10
    assert_valid_plan(nets, plan)
    assert elapsed < 5  # generous bound for slow CI; typically a few hundredths of a second


def test_more_than_fifteen_members_fall_back_to_greedy_and_still_settle() -> None:
    nets = {user: (user * 37) % 101 - 50 for user in range(1, 25)}
    nets[99] = -sum(nets.values())
    assert non_zero_count(nets) > EXACT_SEARCH_LIMIT
    plan = settle_up_plan(nets)
    assert_valid_plan(nets, plan)


def test_nets_not_summing_to_zero_are_rejected() -> None:
    with pytest.raises(ValueError, match="sum to zero"):
        settle_up_plan({1: 100, 2: -99})


# --- properties ----------------------------------------------------------------------

# SEARCHES_HAVE_NO_DEADLINE: the properties that run the exact search have no hypothesis
# deadline. Its time grows exponentially with the members and depends on the machine and
# its load; with the default 200 ms deadline they failed on a busy machine although every
# plan was right (DeadlineExceeded, then minutes of shrinking). They check correctness,
# not speed: test_fifteen_members_get_the_exact_optimum_quickly is the one that bounds time.


@settings(deadline=None)  # see SEARCHES_HAVE_NO_DEADLINE
@given(balanced_nets(max_members=12))
def test_plan_is_valid_and_within_n_minus_one(nets: dict[int, int]) -> None:
    assert_valid_plan(nets, settle_up_plan(nets))


@settings(max_examples=30)
@given(balanced_nets(min_members=EXACT_SEARCH_LIMIT + 1, max_members=40))
def test_greedy_fallback_plan_is_valid_and_within_n_minus_one(nets: dict[int, int]) -> None:
    assert_valid_plan(nets, settle_up_plan(nets))


# Up to 20 members reaches the exact search at its limit (15 non-zero nets): about a tenth
# of a second per plan, more on a slow or busy machine, and this plans twice per example.
# Fewer examples than the default 100 keep `make test` fast.
@settings(deadline=None, max_examples=40)  # see SEARCHES_HAVE_NO_DEADLINE
@given(st.data())
def test_same_balances_in_any_order_give_the_same_plan(data: st.DataObject) -> None:
    nets = data.draw(balanced_nets(max_members=20))
    shuffled = dict(data.draw(st.permutations(list(nets.items()))))
    assert settle_up_plan(shuffled) == settle_up_plan(nets)


@settings(deadline=None)  # see SEARCHES_HAVE_NO_DEADLINE
@given(balanced_nets(max_members=7))
def test_small_cases_match_brute_force_optimum(nets: dict[int, int]) -> None:
    assert len(settle_up_plan(nets)) == brute_force_min_transfers(nets)
