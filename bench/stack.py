"""`make bench`: the production stack under load, next to a bare Flask app.

    .venv/bin/python bench/stack.py                   # PostgreSQL (bench_et on 127.0.0.1)
    BENCH_DB=sqlite .venv/bin/python bench/stack.py   # SQLite, a file in a scratch folder
    BENCH_SCALE=0.1 .venv/bin/python bench/stack.py   # a tenth of the rows

One run: a fresh database of its own, `flask db upgrade`, `flask seed-bench` (1,000 users,
1,100,000 personal expenses of which 1,000,000 are one user's, 200,000 shared expenses
with groups of exactly 100,000, 10,000 and 1,000), gunicorn with the project's
gunicorn.conf.py serving wsgi:app, and the same gunicorn serving bench/bare_app.py, which
answers each request with the bytes the service answered, from memory. wrk loads both,
endpoint by endpoint; SQL statements are counted in process; worker memory is sampled
throughout. The tables are printed in Markdown and written to bench/README.md. Every
process started is stopped and the database dropped, on success, failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path; the repository root is wanted
# (bench/ must not shadow top-level modules such as the project's config.py).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import client, wrk  # noqa: E402
from bench.bare_app import RESPONSES_VARIABLE, Recorded, request_key, save_responses  # noqa: E402
from bench.database import DEFAULT_POSTGRES_URL, BenchDatabase  # noqa: E402
from bench.endpoints import (  # noqa: E402
    DataSet,
    Endpoint,
    Layout,
    find_layout,
    main_endpoints,
    scaling_endpoints,
)
from bench.memory import RssSampler  # noqa: E402
from bench.report import (  # noqa: E402
    Report,
    Row,
    ScalingRow,
    load_average,
    machine,
    render,
    update_readme,
)
from bench.servers import (  # noqa: E402
    GunicornSettings,
    Server,
    gunicorn_settings,
    start_gunicorn,
    stop_all,
)
from bench.sqlcount import count_statements  # noqa: E402

TOKEN_LIFETIME_SECONDS = 3 * 3600  # the whole run on one sign-in per user
BOOT_TIMEOUT_SECONDS = 120


def log(message: str) -> None:
    print(message, flush=True)


class Phases:
    """Wall-clock time of each phase, in order."""

    def __init__(self) -> None:
        self.done: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        log(f"\n== {name}")
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.done.append((name, seconds))
            log(f"== {name}: {seconds:.1f} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    env = os.environ.get
    parser.add_argument(
        "--database",
        choices=["postgresql", "sqlite"],
        default=env("BENCH_DB", "postgresql"),
        help="default: $BENCH_DB, else postgresql",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=float(env("BENCH_SCALE", "1")),
        help="multiplies every number of expenses (default: $BENCH_SCALE, else 1)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(env("BENCH_SECONDS", "5")),
        help="wrk's run per endpoint, after a 1 s warm-up (default: $BENCH_SECONDS, else 5)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(env("BENCH_WORKERS") or 0) or None,
        help="gunicorn workers (default: $BENCH_WORKERS, else what gunicorn.conf.py picks)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="GUNICORN_MAX_REQUESTS: 0 (default) keeps every worker for the whole run, so "
        "its memory shows; production recycles them after 1000",
    )
    parser.add_argument(
        "--postgres-url",
        default=env("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL server (its database name is replaced by --database-name)",
    )
    parser.add_argument("--database-name", default="bench_et", help="dropped and recreated")
    parser.add_argument("--sign-ins", type=int, default=10, help="timed POST /token requests")
    parser.add_argument(
        "--no-readme", action="store_true", help="print the tables only; leave the README"
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="leave the seeded database at the end (for a look at its queries); it is "
        "still dropped and created again at the next start",
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    return args


def bench_env(database_url: str, args: argparse.Namespace) -> dict[str, str]:
    """Production settings, with throwaway secrets, no rate limits, warnings-only logs."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "FLASK_APP": "wsgi:app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "ACCESS_TOKEN_LIFETIME": str(TOKEN_LIFETIME_SECONDS),
        "METRICS_ENABLED": "false",
        "GUNICORN_MAX_REQUESTS": str(args.max_requests),
        "PYTHONUNBUFFERED": "1",
    }
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    return env


