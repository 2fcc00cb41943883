"""What the service tells its operators: request ids, structured logs and metrics.

- Every request gets an id: the client's `X-Request-ID` when it is sane (1-128 characters
  from a small URL-safe set), else a fresh one. It is echoed on every response, errors
  included, and stamped on every log line written while the request runs.
- One log line per request: method, path template (the URL rule, never the raw path, so
  ids and search text stay out of the logs), status, duration, user id, client address and
  request id. Lines are JSON by default (`LOG_FORMAT=json`), one object per line on stdout.
- Stack traces of unexpected errors go to the log only (errors.py logs them); the client
  gets a problem document without them.
- Prometheus metrics at `/metrics` when `METRICS_ENABLED` is on: request counts and latency
  histograms by method and path template. Under gunicorn with several workers each worker
  is a process of its own; with `PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py sets it
  when metrics are on), `/metrics` adds up every worker's numbers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, current_app, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
# Long enough for UUIDs, ULIDs and trace ids; nothing that could smuggle markup, spaces or
# line breaks into a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
UNMATCHED_PATH = "<unmatched>"

request_log = logging.getLogger("expense_tracker.requests")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


def request_id() -> str:
    """This request's id: the client's when sane, else a new one (the same all request long)."""
    existing = g.get("request_id")
    if existing is None:
        # From the environ: werkzeug's headers raise and catch an exception when it is absent.
        sent = request.environ.get(_REQUEST_ID_ENVIRON, "")
        existing = sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        g.request_id = existing
    return existing


def path_template() -> str:
    """The URL rule the request matched (`/expenses/<int:expense_id>`), not the raw path."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_PATH


def _current_user_id() -> int | None:
    return g.get("auth_user_id")


# -- log formatting ------------------------------------------------------------------------


def _record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {key: value for key, value in record.__dict__.items() if key not in _RECORD_ATTRIBUTES}
    if "request_id" not in fields and has_request_context():
        fields["request_id"] = g.get("request_id")
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_record_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """A line for a person at a terminal: the usual prefix, then the extra fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(
            f"{key}={value}" for key, value in _record_fields(record).items() if value is not None
        )
        if not fields:
            return line
        head, _, tail = line.partition("\n")
        return f"{head} {fields}" + (f"\n{tail}" if tail else "")


class StdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stdout` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """Send every log record to stdout in the configured format (idempotent per process)."""
    level = app.config["LOG_LEVEL"]
    formatter: logging.Formatter = (
        TextFormatter() if app.config.get("LOG_FORMAT") == "text" else JsonFormatter()
    )
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StdoutHandler)), None)
    if handler is None:
        handler = StdoutHandler()
        root.addHandler(handler)
    handler.setFormatter(formatter)
    root.setLevel(level)
    app.logger.setLevel(level)


# -- request hooks -------------------------------------------------------------------------


def _start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    metrics: Metrics | None = current_app.extensions.get("metrics")
    logged = request_log.isEnabledFor(level)
    if not logged and metrics is None:  # LOG_LEVEL=WARNING, no metrics: nothing to gather
        return response
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    template = path_template()
    if logged:
        request_log.log(
            level,
            "request",
            extra={
                "method": request.method,
                "path": template,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": _current_user_id(),
                "remote_addr": request.remote_addr,
                "request_id": request_id(),
            },
        )
    if metrics is not None:
        metrics.observe(request.method, template, response.status_code, duration)
    return response


def register_observability(app: Flask) -> None:
    """Hook in first, so that the start time is taken before any other hook can answer, and
    the response is logged after every other hook has shaped it."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    if app.config.get("METRICS_ENABLED"):
        register_metrics(app)


# -- Prometheus metrics --------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The application's metrics, in a registry of its own (several apps may share a process)."""

    def __init__(self) -> None:
        # Imported here: prometheus_client picks its multiprocess mode when first imported,
        # which must happen after PROMETHEUS_MULTIPROC_DIR is set.
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, path template and status.",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and path template.",
            ["method", "endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(method, endpoint, str(status)).inc()
        self.latency.labels(method, endpoint).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _metrics_view() -> Response:
    metrics: Metrics = current_app.extensions["metrics"]
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def register_metrics(app: Flask) -> None:
    app.extensions["metrics"] = Metrics()
    # A plain Flask route: operational, not part of the API (nor of its OpenAPI document).
    app.add_url_rule("/metrics", "metrics", _metrics_view, methods=["GET"])
