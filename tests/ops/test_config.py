"""Settings are read when the application is built, never when a module is imported.

A malformed setting stops the production entry point (wsgi.py, which gunicorn and the
`flask` command load) with one line on stderr naming the variable and exit status 3,
gunicorn's "worker failed to boot"; a `flask` command that builds the app from the factory
shows it as a click error. Importing a module works whatever the environment holds.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from config import ConfigurationError, load_settings
from expense_tracker import create_app
from tests.servers import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
CANNOT_START = "expense_tracker: cannot start: "

# One or more malformed values of every setting that is parsed or checked.
BAD_VALUES = [
    ("APP_ENV", "staging"),
    ("DATABASE_URL", "not a database url"),
    ("DATABASE_URL", "nosuchdb://localhost/expenses"),
    ("DATABASE_POOL_SIZE", "abc"),
    ("DATABASE_POOL_SIZE", "0"),
    ("DATABASE_MAX_OVERFLOW", "ten"),
    ("ACCESS_TOKEN_LIFETIME", "15m"),
    ("ACCESS_TOKEN_LIFETIME", "0"),
    # timedelta would overflow: a traceback from the standard library before.
    ("REFRESH_TOKEN_LIFETIME", "99999999999999999999"),
    ("BCRYPT_LOG_ROUNDS", "twelve"),
    ("BCRYPT_LOG_ROUNDS", "99"),
    ("MAX_CONTENT_LENGTH", "1MB"),
    ("IMPORT_MAX_CONTENT_LENGTH", "0"),
    ("AUTH_MAX_CONTENT_LENGTH", "16k"),
    ("LOG_LEVEL", "loud"),
    ("LOG_FORMAT", "xml"),
    ("TRUSTED_PROXY_HOPS", "one"),
    ("TRUSTED_PROXY_HOPS", "-1"),
    ("METRICS_ENABLED", "maybe"),
    ("RATELIMIT_ENABLED", "sometimes"),
    ("RATELIMIT_HEADERS_ENABLED", "2"),
    ("RATELIMIT_SWALLOW_ERRORS", "nope"),
    ("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", "y"),
    ("RATELIMIT_STORAGE_URI", "localhost:6379"),
    ("RATELIMIT_STORAGE_URI", "memcache://localhost:11211"),
    ("RATELIMIT_STRATEGY", "leaky-bucket"),
    ("RATELIMIT_DEFAULT", "lots"),
    ("RATELIMIT_LOGIN_PER_IP", "20 per fortnight"),
    ("RATELIMIT_LOGIN_PER_ACCOUNT", "5 per minute; thirty per hour"),
    ("RATELIMIT_SIGNUP_PER_IP", "10/minute;; 50 per day"),
    ("RATELIMIT_SIGNUP_PER_ACCOUNT", "5 per hr"),
    ("RATELIMIT_IMPORT", "-6 per minute"),
]
# A known scheme whose client library is not installed: found when the limiter starts.
MISSING_STORAGE_CLIENT = ("RATELIMIT_STORAGE_URI", "memcached://localhost:11211")
BAD_SETTINGS = [
    *BAD_VALUES,
    pytest.param(
        *MISSING_STORAGE_CLIENT,
        marks=pytest.mark.skipif(
            importlib.util.find_spec("pymemcache") is not None, reason="pymemcache is installed"
        ),
    ),
]


def good_environment() -> dict[str, str]:
    """Production settings that start; each test spoils one of them."""
    env = dict(os.environ)
    for name, _ in BAD_VALUES:  # whatever the test runner's shell holds
        env.pop(name, None)
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    env.update(
        APP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        JWT_SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL="sqlite:///:memory:",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_naming(stderr: str, name: str, prefix: str = CANNOT_START) -> None:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prefix}{name} "), stderr


# -- importing reads nothing ---------------------------------------------------------------

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
import config, expense_tracker
names = [m.name for m in pkgutil.walk_packages(expense_tracker.__path__, "expense_tracker.")]
for name in names:
    importlib.import_module(name)
print("\\n".join(names))
"""


def test_importing_any_module_works_whatever_the_settings() -> None:
    """The issue's case: `import expense_tracker.domain.splits` used to parse every setting."""
    env = good_environment()
    env.update(dict(BAD_VALUES))  # every setting malformed at once
    result = run_python(env, "-c", "import expense_tracker.domain.splits")
    assert (result.returncode, result.stderr) == (0, "")

    result = run_python(env, "-c", IMPORT_EVERY_MODULE)
    assert (result.returncode, result.stderr) == (0, "")
    assert {
        "expense_tracker.domain.splits",
        "expense_tracker.extensions",
        "expense_tracker.cli",
    } <= set(result.stdout.split())


# -- the production entry point ------------------------------------------------------------

# wsgi.py run afresh for every setting in one interpreter (a process per setting would add
# a second or more each to the suite); it ends with SystemExit, whose code is the status.
RUN_WSGI_PER_SETTING = """
import contextlib, io, json, os, runpy, sys
cases, results = json.loads(sys.argv[1]), []
base = dict(os.environ)
for name, value in cases:
    os.environ.clear()
    os.environ.update(base)
    if name:
        os.environ[name] = value
    stderr, status = io.StringIO(), 0
    with contextlib.redirect_stderr(stderr):
        try:
            runpy.run_path("wsgi.py", run_name="wsgi")
        except SystemExit as exit:
            status = exit.code
        except BaseException:
            import traceback
            traceback.print_exc()
            status = "exception"
    results.append([status, stderr.getvalue()])
with open(sys.argv[2], "w") as out:
    json.dump(results, out)
"""


