"""Our group balances and expense list next to IHateMoney's, side by side on this machine.

    .venv/bin/python bench/peer.py                  # about 10 minutes on the 2-core machine
    .venv/bin/python bench/peer.py --cache-dir ~/.cache/expense-peer   # keep its virtualenv

One run: IHateMoney (pinned release, from PyPI) installed into a throwaway virtualenv and
served by gunicorn with 3 sync workers (its own deployment template's choice) on a database
of its own; our service started as `make bench` starts it (bench/stack.py: production
settings, gunicorn.conf.py, `flask db upgrade`), with 3 workers too, on another database.
Both get an 8-member group of 100 and one of 5,000 expenses (ours with `flask seed-bench`,
IHateMoney's through its REST API: one payer, equal shares between all members). Then, for
balances and the expense list at each size, first our service, then IHateMoney's: wrk
(-t2 -c8) for throughput, then requests one at a time (p50 / p99). Prints the table (and writes it
to bench/README.md); every process started is stopped and both databases dropped, on
success, failure or Ctrl-C. A bench tool: neither CI nor `make test` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path; the repository root is wanted.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import client, peer_ihm, wrk  # noqa: E402
from bench.database import DEFAULT_POSTGRES_URL, BenchDatabase  # noqa: E402
from bench.endpoints import DataSet, find_layout  # noqa: E402
from bench.peer_report import PEAK_LOAD, Compared, Measured, Pair, render  # noqa: E402
from bench.report import load_average, machine, replace_block  # noqa: E402
from bench.servers import Server, gunicorn_settings, start_gunicorn  # noqa: E402
from bench.stack import Phases, bench_env, flask, log  # noqa: E402

SIZES = (100, 5_000)  # expenses (bills) in a group, by default
MEMBERS = 8
WORKERS = 3
WARMUP_REQUESTS = 3  # untimed, before the timed ones one at a time
BOOT_TIMEOUT_SECONDS = 120
OURS = "ours"


def _sizes(value: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in value.split(","))
    if not sizes or min(sizes) < 1 or len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError("distinct whole numbers of 1 or more, comma-separated")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--ihatemoney-version", default=peer_ihm.VERSION, help="the release installed from PyPI"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="keep IHateMoney's virtualenv here and reuse it next time (default: a "
        "temporary directory, removed at the end)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL server; the two databases below are created and dropped on it",
    )
    parser.add_argument("--database-name", default="bench_peer_et", help="ours")
    parser.add_argument("--peer-database-name", default="bench_peer_ihm", help="IHateMoney's")
    parser.add_argument("--requests", type=int, default=30, help="timed one at a time, each")
    parser.add_argument("--seconds", type=float, default=5, help="wrk's run, after 1 s warm-up")
    parser.add_argument("--seed", type=int, default=1, help="IHateMoney's bills")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=SIZES,
        metavar="N,N",
        help="expenses in each group (default: 100,5000)",
    )
    parser.add_argument(
        "--no-readme", action="store_true", help="print the table only; leave the README"
    )
    return parser.parse_args(argv)


def one_at_a_time(port: int, request: wrk.Request, repeat: int) -> tuple[list[float], bytes]:
    """`repeat` requests one after the other: each one's milliseconds, and the last body."""
    latencies, body = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        status, _, body = client.call(port, request)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{request.path} answered {status}: {body[:300]!r}")
    return latencies, body


