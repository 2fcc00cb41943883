"""Settings for every environment, all read from environment variables.

`APP_ENV` picks the settings class: `production` (the default, so that a forgotten variable
never serves with development secrets), `development` or `testing`. A `.env` file in the
working directory is loaded first, for gunicorn as well as for the `flask` command. The
README has the full table of variables.

Nothing here reads a setting when the module is imported: `load_settings()` reads and
checks them all when the application is built (`create_app`), so importing any module of
the project works whatever the environment holds, and a malformed value is reported as one
`ConfigurationError` line naming its variable (wsgi.py turns that into exit status 3).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Collection, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
# Only fills in variables the environment lacks; it parses no setting, so it cannot fail on
# a bad value. At import because gunicorn.conf.py relies on it for its own settings.
load_dotenv(BASE_DIR / ".env", override=False)

MIB = 1024 * 1024
# Token lifetimes beyond this are typos (and overflow date arithmetic long before 9999).
MAX_LIFETIME_SECONDS = 10 * 366 * 86400
# bcrypt's own bounds for its cost factor.
BCRYPT_MIN_ROUNDS, BCRYPT_MAX_ROUNDS = 4, 31
LOG_FORMATS = ("json", "text")

# Secrets that appear in docs, examples and the development settings: never acceptable in
# production, whatever their length.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "dev",
        "secret",
        "changeme",
        "change-me",
        "development-secret-key-do-not-use-in-production",
        "development-jwt-secret-key-do-not-use-in-production",
        "testing-secret-key-that-is-long-enough-for-hmac-sha256",
        "testing-jwt-secret-key-that-is-long-enough-for-hmac-sha256",
    }
)
MIN_SECRET_LENGTH = 32
# "a" * 32 is long but no secret: a random key of this length has far more variety.
MIN_SECRET_DISTINCT_CHARACTERS = 10


class ConfigurationError(click.ClickException, RuntimeError):
    """Raised at start-up when the settings cannot be served safely; says why in one line.

    A click error, so that `flask` commands show it as `Error: ...` rather than as a
    traceback; its exit status is gunicorn's "worker failed to boot", like wsgi.py's.
    """

    exit_code = 3


# -- reading one variable ------------------------------------------------------------------
# Each reads os.environ when called and raises ConfigurationError naming the variable.
# Values that may hold credentials (URLs, secrets) are never repeated in the message.


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {raw!r}")
    if maximum is not None and value > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, got {raw!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Collection[str]) -> str:
    """One of `choices` (compared in lower case)."""
    raw = env_str(name, default)
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def env_log_level(name: str, default: str) -> str:
    raw = env_str(name, default)
    value = raw.strip().upper()
    if value not in logging.getLevelNamesMapping():
        levels = ", ".join(("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
        raise ConfigurationError(f"{name} must be a log level ({levels}), got {raw!r}")
    return value


def env_seconds(name: str, default: int) -> timedelta:
    """A lifetime in whole seconds."""
    return timedelta(seconds=env_int(name, default, minimum=1, maximum=MAX_LIFETIME_SECONDS))


def env_rate_limit(name: str, default: str) -> str:
    """Flask-Limiter limits such as `5 per minute; 30 per hour` (empty: no limit).

    Flask-Limiter only parses them at the first request, and then logs and ignores a bad
    one: a typo would silently switch a limit off."""
    from limits import parse_many

    value = env_str(name, default)
    if value.strip():
        try:
            parse_many(value)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be rate limits such as '5 per minute; 30 per hour', got {value!r}"
            ) from None
    return value


def env_rate_limit_strategy(name: str, default: str) -> str:
    from limits.strategies import STRATEGIES

    return env_choice(name, default, sorted(STRATEGIES))


def env_rate_limit_storage(name: str, default: str) -> str:
    """A storage URI whose scheme Flask-Limiter knows (memory://, redis://...)."""
    from limits.storage import SCHEMES

    value = env_str(name, default).strip()
    scheme, separator, _ = value.partition("://")
    if not separator or scheme not in SCHEMES:
        # Only the scheme is repeated: the rest may hold a password.
        got = f", got scheme {scheme!r}" if separator else ""
        raise ConfigurationError(
            f"{name} must be a storage URI such as memory:// or redis://host:6379/0{got}"
        )
    return value


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out (`postgres://`) and pick psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def env_database_url(name: str, default: str) -> str:
    """A SQLAlchemy URL for a database whose dialect and driver are installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = normalise_database_url(env_str(name, default).strip())
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigurationError(
            f"{name} is not a database URL (dialect://user:password@host:port/database)"
        ) from None
    try:
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"{name} names a database this installation cannot use ({parsed.drivername}: {exc})"
        ) from None
    return url


# -- the environments -----------------------------------------------------------------------


class Config:
    """Production settings; the other environments override what they must.

    Class attributes are the fixed settings. What the environment decides is read by
    `from_environment`, called by `load_settings` when an application is built.
    """

    DEBUG = False
    TESTING = False

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}

    JWT_TOKEN_LOCATION = ("headers",)
    JWT_ALGORITHM = "HS256"
    JWT_ERROR_MESSAGE_KEY = "detail"

    # flask-smorest / OpenAPI
    API_TITLE = "Expense Tracker API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"

    # Production refuses missing, short or well-known secrets (see check_secrets).
    REQUIRE_STRONG_SECRETS = True

    @classmethod
    def from_environment(cls) -> dict[str, Any]:
        """The settings the environment decides, read and checked now."""
        return {
            "SECRET_KEY": env_str("SECRET_KEY", ""),
            "JWT_SECRET_KEY": env_str("JWT_SECRET_KEY", ""),
            "SQLALCHEMY_DATABASE_URI": env_database_url(
                "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'expense_tracker.db'}"
            ),
            "DATABASE_POOL_SIZE": env_int("DATABASE_POOL_SIZE", 5, minimum=1),
            "DATABASE_MAX_OVERFLOW": env_int("DATABASE_MAX_OVERFLOW", 10, minimum=0),
            "JWT_ACCESS_TOKEN_EXPIRES": env_seconds("ACCESS_TOKEN_LIFETIME", 15 * 60),
            "JWT_REFRESH_TOKEN_EXPIRES": env_seconds("REFRESH_TOKEN_LIFETIME", 30 * 86400),
            "BCRYPT_LOG_ROUNDS": env_int(
                "BCRYPT_LOG_ROUNDS", 12, minimum=BCRYPT_MIN_ROUNDS, maximum=BCRYPT_MAX_ROUNDS
            ),
            "CORS_ORIGINS": env_list("CORS_ORIGINS", ""),
            # The web app's session cookie is only honoured from the API's own origin, as
            # the request shows it (behind a proxy: X-Forwarded-Proto/-Host/-Port). A proxy
            # that publishes the site on another port or host than it forwards (a port
            # mapping) lists the public origins here, e.g. https://money.example.org:8443.
            "SESSION_COOKIE_ORIGINS": env_list("SESSION_COOKIE_ORIGINS", ""),
            "MAX_CONTENT_LENGTH": env_int("MAX_CONTENT_LENGTH", 1 * MIB, minimum=1),
            "IMPORT_MAX_CONTENT_LENGTH": env_int("IMPORT_MAX_CONTENT_LENGTH", 20 * MIB, minimum=1),
            # A 10 MiB receipt and its multipart envelope (the file itself is checked exactly).
            "RECEIPT_MAX_CONTENT_LENGTH": env_int(
                "RECEIPT_MAX_CONTENT_LENGTH", 10 * MIB + 64 * 1024, minimum=1
            ),
            # Where receipt files live (default: <instance folder>/receipts).
            "RECEIPTS_DIR": env_str("RECEIPTS_DIR", ""),
            # Sign-in and sign-up bodies are a few fields: a small cap keeps the per-account
            # rate limit, which reads the email from the body, cheap and impossible to pad.
            "AUTH_MAX_CONTENT_LENGTH": env_int("AUTH_MAX_CONTENT_LENGTH", 16 * 1024, minimum=1),
            "LOG_LEVEL": env_log_level("LOG_LEVEL", "INFO"),
            # Log lines: `json` (one object per line, for log shippers) or `text` (terminal).
            "LOG_FORMAT": env_choice("LOG_FORMAT", "json", LOG_FORMATS),
            # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
            # 0 (the default) ignores those headers, so a client cannot pick its own IP;
            # behind nginx, 1.
            "TRUSTED_PROXY_HOPS": env_int("TRUSTED_PROXY_HOPS", 0, minimum=0),
            # Prometheus metrics at /metrics; with several gunicorn workers, set
            # PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py does when it is unset).
            "METRICS_ENABLED": env_bool("METRICS_ENABLED", False),
            # Flask-Limiter reads its own RATELIMIT_* keys; these are the ones we set
            # defaults for.
            "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
            # memory:// counts per gunicorn worker; redis://host:6379/0 shares counts.
            "RATELIMIT_STORAGE_URI": env_rate_limit_storage("RATELIMIT_STORAGE_URI", "memory://"),
            "RATELIMIT_KEY_PREFIX": env_str("RATELIMIT_KEY_PREFIX", "expense_tracker"),
            "RATELIMIT_HEADERS_ENABLED": env_bool("RATELIMIT_HEADERS_ENABLED", True),
            "RATELIMIT_STRATEGY": env_rate_limit_strategy("RATELIMIT_STRATEGY", "fixed-window"),
            # A storage outage must not take the API down: count in memory until it answers.
            "RATELIMIT_SWALLOW_ERRORS": env_bool("RATELIMIT_SWALLOW_ERRORS", True),
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": env_bool(
                "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True
            ),
            # Every request, per signed-in user (per client IP when anonymous).
            "RATELIMIT_DEFAULT": env_rate_limit("RATELIMIT_DEFAULT", "600 per minute"),
            # Sign-in and sign-up, per client IP and per account (the email in the body).
            # Failed sign-ins only count against an account, so its owner is not locked out
            # by successes.
            "RATELIMIT_LOGIN_PER_IP": env_rate_limit(
                "RATELIMIT_LOGIN_PER_IP", "20 per minute; 200 per hour"
            ),
            "RATELIMIT_LOGIN_PER_ACCOUNT": env_rate_limit(
                "RATELIMIT_LOGIN_PER_ACCOUNT", "5 per minute; 30 per hour"
            ),
            "RATELIMIT_SIGNUP_PER_IP": env_rate_limit(
                "RATELIMIT_SIGNUP_PER_IP", "10 per minute; 50 per day"
            ),
            "RATELIMIT_SIGNUP_PER_ACCOUNT": env_rate_limit(
                "RATELIMIT_SIGNUP_PER_ACCOUNT", "5 per hour"
            ),
            # CSV imports, per user: each may validate 50,000 rows.
            "RATELIMIT_IMPORT": env_rate_limit("RATELIMIT_IMPORT", "6 per minute; 60 per hour"),
            # Served by the app from the swagger-ui-bundle package (docs_assets.py).
            "OPENAPI_SWAGGER_UI_URL": env_str("OPENAPI_SWAGGER_UI_URL", "/docs/assets/"),
        }


class DevelopmentConfig(Config):
    DEBUG = True
    REQUIRE_STRONG_SECRETS = False

    @classmethod
    def from_environment(cls) -> dict[str, Any]:
        return {
            **super().from_environment(),
            "SECRET_KEY": (
                env_str("SECRET_KEY", "") or "development-secret-key-do-not-use-in-production"
            ),
            "JWT_SECRET_KEY": (
                env_str("JWT_SECRET_KEY", "")
                or "development-jwt-secret-key-do-not-use-in-production"
            ),
            "BCRYPT_LOG_ROUNDS": env_int(
                "BCRYPT_LOG_ROUNDS", 10, minimum=BCRYPT_MIN_ROUNDS, maximum=BCRYPT_MAX_ROUNDS
            ),
            "CORS_ORIGINS": env_list("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"),
            "LOG_LEVEL": env_log_level("LOG_LEVEL", "DEBUG"),
            "LOG_FORMAT": env_choice("LOG_FORMAT", "text", LOG_FORMATS),
        }


class TestingConfig(DevelopmentConfig):
    DEBUG = False
    TESTING = True

    @classmethod
    def from_environment(cls) -> dict[str, Any]:
        return {
            **super().from_environment(),
            "SECRET_KEY": "testing-secret-key-that-is-long-enough-for-hmac-sha256",
            "JWT_SECRET_KEY": "testing-jwt-secret-key-that-is-long-enough-for-hmac-sha256",
            "SQLALCHEMY_DATABASE_URI": env_database_url("TEST_DATABASE_URL", "sqlite:///:memory:"),
            # bcrypt's lowest cost: real hashing, a millisecond per hash.
            "BCRYPT_LOG_ROUNDS": BCRYPT_MIN_ROUNDS,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            # Receipt files of a test run go to the system's temporary folder, never into
            # the checkout's instance folder.
            "RECEIPTS_DIR": env_str("RECEIPTS_DIR", "")
            or str(Path(tempfile.gettempdir()) / f"expense-tracker-test-receipts-{os.getpid()}"),
            "TRUSTED_PROXY_HOPS": 0,
            "METRICS_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }


def check_secrets(settings: Mapping[str, Any]) -> None:
    """Raise ConfigurationError, with one line saying why, when a secret is unsafe."""
    if not settings.get("REQUIRE_STRONG_SECRETS"):
        return
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = settings.get(name) or ""
        if not value:
            raise ConfigurationError(f"{name} is not set; production needs a random secret")
        if value in KNOWN_DEFAULT_SECRETS:
            raise ConfigurationError(f"{name} is a known default; set a random secret")
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"{name} is shorter than {MIN_SECRET_LENGTH} characters; set a longer secret"
            )
        if len(set(value)) < MIN_SECRET_DISTINCT_CHARACTERS:
            raise ConfigurationError(f"{name} is too repetitive to be random; set a random one")
    if settings.get("SECRET_KEY") == settings.get("JWT_SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY and JWT_SECRET_KEY must be different secrets")


CONFIGS: dict[str, type[Config]] = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    env_name = (name or os.environ.get("APP_ENV") or "production").strip().lower()
    try:
        return CONFIGS[env_name]
    except KeyError:
        raise ConfigurationError(
            f"APP_ENV must be one of {', '.join(sorted(CONFIGS))}, got {env_name!r}"
        ) from None


def load_settings(name: str | None = None) -> dict[str, Any]:
    """Every setting of environment `name` (APP_ENV when None), read from os.environ now.

    Raises ConfigurationError, naming the variable, for the first malformed value.
    """
    config = get_config(name)
    settings: dict[str, Any] = {key: getattr(config, key) for key in dir(config) if key.isupper()}
    # A fresh copy per application: it is filled in when the engine is set up.
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config.SQLALCHEMY_ENGINE_OPTIONS)
    settings.update(config.from_environment())
    return settings