def flask(arguments: list[str], env: dict[str, str]) -> None:
    """Run a `flask` command of the project, its output shown as it comes."""
    subprocess.run([sys.executable, "-m", "flask", *arguments], cwd=ROOT, env=env, check=True)


def _show(name: str, result: wrk.Result) -> str:
    failed = f", {result.failures} failed" if result.failures else ""
    return (
        f"{name} {result.requests_per_second:,.1f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms{failed}"
    )


class Bench:
    """One run, phase by phase; `stack` stops what each phase started, whatever happens."""

    def __init__(self, args: argparse.Namespace, stack: ExitStack) -> None:
        wrk.wrk_binary()  # fail now, not after the seeding
        self.args = args
        self.stack = stack
        self.phase = Phases()
        self.data = DataSet().scaled(args.scale)
        self.load = wrk.Settings(seconds=args.seconds)
        self.scratch = Path(tempfile.mkdtemp(prefix="expense-bench-run-"))
        stack.callback(shutil.rmtree, self.scratch, ignore_errors=True)
        if args.database == "postgresql":
            self.database = BenchDatabase.postgresql(args.postgres_url, args.database_name)
        else:
            self.database = BenchDatabase.sqlite()
        stack.callback(self.database.drop)
        self.env = bench_env(self.database.url, args)
        self.gunicorn: GunicornSettings = gunicorn_settings(self.env)
        self.sampler = RssSampler()
        self.report = Report(
            database=args.database,
            machine=machine(self.database.server_version()),
            settings=self._settings(),
        )
        self.tokens: dict[int, str] = {}
        self.recorded: dict[str, Recorded] = {}

    def _settings(self) -> dict[str, str]:
        scale = self.args.scale
        return {
            "data": self.data.describe() + (f" (scale {scale:g})" if scale != 1 else ""),
            "gunicorn": f"gunicorn.conf.py: {self.gunicorn.describe()} "
            "(service and bare app alike)",
            "wrk": f"-t{self.load.threads} -c{self.load.connections}, "
            f"{self.load.warmup_seconds:g} s warm-up then {self.load.seconds:g} s per "
            "endpoint and server, --latency",
            "app": "APP_ENV=production, RATELIMIT_ENABLED=false, LOG_LEVEL=WARNING, "
            f"ACCESS_TOKEN_LIFETIME={TOKEN_LIFETIME_SECONDS}",
        }

    def run(self) -> Report:
        log(
            f"{self.data.describe()}\n{self.gunicorn.describe()}; "
            f"load average {self.report.machine['load average at start']}"
        )
        layout = self.prepare_database()
        self.sampler.start()
        self.stack.callback(self.sampler.stop)
        service = self.start("service", "wsgi:app", self.env)
        with self.phase("sign in"):
            self.sign_in(service, layout)
        endpoints = main_endpoints(layout, self.data)
        with self.phase("record the service's responses"):
            responses = self.record(service, endpoints)
        bare = self.start(
            "bare app", "bench.bare_app:app", {**self.env, RESPONSES_VARIABLE: str(responses)}
        )
        with self.phase("wrk: endpoints, service and bare app"):
            self.measure_endpoints(service, bare, endpoints)
        scaling = scaling_endpoints(layout, self.data)
        with self.phase("wrk: scaling"):
            self.measure_scaling(service, scaling)
        with self.phase("CSV export"):
            self.export(service, layout)
        with self.phase("stop the servers"):
            self.sampler.sample()
            stop_all([bare, service])
            self.sampler.stop()
        self.report.memory = {name: self.sampler.of(name) for name in (service.name, bare.name)}
        with self.phase("SQL statements per request (in process)"):
            self.count_sql(endpoints, scaling)
        self.finish(layout)
        return self.report

    def prepare_database(self) -> Layout:
        """Create, migrate, seed (and on PostgreSQL vacuum) the database."""
        with self.phase("database: create, flask db upgrade"):
            self.database.create()
            flask(["db", "upgrade"], self.env)
        with self.phase("flask seed-bench"):
            flask(self.data.seed_arguments(), self.env)
        if self.database.kind == "postgresql":
            with self.phase("VACUUM ANALYZE, CHECKPOINT"):
                self.database.vacuum()
        return find_layout(self.database.url, self.data)

    def start(self, name: str, app: str, env: dict[str, str]) -> Server:
        with self.phase(f"start the {name}"):
            server = start_gunicorn(
                name, app, env, self.scratch / f"{name.replace(' ', '-')}.log",
                self.gunicorn.workers, BOOT_TIMEOUT_SECONDS,
            )  # fmt: skip
            self.stack.callback(server.stop)
            self.stack.push(partial(_show_log_on_failure, server))
            self.sampler.watch(name, server.process.pid)
        return server

    def sign_in(self, service: Server, layout: Layout) -> None:
        """One token per user the requests need; then the timed sign-ins."""
        for user_id in layout.users:
            self.tokens[user_id] = client.sign_in(service.port, layout.emails[user_id])[0]
        email = layout.emails[layout.top_user]
        self.report.sign_in_ms = [
            client.sign_in(service.port, email)[1] * 1000 for _ in range(self.args.sign_ins)
        ]

    def request(self, endpoint: Endpoint) -> wrk.Request:
        headers = {"Authorization": f"Bearer {self.tokens[endpoint.user_id]}"}
        if endpoint.body is not None:
            headers["Content-Type"] = "application/json"
        return wrk.Request(endpoint.method, endpoint.path, endpoint.body_bytes, headers)

    def record(self, service: Server, endpoints: list[Endpoint]) -> Path:
        """Each endpoint's answer, once, for the bare app to replay; the file it reads."""
        for endpoint in endpoints:
            status, content_type, body = client.call(service.port, self.request(endpoint))
            self.recorded[request_key(endpoint.method, endpoint.path)] = Recorded(
                status, content_type, body
            )
            log(f"  {endpoint.key}: {status}, {len(body):,} bytes")
            if status >= 400:
                text = body[:200].decode(errors="replace")
                self.report.notes.append(f"{endpoint.key} answered {status}: {text}")
        responses = self.scratch / "responses.json"
        save_responses(self.recorded, responses)
        return responses

    def settle(self, server: Server) -> Callable[[], float]:
        """What waits, after a wrk run, until `server` and the database are idle again."""
        return partial(server.wait_until_idle, self.database.busy)

    def measure_endpoints(self, service: Server, bare: Server, endpoints: list[Endpoint]) -> None:
        """wrk against the service, then against the bare app, endpoint by endpoint."""
        for index, endpoint in enumerate(endpoints):
            request = self.request(endpoint)
            script = wrk.write_script(request, self.scratch / f"endpoint-{index}.lua")
            measured = wrk.run(service.base_url, request, script, self.load, self.settle(service))
            service.check_alive()
            floor = wrk.run(bare.base_url, request, script, self.load, self.settle(bare))
            bare.check_alive()
            status = self.recorded[request_key(endpoint.method, endpoint.path)].status
            self.report.rows.append(Row(endpoint, status, measured, floor, None))
            log(f"  {endpoint.key}: {_show('service', measured)} | {_show('bare', floor)}")
            self._note_if_too_slow(service, endpoint, request, measured, "")

    def measure_scaling(self, service: Server, scaling: list[tuple[int, Endpoint]]) -> None:
        for index, (size, endpoint) in enumerate(scaling):
            request = self.request(endpoint)
            script = wrk.write_script(request, self.scratch / f"scaling-{index}.lua")
            measured = wrk.run(service.base_url, request, script, self.load, self.settle(service))
            service.check_alive()
            self.report.scaling.append(ScalingRow(size, endpoint, measured, None))
            log(f"  {endpoint.key} at {size:,}: {_show('service', measured)}")
            self._note_if_too_slow(service, endpoint, request, measured, f"{size:,} expenses, ")

    def _note_if_too_slow(
        self,
        service: Server,
        endpoint: Endpoint,
        request: wrk.Request,
        measured: wrk.Result,
        where: str,
    ) -> None:
        """Fewer answers than connections: wrk's percentiles say little, so time a few
        requests one at a time."""
        if measured.requests >= self.load.connections:
            return
        seconds, status = client.one_at_a_time(service.port, request)
        note = (
            f"{where}{endpoint.key}: wrk saw {measured.requests} answers in "
            f"{self.load.seconds:g} s with {self.load.connections} connections; one request "
            f"at a time it takes {seconds * 1000:,.0f} ms (median of 3, status {status})"
        )
        self.report.notes.append(note)
        log(f"  {note}")

    def export(self, service: Server, layout: Layout) -> None:
        export = client.stream_export(service, self.sampler, self.tokens[layout.top_user])
        self.report.export = export
        if export.error:
            self.report.notes.append(f"the CSV export stopped early: {export.error}")
            self.report.notes += [f"service log: {line[:500]}" for line in service.errors()]
            log("  " + "\n  ".join(self.report.notes[-3:]))
        log(f"  {export.status}: {export.rows:,} rows, {export.size:,} bytes")
        log(f"  in {export.seconds:.1f} s, first byte after {export.first_byte_seconds:.2f} s")

    def count_sql(self, endpoints: list[Endpoint], scaling: list[tuple[int, Endpoint]]) -> None:
        counted = count_statements(
            self.env, [*endpoints, *(endpoint for _, endpoint in scaling)], self.tokens
        )
        rows: list[Row | ScalingRow] = [*self.report.rows, *self.report.scaling]
        expected = [*(row.status for row in self.report.rows), *([200] * len(scaling))]
        for row, count, status in zip(rows, counted, expected, strict=True):
            row.statements = count.statements
            if count.status != status:
                self.report.notes.append(
                    f"{row.endpoint.key}: in process it answered {count.status}, not {status} "
                    "(its SQL count is of that answer)"
                )

    def finish(self, layout: Layout) -> None:
        """Drop (or keep) the database; notes on what should not be."""
        if self.args.keep_database:
            log(f"\nkept the database: {self.database.url}")
            self.database.created = False  # nothing to drop on the way out
            self.database.directory = None  # nor the SQLite file's folder
        else:
            with self.phase("drop the database"):
                self.database.drop()
        report = self.report
        report.machine["load average at the end"] = load_average()
        report.phases = self.phase.done
        for row in report.rows:
            for name, result in (("service", row.service), ("bare app", row.bare)):
                if result is not None and result.failures:
                    report.notes.append(
                        f"{row.endpoint.key}: {result.failures:,} of {result.requests:,} "
                        f"requests to the {name} failed (status >= 400 or socket errors)"
                    )
        if report.export is not None and report.export.status != 200:
            report.notes.append(f"the CSV export answered {report.export.status}")
        report.notes.append(
            f"top user {layout.top_user}; groups by number of expenses: "
            + ", ".join(f"{size:,}: {group}" for size, group in layout.group_of_size.items())
        )


def _show_log_on_failure(
    server: Server, kind: type[BaseException] | None, *_details: object
) -> None:
    """Before a failed run stops `server`: the end of its log, which may say why."""
    if kind is not None and not issubclass(kind, (KeyboardInterrupt, SystemExit)):
        log(f"\n-- the end of the {server.name}'s log:\n{server.log_tail(40)}")


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C interrupts even where SIGINT came in ignored (started in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            report = Bench(args, stack).run()
    except (KeyboardInterrupt, SystemExit) as stopped:
        log("\nstopped: every process it started is stopped, its database dropped")
        return 130 if isinstance(stopped, KeyboardInterrupt) else int(stopped.code or 1)
    except Exception:
        traceback.print_exc()
        log("\nfailed: every process it started is stopped, its database dropped")
        return 1
    markdown = render(report)
    log("\n" + markdown)
    if not args.no_readme:
        written = update_readme(report, markdown)
        log("bench/README.md updated" if written else "bench/README.md has no markers: unchanged")
    log(f"whole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
