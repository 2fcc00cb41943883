"""The bench's results as Markdown tables, and bench/README.md's "latest results".

Each database has its own block in the README between two marker comments; a run
replaces its database's block and leaves the other one as it was.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.endpoints import Endpoint
from bench.memory import WorkerMemory
from bench.wrk import Result

README = Path(__file__).resolve().parent / "README.md"


@dataclass
class Row:
    """One endpoint of the main table."""

    endpoint: Endpoint
    status: int  # what the service answered when its response was recorded
    service: Result
    bare: Result | None
    statements: int | None


@dataclass
class ScalingRow:
    size: int
    endpoint: Endpoint
    result: Result
    statements: int | None


@dataclass
class Export:
    """The CSV export of the top user, streamed once."""

    status: int
    seconds: float
    first_byte_seconds: float
    size: int
    rows: int
    worker: int | None
    rss_before_kib: int
    rss_max_kib: int
    error: str = ""  # why the stream stopped early, when it did


@dataclass
class Report:
    """Everything a run measured, and what it ran on."""

    database: str  # "postgresql" or "sqlite"
    machine: dict[str, str]
    settings: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    scaling: list[ScalingRow] = field(default_factory=list)
    sign_in_ms: list[float] = field(default_factory=list)
    memory: dict[str, list[WorkerMemory]] = field(default_factory=dict)
    export: Export | None = None
    phases: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def machine(database_version: str) -> dict[str, str]:
    """CPU model, cores, RAM, OS, Python, database and wrk versions, and the load."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_version = (wrk.stdout + wrk.stderr).split(" Copyright")[0].strip() or "unknown"
    return {
        "CPU": f"{cpu}, {cores} cores",
        "RAM": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "database": database_version,
        "load generator": wrk_version,
        "load average at start": load_average(),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _measured(result: Result, value: float) -> str:
    """A latency of wrk's, or '-' when it saw no answer."""
    return _ms(value) if result.requests else "-"


def _failures(result: Result) -> str:
    return f" ({result.failures:,} failed)" if result.failures else ""


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def main_table(rows: list[Row]) -> str:
    lines = [
        "| endpoint | status | req/s | p50 ms | p99 ms | SQL/req | bare req/s | bare p50 ms "
        "| bare p99 ms | service/bare req/s |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        service, bare = row.service, row.bare
        ratio = (
            f"{service.requests_per_second / bare.requests_per_second:.3f}"
            if bare and bare.requests_per_second
            else "-"
        )
        lines.append(
            f"| {row.endpoint.key}: {row.endpoint.label} | {row.status} "
            f"| {_rate(service.requests_per_second)}{_failures(service)} "
            f"| {_measured(service, service.p50_ms)} | {_measured(service, service.p99_ms)} "
            f"| {row.statements if row.statements is not None else '-'} "
            f"| {_rate(bare.requests_per_second) + _failures(bare) if bare else '-'} "
            f"| {_measured(bare, bare.p50_ms) if bare else '-'} "
            f"| {_measured(bare, bare.p99_ms) if bare else '-'} "
            f"| {ratio} |"
        )
    return "\n".join(lines)


def scaling_table(rows: list[ScalingRow]) -> str:
    """One line per endpoint and group size, each endpoint's sizes together."""
    lines = [
        "| endpoint | expenses in the group | p50 ms | p99 ms | req/s | SQL/req |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    order = {
        key: position for position, key in enumerate(dict.fromkeys(r.endpoint.key for r in rows))
    }
    for row in sorted(rows, key=lambda row: (order[row.endpoint.key], row.size)):
        result = row.result
        statements = row.statements if row.statements is not None else "-"
        lines.append(
            f"| {row.endpoint.key}: {row.endpoint.label} | {row.size:,} "
            f"| {_measured(result, result.p50_ms)} | {_measured(result, result.p99_ms)} "
            f"| {_rate(result.requests_per_second)}{_failures(result)} | {statements} |"
        )
    return "\n".join(lines)


def sign_in_table(latencies_ms: list[float]) -> str:
    if not latencies_ms:
        return "(not measured)"
    ordered = sorted(latencies_ms)
    return "\n".join(
        [
            "| requests | p50 ms | mean ms | max ms |",
            "|--:|--:|--:|--:|",
            f"| {len(ordered)} | {_ms(statistics.median(ordered))} "
            f"| {_ms(statistics.fmean(ordered))} | {_ms(ordered[-1])} |",
        ]
    )


def memory_table(memory: dict[str, list[WorkerMemory]]) -> str:
    lines = [
        "| server | worker pid | RSS first seen MiB | max RSS MiB | RSS at the end MiB | CPU s |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for server, workers in memory.items():
        for seen in workers:
            lines.append(
                f"| {server} | {seen.pid} | {_mib(seen.first_kib)} | {_mib(seen.max_kib)} "
                f"| {_mib(seen.last_kib)} | {seen.cpu_seconds:.1f} |"
            )
    return "\n".join(lines)


def export_table(export: Export | None) -> str:
    if export is None:
        return "(not measured)"
    rate = export.size / export.seconds / 1024 / 1024 if export.seconds else 0.0
    return "\n".join(
        [
            "| status | rows | bytes | seconds | first byte s | MiB/s | worker | RSS before MiB "
            "| max RSS during MiB |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            f"| {export.status}{' (cut short)' if export.error else ''} | {export.rows:,} "
            f"| {export.size:,} | {export.seconds:.1f} "
            f"| {export.first_byte_seconds:.2f} | {rate:.1f} | {export.worker or '-'} "
            f"| {_mib(export.rss_before_kib)} | {_mib(export.rss_max_kib)} |",
        ]
    )


def phases_table(phases: list[tuple[str, float]]) -> str:
    lines = ["| phase | seconds |", "|---|--:|"]
    lines += [f"| {name} | {seconds:.1f} |" for name, seconds in phases]
    lines.append(f"| **total** | **{sum(seconds for _, seconds in phases):.1f}** |")
    return "\n".join(lines)


def render(report: Report) -> str:
    """The whole report in Markdown (what is printed and what goes in the README)."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = "\n".join(f"- {name}: {value}" for name, value in report.machine.items())
    settings = "\n".join(f"- {name}: {value}" for name, value in report.settings.items())
    notes = "\n".join(f"- {note}" for note in report.notes)
    sections = [
        f"Run of {when} on {report.machine.get('database', report.database)}.",
        f"Machine:\n\n{facts}",
        f"Settings:\n\n{settings}",
        "Endpoints (wrk; SQL statements counted in process, one request each):\n\n"
        + main_table(report.rows),
        "Scaling with the group's number of expenses:\n\n" + scaling_table(report.scaling),
        "Sign-in, `POST /token` (bcrypt on purpose), one request at a time:\n\n"
        + sign_in_table(report.sign_in_ms),
        "CSV export, `GET /expenses/export.csv` of the top user, streamed once:\n\n"
        + export_table(report.export),
        "Worker memory, sampled through the whole run:\n\n" + memory_table(report.memory),
        "Phases:\n\n" + phases_table(report.phases),
    ]
    if notes:
        sections.append(f"Notes:\n\n{notes}")
    return "\n\n".join(sections) + "\n"


def _markers(database: str) -> tuple[str, str]:
    return f"<!-- bench:{database}:start -->", f"<!-- bench:{database}:end -->"


def update_readme(report: Report, markdown: str, path: Path = README) -> bool:
    """Put `markdown` between this database's markers in the README; False when the
    markers are missing (the README is left alone)."""
    return replace_block(report.database, markdown, path)


def replace_block(name: str, markdown: str, path: Path = README) -> bool:
    """Put `markdown` between the README's `bench:<name>` markers (bench/peer.py's block
    is `peer`); False when they are missing (the README is left alone)."""
    start, end = _markers(name)
    try:
        text = path.read_text()
    except OSError:
        return False
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        return False
    path.write_text(pattern.sub(lambda _: f"{start}\n{markdown}{end}", text, count=1))
    return True
