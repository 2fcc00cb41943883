"""gunicorn settings for the production stack: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting can be changed through the environment (see deploy/README.md):

- GUNICORN_BIND (default 127.0.0.1:8000; nginx proxies to it)
- WEB_CONCURRENCY or GUNICORN_WORKERS: worker processes (default 2 x cores + 1, at most 12)
- GUNICORN_THREADS: threads per worker (default 4; requests waiting on the database
  overlap, bcrypt releases the GIL). Python 3.12 or newer only: on 3.11 workers are
  single-threaded `sync` workers (see `worker_class` below for why)
- GUNICORN_TIMEOUT (30 s), GUNICORN_GRACEFUL_TIMEOUT (30 s), GUNICORN_KEEPALIVE (75 s:
  longer than nginx keeps idle upstream connections, so nginx always closes first)
- GUNICORN_MAX_REQUESTS (1000) with jitter: workers are replaced one by one after that many
  requests, which bounds any slow leak without dropping a request
- GUNICORN_LOG_LEVEL (info), GUNICORN_ACCESS_LOG (off: the app writes one JSON line per
  request itself; set to `-` for gunicorn's own access lines too)

Graceful operations: `kill -HUP <master pid>` reloads the code and replaces the workers
one by one; `kill -TERM` stops accepting connections and lets requests in flight finish
(up to the graceful timeout); `kill -TTIN` / `-TTOU` add or remove a worker.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

# The settings module reads the project's .env (and validates values the same way the app
# does), so gunicorn sees what the app sees: METRICS_ENABLED in .env reaches both.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from config import env_bool, env_int, env_str


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours CPU pinning and container limits
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = env_str("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = env_int("WEB_CONCURRENCY", env_int("GUNICORN_WORKERS", min(2 * _cores() + 1, 12)))
# CPython 3.11's cyclic garbage collector crashes workers with SIGSEGV under load: it runs at
# whatever allocation crosses its threshold, and collecting while SQLAlchemy is building
# objects inside nested generator frames corrupts memory. Reproduced with 3.11.2 and 3.11.7,
# with sync and gthread workers alike, with SQLAlchemy and psycopg built without their C
# extensions (so it is the interpreter); never with the same code on 3.12.1 or 3.13.0,
# which only collect at the interpreter's safe points. So:
# - Python 3.12+ (what `make venv` picks): gthread, GUNICORN_THREADS threads per worker.
# - Python 3.11: one request at a time per worker (sync), automatic collection off, and the
#   garbage collected between requests (post_request below), where no ORM frame is alive.
GC_IS_SAFE_ANYWHERE = sys.version_info >= (3, 12)
worker_class = "gthread" if GC_IS_SAFE_ANYWHERE else "sync"
# gunicorn turns `sync` with more than one thread into gthread: keep 1 on 3.11.
threads = env_int("GUNICORN_THREADS", 4) if GC_IS_SAFE_ANYWHERE else 1
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 75)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
# Each worker builds its own app (its own database connections); nothing is shared by fork.
preload_app = False
# Heartbeat files in memory: a slow disk must not make healthy workers look stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only the local proxy may set the scheme gunicorn reports; the app's ProxyFix
# (TRUSTED_PROXY_HOPS) decides about X-Forwarded-For.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "expense_tracker"
# gunicorn 27's control socket sits at one path per user, so two servers on a host would
# collide; signals (below) do the same job. GUNICORN_CONTROL_SOCKET=on brings it back.
control_socket_disable = not env_bool("GUNICORN_CONTROL_SOCKET", False)

loglevel = env_str("GUNICORN_LOG_LEVEL", "info")
accesslog = env_str("GUNICORN_ACCESS_LOG", "") or None
errorlog = "-"
# gunicorn's own lines, like the app's, are JSON on stdout.
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "expense_tracker.observability.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    # The app adds its own stdout handler to the root logger when it starts (observability).
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        # gunicorn writes access lines whenever logging is configured: keep them only on demand.
        "gunicorn.access": {
            "level": "INFO" if accesslog else "WARNING",
            "handlers": ["stdout"],
            "propagate": False,
        },
    },
}


class AccessLinesOnDemand(Logger):
    """gunicorn's logger, without the access line's work when no access log is asked for.

    gunicorn gathers every field of an access line (about twenty, for each request) as soon
    as any logging is configured, as it is above, only for the `gunicorn.access` logger to
    drop the line at WARNING: about 2% of a small request's time.
    """

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = AccessLinesOnDemand

# Prometheus metrics with several workers: each worker writes its numbers to files in
# PROMETHEUS_MULTIPROC_DIR and /metrics adds them up. Set here, before any worker imports
# prometheus_client, when metrics are on and the operator did not choose a directory.
# (gunicorn reads this file more than once: the environment remembers what was created.)
_OWNED_METRICS_DIR = "EXPENSE_TRACKER_CREATED_METRICS_DIR"
if env_bool("METRICS_ENABLED", False) and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ[_OWNED_METRICS_DIR] = tempfile.mkdtemp(prefix="expense-tracker-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[_OWNED_METRICS_DIR]


def on_starting(server: Any) -> None:
    """Say which worker model runs and why; start metrics empty."""
    if not GC_IS_SAFE_ANYWHERE:
        server.log.warning(
            "Python %s: sync workers, garbage collected between requests (CPython 3.11's "
            "collector crashes workers mid-request; Python 3.12+ serves with threads)",
            sys.version.split()[0],
        )
    # Numbers left by a previous run would be added to this one's.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    created = os.environ.get(_OWNED_METRICS_DIR)
    if created and created == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(created, ignore_errors=True)


def post_worker_init(worker: Any) -> None:
    if not GC_IS_SAFE_ANYWHERE:
        gc.disable()  # collections happen in post_request instead


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """On Python 3.11, collect what the collector would have, now that no request runs."""
    if GC_IS_SAFE_ANYWHERE:
        return
    counts, thresholds = gc.get_count(), gc.get_threshold()
    generation = -1
    # The collector's own rule: a generation is due when its count passed its threshold.
    for candidate in range(3):
        if thresholds[candidate] and counts[candidate] >= thresholds[candidate]:
            generation = candidate
    if generation >= 0:
        gc.collect(generation)
