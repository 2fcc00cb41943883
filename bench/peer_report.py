"""bench/peer.py's result: what each server answered and how fast, and the Markdown of a
run (the table, how many times faster ours is, and whether other work shared the machine)."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.report import phases_table
from bench.wrk import Request, Result


@dataclass(frozen=True)
class Pair:
    """The same question asked of both: `what` at `size` expenses."""

    what: str  # "balances" or "expense list"
    size: int
    ours: Request
    theirs: Request


@dataclass(frozen=True)
class Measured:
    """One request of one server: latencies one at a time, throughput under wrk, and what
    it answered (the number of expenses, for a list)."""

    latencies_ms: list[float]
    load: Result
    size_bytes: int
    items: int | None

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[98]


Compared = tuple[Pair, Measured, Measured]  # the question, ours, IHateMoney's
PEAK_LOAD = "load average, highest 1-minute figure before a measurement"


def render(
    facts: dict[str, str],
    results: list[Compared],
    notes: list[str],
    phases: list[tuple[str, float]],
) -> str:
    """The run in Markdown: what ran where, the table, notes and phases."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {when} on {facts['database']}.",
        "",
        *(f"- {name}: {value}" for name, value in facts.items()),
        "",
        table(results),
        "",
        *(f"- {note}" for note in [*verdict(results), *notes, *load_note(facts)]),
        "",
        "Phases:",
        "",
        phases_table(phases),
    ]
    return "\n".join(lines) + "\n"


def verdict(results: list[Compared]) -> list[str]:
    """Balances in the largest group: how many times faster ours answers (p50, one at a
    time; the performance issue asks for 50 at 5,000 expenses)."""
    balances = [result for result in results if result[0].what == "balances"]
    if not balances:
        return []
    pair, ours, theirs = max(balances, key=lambda result: result[0].size)
    times = theirs.p50_ms / ours.p50_ms
    return [
        f"balances at {pair.size:,} expenses: ours answers {times:,.0f} times faster than "
        f"IHateMoney (p50 one at a time: {_ms(ours.p50_ms)} against {_ms(theirs.p50_ms)} ms; "
        "the target is 50)"
    ]


def load_note(facts: dict[str, str]) -> list[str]:
    """A warning when the load average was above the number of cores."""
    seen = [
        float(facts[name].split()[0])
        for name in ("load average at start", PEAK_LOAD, "load average at the end")
        if facts.get(name, "unknown") != "unknown"
    ]
    busiest = max(seen, default=0.0)
    cores = os.cpu_count() or 1
    if busiest <= cores:
        return []
    return [
        f"the load average (up to {busiest:.1f} on {cores} cores) says other work shared "
        "the machine: every figure is slower and noisier than on a quiet one, for both"
    ]


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _answer(measured: Measured) -> str:
    size = f"{measured.size_bytes / 1024:,.0f} KiB"
    return f"{measured.items:,} expenses, {size}" if measured.items is not None else size


def table(results: list[Compared]) -> str:
    """One row per request and size: both servers, and how many times faster ours is."""
    lines = [
        "| request | expenses in the group | answer: ours / IHateMoney | ours p50 ms | ours p99 ms "
        "| IHateMoney p50 ms | IHateMoney p99 ms | p50: IHateMoney / ours | ours req/s "
        "| IHateMoney req/s | req/s: ours / IHateMoney |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for pair, ours, theirs in results:
        ours_rate, their_rate = ours.load.requests_per_second, theirs.load.requests_per_second
        rate_ratio = f"{ours_rate / their_rate:,.1f}" if their_rate else "-"
        lines.append(
            f"| {pair.what} | {pair.size:,} | {_answer(ours)} / {_answer(theirs)} "
            f"| {_ms(ours.p50_ms)} | {_ms(ours.p99_ms)} | {_ms(theirs.p50_ms)} "
            f"| {_ms(theirs.p99_ms)} | {theirs.p50_ms / ours.p50_ms:,.1f} "
            f"| {_ms(ours_rate)} | {_ms(their_rate)} | {rate_ratio} |"
        )
    return "\n".join(lines)