class PeerBench:
    """One run, phase by phase; `stack` stops what each phase started, whatever happens."""

    def __init__(self, args: argparse.Namespace, stack: ExitStack) -> None:
        wrk.wrk_binary()  # fail now, not after the loading
        self.args = args
        self.stack = stack
        self.phase = Phases()
        self.load = wrk.Settings(seconds=args.seconds)
        self.scratch = Path(tempfile.mkdtemp(prefix="expense-bench-peer-"))
        stack.callback(shutil.rmtree, self.scratch, ignore_errors=True)
        self.ours_db = self._database(args.database_name)
        self.theirs_db = self._database(args.peer_database_name)
        self.env = bench_env(self.ours_db.url, argparse.Namespace(max_requests=0, workers=WORKERS))
        self.machine = machine(self.ours_db.server_version())
        self.results: list[Compared] = []
        self.notes: list[str] = []
        self.installed: peer_ihm.Install | None = None
        self.peak_load = 0.0

    def _database(self, name: str) -> BenchDatabase:
        database = BenchDatabase.postgresql(self.args.postgres_url, name)
        self.stack.callback(database.drop)
        return database

    def run(self) -> str:
        log(f"load average {self.machine['load average at start']}")
        with self.phase(f"install IHateMoney {self.args.ihatemoney_version} from PyPI"):
            self.installed = peer_ihm.install(
                self.args.cache_dir or self.scratch, self.args.ihatemoney_version
            )
            log(f"  {self.installed.describe()}")
        ours, our_requests = self.start_ours()
        theirs, their_requests = self.start_theirs(self.installed)
        pairs = [
            Pair(what, size, our_requests[what, size], their_requests[what, size])
            for size in self.args.sizes
            for what in ("balances", "expense list")
        ]
        with self.phase("measure: wrk, then one at a time"):
            for pair in pairs:
                listing = pair.what == "expense list"
                measured = (
                    self.measure(ours, pair.ours, listing),
                    self.measure(theirs, pair.theirs, listing),
                )
                self.results.append((pair, *measured))
                self._show(self.results[-1])
        with self.phase("stop the servers, drop the databases"):
            ours.stop()
            theirs.stop()
            self.ours_db.drop()
            self.theirs_db.drop()
        self.machine["load average at the end"] = load_average()
        self.machine[PEAK_LOAD] = f"{self.peak_load:.2f}"
        return self.render()

    def start_ours(self) -> tuple[Server, dict[tuple[str, int], wrk.Request]]:
        """Our database migrated and seeded, our service up, a member signed in."""
        data = DataSet(
            users=MEMBERS, expenses=MEMBERS, top_user_expenses=0, sized_groups=self.args.sizes,
            groups=0, group_expenses=0, members=MEMBERS,
        )  # fmt: skip
        with self.phase("ours: create, flask db upgrade, flask seed-bench, VACUUM ANALYZE"):
            self.ours_db.create()
            flask(["db", "upgrade"], self.env)
            flask(data.seed_arguments(), self.env)
            self.ours_db.vacuum()
            layout = find_layout(self.ours_db.url, data)
        with self.phase("ours: start the service, sign in"):
            server = start_gunicorn(
                OURS, "wsgi:app", self.env, self.scratch / "ours.log", WORKERS,
                BOOT_TIMEOUT_SECONDS,
            )  # fmt: skip
            self.stack.callback(server.stop)
            requests = {}
            for size, group in layout.group_of_size.items():
                member = layout.member_of[group]
                token = client.sign_in(server.port, layout.emails[member])[0]
                headers = {"Authorization": f"Bearer {token}"}
                requests["balances", size] = wrk.Request(
                    "GET", f"/groups/{group}/balances", b"", headers
                )
                requests["expense list", size] = wrk.Request(
                    "GET", f"/groups/{group}/expenses/?limit=100", b"", headers
                )
        return server, requests

    def start_theirs(
        self, installed: peer_ihm.Install
    ) -> tuple[Server, dict[tuple[str, int], wrk.Request]]:
        """IHateMoney's database migrated, its server up, a project per size loaded."""
        with self.phase("IHateMoney: create its database, migrate, start"):
            self.theirs_db.create()
            env = peer_ihm.environment(peer_ihm.settings_file(self.scratch, self.theirs_db.url))
            peer_ihm.migrate(installed, env, self.scratch)
            server = peer_ihm.start(
                installed, env, WORKERS, self.scratch / "ihatemoney.log", BOOT_TIMEOUT_SECONDS
            )
            self.stack.callback(server.stop)
        requests = {}
        for size in self.args.sizes:
            with self.phase(f"IHateMoney: load {size:,} bills through its API"):
                bills = peer_ihm.bills(size, MEMBERS, self.args.seed + size)
                project = peer_ihm.load_project(server.port, f"peer-{size}", MEMBERS, bills)
            requests["balances", size] = project.request("/statistics")
            requests["expense list", size] = project.request("/bills")
        with self.phase("IHateMoney: VACUUM ANALYZE"):
            self.theirs_db.vacuum()
        return server, requests

    def measure(self, server: Server, request: wrk.Request, listing: bool) -> Measured:
        """wrk first (its warm-up reaches every worker, so none is cold when timed), then
        `--requests` one at a time after a few untimed; the server settles after each.
        For a list, the number of expenses it answered with."""
        self._note_load()
        database = self.ours_db if server.name == OURS else self.theirs_db
        settle = partial(server.wait_until_idle, database.busy)
        script = wrk.write_script(request, self.scratch / f"wrk-{len(self.results)}.lua")
        load = wrk.run(server.base_url, request, script, self.load, settle)
        one_at_a_time(server.port, request, WARMUP_REQUESTS)
        latencies, body = one_at_a_time(server.port, request, self.args.requests)
        settle()
        server.check_alive()
        where = f"{server.name}, `{request.path.split('?')[0]}`"
        if load.failures:
            self.notes.append(f"{where}: wrk saw {load.failures} failures")
        if load.requests < self.load.connections:
            self.notes.append(
                f"{where}: wrk saw {load.requests} answer{'' if load.requests == 1 else 's'} in "
                f"{self.load.seconds:g} s with "
                f"{self.load.connections} connections, so its req/s is rough; the one at a "
                "time latencies are the figures to read"
            )
        return Measured(latencies, load, len(body), len(json.loads(body)) if listing else None)

    def _note_load(self) -> None:
        """Keep the highest 1-minute load average seen before a measurement."""
        one_minute = load_average().split()[0]
        if one_minute != "unknown":
            self.peak_load = max(self.peak_load, float(one_minute))

    def _show(self, result: Compared) -> None:
        pair, ours, theirs = result
        log(
            f"  {pair.what} at {pair.size:,}: ours p50 {ours.p50_ms:.1f} ms, "
            f"{ours.load.requests_per_second:.1f} req/s | IHateMoney p50 {theirs.p50_ms:.1f} "
            f"ms, {theirs.load.requests_per_second:.1f} req/s"
        )

    def render(self) -> str:
        assert self.installed is not None
        ours = gunicorn_settings(self.env).describe()
        facts = {
            **self.machine,
            "ours": f"gunicorn.conf.py: {ours}; APP_ENV=production, data by `flask seed-bench`",
            "IHateMoney": f"{self.installed.describe()}; {WORKERS} sync workers; data "
            "through its REST API",
            "one at a time": f"{self.args.requests} requests per row and server, after "
            f"{WARMUP_REQUESTS} untimed",
            "wrk": f"-t{self.load.threads} -c{self.load.connections}, "
            f"{self.load.warmup_seconds:g} s warm-up then {self.load.seconds:g} s",
        }
        return render(facts, self.results, self.notes, self.phase.done)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with ExitStack() as stack:
            markdown = PeerBench(args, stack).run()
    except (KeyboardInterrupt, SystemExit) as stopped:
        log("\nstopped: every process it started is stopped, both databases dropped")
        return 130 if isinstance(stopped, KeyboardInterrupt) else int(stopped.code or 1)
    except Exception:
        traceback.print_exc()
        log("\nfailed: every process it started is stopped, both databases dropped")
        return 1
    log("\n" + markdown)
    if not args.no_readme:
        written = replace_block("peer", markdown)
        log("bench/README.md updated" if written else "bench/README.md has no peer markers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
