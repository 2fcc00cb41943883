"""Settle-up suggestions: turn members' net balances into a short list of transfers.

Pure module (stdlib only), so it can be tested and reasoned about without Flask or a
database. Balances are integer minor units (e.g. cents): ``net > 0`` means the group owes
that member, ``net < 0`` means the member owes the group, and all nets sum to zero.

Why the exact search works: any plan that settles a set of members with non-zero nets
forms a graph whose connected components are zero-sum groups, and a component of ``m``
members needs at least ``m - 1`` transfers. So the fewest transfers for ``n`` non-zero
members is ``n - k``, where ``k`` is the largest number of disjoint zero-sum groups they
can be split into; settling each group greedily uses exactly ``m - 1`` transfers.
Finding ``k`` is exponential, so beyond ``EXACT_SEARCH_LIMIT`` members we settle
everyone with the plain greedy, which still needs at most ``n - 1`` transfers.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import NamedTuple

EXACT_SEARCH_LIMIT = 15


class Transfer(NamedTuple):
    """One suggested payment: ``from_user`` pays ``to_user`` ``amount`` minor units."""

    from_user: int
    to_user: int
    amount: int  # > 0, minor units


def settle_up_plan(nets: Mapping[int, int]) -> list[Transfer]:
    """Return transfers that bring every net balance to zero.

    Uses the fewest possible transfers when at most ``EXACT_SEARCH_LIMIT`` members have a
    non-zero net, and never more than (non-zero members - 1). Zero entries are ignored.
    The result depends only on the balances, not on the mapping's iteration order, and
    is sorted by ``(from_user, to_user)``.

    Raises:
        ValueError: if the nets do not sum to zero.
    """
    total = sum(nets.values())
    if total != 0:
        raise ValueError(f"net balances must sum to zero, got {total}")

    # Sorting by user_id is what makes the plan independent of dict order.
    members = sorted((user_id, net) for user_id, net in nets.items() if net != 0)
    if not members:
        return []

    # Exact search is exponential in group size; past the limit settle everyone as one group.
    exact = len(members) <= EXACT_SEARCH_LIMIT
    groups = _max_zero_sum_partition(members) if exact else [members]

    transfers = [transfer for group in groups for transfer in _greedy(group)]
    return sorted(transfers)


def _max_zero_sum_partition(members: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Split ``members`` (zero-sum overall) into as many zero-sum groups as possible.

    ``best[mask]`` is the largest number of zero-sum "prefixes" over all orderings of the
    members in ``mask``; cutting an ordering at those prefixes yields that many disjoint
    zero-sum groups, and vice versa, so ``best[full]`` is the maximum group count.
    """
    n = len(members)
    full = (1 << n) - 1

    # Subset sums by mask (bit i: members[i]), doubling the list with each member.
    sums = [0]
    for _, net in members:
        sums += [subset + net for subset in sums]

    # The empty set and the whole set always sum to zero. When no other subset does, as
    # in most groups, the whole set is the only zero-sum group: nothing to search.
    if sums.count(0) == 2:
        return [list(members)]

    bits = [1 << i for i in range(n)]
    best = [0] * (full + 1)
    for mask in range(1, full + 1):
        # Whichever member comes last, the prefix `mask` itself adds one group if zero-sum.
        best[mask] = max(best[mask ^ bit] for bit in bits if mask & bit) + (sums[mask] == 0)

    # Walk back from the full set removing one member at a time (lowest index that keeps
    # the optimum, so ties break reproducibly); every zero-sum mask passed is a cut.
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    mask = full
    while mask:
        if sums[mask] == 0 and current:
            groups.append(current)
            current = []
        gain = sums[mask] == 0
        bit = next(b for b in bits if mask & b and best[mask ^ b] + gain == best[mask])
        current.append(members[bit.bit_length() - 1])
        mask ^= bit
    groups.append(current)
    return groups


def _greedy(members: Sequence[tuple[int, int]]) -> list[Transfer]:
    """Settle a zero-sum group: the largest debtor pays the largest creditor, repeatedly.

    Each transfer zeroes at least one side and the last zeroes both, so a group of ``m``
    members takes at most ``m - 1`` transfers. Ties go to the smaller user_id.
    """
    # Heaps keyed (-credit, user_id) and (net, user_id): the largest amount pops first,
    # ties by smaller user_id.
    creditors = [(-net, user_id) for user_id, net in members if net > 0]
    debtors = [(net, user_id) for user_id, net in members if net < 0]
    heapq.heapify(creditors)
    heapq.heapify(debtors)

    transfers: list[Transfer] = []
    while creditors and debtors:
        neg_credit, creditor = heapq.heappop(creditors)
        neg_debt, debtor = heapq.heappop(debtors)
        amount = min(-neg_credit, -neg_debt)
        transfers.append(Transfer(debtor, creditor, amount))
        if -neg_credit > amount:
            heapq.heappush(creditors, (neg_credit + amount, creditor))
        if -neg_debt > amount:
            heapq.heappush(debtors, (neg_debt + amount, debtor))
    return transfers