@pytest.fixture(scope="module")
def wsgi_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list]:
    """(variable, value) -> [exit status, stderr] of wsgi.py; ("", "") is the good settings."""
    cases = [("", ""), *BAD_VALUES, MISSING_STORAGE_CLIENT]
    results = tmp_path_factory.mktemp("wsgi") / "results.json"
    done = run_python(
        good_environment(), "-c", RUN_WSGI_PER_SETTING, json.dumps(cases), str(results)
    )
    assert done.returncode == 0, done.stderr
    return dict(zip(cases, json.loads(results.read_text()), strict=True))


def test_the_entry_point_starts_with_the_good_settings(wsgi_outcomes: dict) -> None:
    assert wsgi_outcomes["", ""] == [0, ""]


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS)
def test_the_entry_point_names_a_malformed_setting_in_one_line_and_exits_3(
    wsgi_outcomes: dict, name: str, value: str
) -> None:
    status, stderr = wsgi_outcomes[name, value]
    assert status == 3, stderr
    assert_one_line_naming(stderr, name)


def test_importing_wsgi_in_a_fresh_process_exits_3_in_one_line() -> None:
    """The issue's case end to end: a traceback and status 1 before."""
    env = {**good_environment(), "DATABASE_POOL_SIZE": "abc"}
    result = run_python(env, "-c", "import wsgi")
    assert result.returncode == 3
    assert result.stderr == (
        f"{CANNOT_START}DATABASE_POOL_SIZE must be a whole number, got 'abc'\n"
    )


@pytest.mark.parametrize(
    ("name", "value"), [("DATABASE_POOL_SIZE", "abc"), ("RATELIMIT_DEFAULT", "lots")]
)
def test_gunicorn_stops_with_status_3_and_one_line(tmp_path: Path, name: str, value: str) -> None:
    """gunicorn's master stops (status 3) instead of restarting workers that cannot boot."""
    env = {
        **good_environment(),
        name: value,
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "1",  # one worker: one line (each worker says it)
    }
    stderr_file = tmp_path / "stderr"
    with stderr_file.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # gunicorn's own JSON log lines
            stderr=stderr,
            start_new_session=True,
        )
    try:
        status = process.wait(timeout=60)
    finally:
        stop(process, signal.SIGTERM)
    assert status == 3
    assert_one_line_naming(stderr_file.read_text(), name)


# -- flask commands ------------------------------------------------------------------------


@pytest.fixture
def bad_pool_size_environment() -> dict[str, str]:
    return {**good_environment(), "DATABASE_POOL_SIZE": "abc"}


def test_flask_commands_through_wsgi_say_it_in_one_line(
    bad_pool_size_environment: dict[str, str],
) -> None:
    """The documented FLASK_APP=wsgi:app (the Makefile's, deploy/README's)."""
    result = run_python(
        bad_pool_size_environment, "-m", "flask", "--app", "wsgi:app", "db", "current"
    )
    assert result.returncode == 3
    assert_one_line_naming(result.stderr, "DATABASE_POOL_SIZE")


@pytest.mark.parametrize("command", [["db", "current"], ["create-user", "--email", "a@b.example"]])
def test_flask_commands_through_the_factory_give_a_click_error(
    bad_pool_size_environment: dict[str, str], command: list[str]
) -> None:
    result = run_python(
        bad_pool_size_environment, "-m", "flask", "--app", "expense_tracker", *command
    )
    assert result.returncode == 3
    assert_one_line_naming(result.stderr, "DATABASE_POOL_SIZE", prefix="Error: ")


# -- in process ----------------------------------------------------------------------------


def test_settings_are_read_each_time_an_app_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_TOKEN_LIFETIME", "60")
    assert load_settings("production")["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(seconds=60)
    monkeypatch.setenv("ACCESS_TOKEN_LIFETIME", "120")
    assert load_settings("production")["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(seconds=120)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "abc")
    with pytest.raises(ConfigurationError, match=r"^DATABASE_POOL_SIZE must be a whole number"):
        load_settings("production")


def test_create_app_reads_the_environment_and_overrides_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCESS_TOKEN_LIFETIME", "60")
    monkeypatch.setenv("REFRESH_TOKEN_LIFETIME", "600")
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "JWT_REFRESH_TOKEN_EXPIRES": timedelta(7)},
    )
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(seconds=60)
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(7)

    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigurationError, match=r"^LOG_LEVEL must be a log level"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql://app:hunter2@db.example.com:port/expenses"),
        ("DATABASE_URL", "mysql+nosuchdriver://app:hunter2@db.example.com/expenses"),
        ("RATELIMIT_STORAGE_URI", "redis-ish://:hunter2@cache.example.com:6379/0"),
    ],
)
def test_errors_never_repeat_a_password(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"^{name} ") as raised:
        load_settings("production")
    assert "hunter2" not in str(raised.value)
