"""Settings for every environment, all read from environment variables.

`APP_ENV` picks the settings class: `production` (the default, so that a forgotten variable
never serves with development secrets), `development` or `testing`. A `.env` file in the
working directory is loaded first, for gunicorn as well as for the `flask` command. The
README has the full table of variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env", override=False)

MIB = 1024 * 1024

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


class ConfigurationError(RuntimeError):
    """Raised at start-up when the settings cannot be served safely."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


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


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out (`postgres://`) and pick psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Production settings; the other environments override what they must."""

    DEBUG = False
    TESTING = False

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", "")

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'expense_tracker.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 5)
    DATABASE_MAX_OVERFLOW = env_int("DATABASE_MAX_OVERFLOW", 10)

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=env_int("ACCESS_TOKEN_LIFETIME", 15 * 60))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(seconds=env_int("REFRESH_TOKEN_LIFETIME", 30 * 86400))
    JWT_TOKEN_LOCATION = ("headers",)
    JWT_ALGORITHM = "HS256"
    JWT_ERROR_MESSAGE_KEY = "detail"

    BCRYPT_LOG_ROUNDS = env_int("BCRYPT_LOG_ROUNDS", 12)

    CORS_ORIGINS = env_list("CORS_ORIGINS", "")
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1 * MIB)
    IMPORT_MAX_CONTENT_LENGTH = env_int("IMPORT_MAX_CONTENT_LENGTH", 20 * MIB)
    # Sign-in and sign-up bodies are a few fields: a small cap keeps the per-account rate
    # limit, which reads the email from the body, cheap and impossible to pad past.
    AUTH_MAX_CONTENT_LENGTH = env_int("AUTH_MAX_CONTENT_LENGTH", 16 * 1024)
    LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()

    # Log lines: `json` (one object per line, for log shippers) or `text` (for a terminal).
    LOG_FORMAT = env_str("LOG_FORMAT", "json").lower()

    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed. 0 (the
    # default) ignores those headers, so a client cannot pick its own IP; behind nginx, 1.
    TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

    # Prometheus metrics at /metrics; with several gunicorn workers, set
    # PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py does when it is unset).
    METRICS_ENABLED = env_bool("METRICS_ENABLED", False)

    # Flask-Limiter reads its own RATELIMIT_* keys; these are the ones we set defaults for.
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    # memory:// counts per gunicorn worker; redis://host:6379/0 shares counts between them.
    RATELIMIT_STORAGE_URI = env_str("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = env_str("RATELIMIT_KEY_PREFIX", "expense_tracker")
    RATELIMIT_HEADERS_ENABLED = env_bool("RATELIMIT_HEADERS_ENABLED", True)
    RATELIMIT_STRATEGY = env_str("RATELIMIT_STRATEGY", "fixed-window")
    # A storage outage must not take the API down: count in memory until it answers again.
    RATELIMIT_SWALLOW_ERRORS = env_bool("RATELIMIT_SWALLOW_ERRORS", True)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = env_bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Every request, per signed-in user (per client IP when anonymous).
    RATELIMIT_DEFAULT = env_str("RATELIMIT_DEFAULT", "600 per minute")
    # Sign-in and sign-up, per client IP and per account (the email in the body). Failed
    # sign-ins only count against an account, so its owner is not locked out by successes.
    RATELIMIT_LOGIN_PER_IP = env_str("RATELIMIT_LOGIN_PER_IP", "20 per minute; 200 per hour")
    RATELIMIT_LOGIN_PER_ACCOUNT = env_str(
        "RATELIMIT_LOGIN_PER_ACCOUNT", "5 per minute; 30 per hour"
    )
    RATELIMIT_SIGNUP_PER_IP = env_str("RATELIMIT_SIGNUP_PER_IP", "10 per minute; 50 per day")
    RATELIMIT_SIGNUP_PER_ACCOUNT = env_str("RATELIMIT_SIGNUP_PER_ACCOUNT", "5 per hour")
    # CSV imports, per user: each may validate 50,000 rows.
    RATELIMIT_IMPORT = env_str("RATELIMIT_IMPORT", "6 per minute; 60 per hour")

    # flask-smorest / OpenAPI
    API_TITLE = "Expense Tracker API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served by the app from the swagger-ui-bundle package (expense_tracker/docs_assets.py).
    OPENAPI_SWAGGER_UI_URL = env_str("OPENAPI_SWAGGER_UI_URL", "/docs/assets/")

    # Production refuses missing, short or well-known secrets (see check_secrets).
    REQUIRE_STRONG_SECRETS = True


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-secret-key-do-not-use-in-production"
    JWT_SECRET_KEY = (
        os.environ.get("JWT_SECRET_KEY") or "development-jwt-secret-key-do-not-use-in-production"
    )
    BCRYPT_LOG_ROUNDS = env_int("BCRYPT_LOG_ROUNDS", 10)
    CORS_ORIGINS = env_list("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
    LOG_LEVEL = env_str("LOG_LEVEL", "DEBUG").upper()
    LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()

    REQUIRE_STRONG_SECRETS = False


class TestingConfig(DevelopmentConfig):
    DEBUG = False
    TESTING = True
    SECRET_KEY = "testing-secret-key-that-is-long-enough-for-hmac-sha256"
    JWT_SECRET_KEY = "testing-jwt-secret-key-that-is-long-enough-for-hmac-sha256"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        env_str("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    # bcrypt's lowest cost: real hashing, a millisecond per hash.
    BCRYPT_LOG_ROUNDS = 4
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    TRUSTED_PROXY_HOPS = 0
    METRICS_ENABLED = False
    LOG_LEVEL = "WARNING"


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
