"""The application factory: settings, extensions, the request pipeline, blueprints, commands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from limits.errors import ConfigurationError as LimitsConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, ConfigurationError, check_secrets, load_settings
from expense_tracker import database
from expense_tracker.errors import register_error_handlers
from expense_tracker.extensions import cors, db, jwt, migrate
from expense_tracker.http import pipeline, read_engine
from expense_tracker.http.api import DatabaseIdConverter, api
from expense_tracker.http.json import OrjsonProvider
from expense_tracker.http.limiter import init_rate_limits
from expense_tracker.observability import configure_logging, register_observability

EXPOSED_HEADERS = [
    "X-Total-Count",
    "Link",
    "Location",
    "ETag",
    "Retry-After",
    "X-Request-ID",
    "X-Unread-Count",
]


class NoCookieSession(SessionInterface):
    """No cookie session: the API and the web app sign requests with bearer tokens and
    never read or write Flask's `session`. Flask's default would build a signing
    serializer and look for a cookie on every request; `session` is then Flask's empty
    null session, which refuses to be written."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return None  # Flask then uses make_null_session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        pass


class App(Flask):
    """Flask, remembering which functions are plain (not async). Flask asks `ensure_sync`
    of every hook and view of every request, each time an `inspect` of the function
    (about fifteen a request), always with the same answer; a function made for one
    request is forgotten with it."""

    session_interface = NoCookieSession()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: WeakKeyDictionary[Callable[..., Any], bool] = WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        function = getattr(func, "__func__", func)  # a bound method: its function
        try:
            plain = self._plain[function]
        except (KeyError, TypeError):  # not seen yet; or not weakly referable
            plain = super().ensure_sync(func) is func
            with suppress(TypeError):
                self._plain[function] = plain
        return func if plain else super().ensure_sync(func)


def create_app(config_name: str | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, commands.

    The settings are read from the environment here, not when any module is imported, so
    every malformed one is a ConfigurationError naming its variable (wsgi.py's one line).
    `overrides` replace settings after they are read (the tests use it).
    """
    app = App(__name__, instance_relative_config=True)
    app.config.update(load_settings(config_name))
    app.config.update(overrides or {})
    check_secrets(app.config)
    configure_logging(app)
    trust_proxies(app)
    # First, so that every response (errors and refusals included) is timed, logged and
    # carries its X-Request-ID.
    register_observability(app)
    register_extensions(app)
    # Each view runs inside the request pipeline its blueprint put it in when it was
    # registered (http/pipeline.py lists the steps); nothing here changes a view.
    register_blueprints(app)
    register_error_handlers(app)
    # The pipeline's 401 answers and what every response gets (security headers); then
    # the rate limits' X-RateLimit-*.
    pipeline.register(app)
    try:
        # The limiter the pipeline's rate-limit step counts with, one per application.
        init_rate_limits(app)
    except LimitsConfigurationError as exc:  # e.g. the storage's client library is missing
        raise ConfigurationError(f"RATELIMIT_STORAGE_URI cannot be used: {exc}") from exc
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port from exactly TRUSTED_PROXY_HOPS proxies.

    With 0 (the default) they are ignored, so a client talking to gunicorn directly cannot
    choose the address its requests are logged and rate-limited under.
    """
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def register_extensions(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app)
    # orjson encodes every JSON response; fields in the order the schemas declare them (id
    # first), not alphabetical.
    app.json = OrjsonProvider(app)
    # Collection paths answer with and without their trailing slash, without a redirect.
    app.url_map.strict_slashes = False
    app.url_map.converters["int"] = DatabaseIdConverter
    db.init_app(app)
    with app.app_context():  # Flask-SQLAlchemy made the engines in init_app
        database.check_pooled_connections(db.engines.values())
        read_engine.create(app, db.engine)
    # Batch mode lets SQLite alter tables (it copies them); compare types to catch drift.
    migrate.init_app(
        app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    jwt.init_app(app)
    api.init_app(app)
    cors.init_app(
        app,
        origins=app.config["CORS_ORIGINS"],
        expose_headers=EXPOSED_HEADERS,
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )


def register_blueprints(app: Flask) -> None:
    from expense_tracker.auth.routes import blp as auth_blp
    from expense_tracker.currencies.routes import blp as currencies_blp
    from expense_tracker.docs_assets import blp as docs_assets_blp
    from expense_tracker.expenses.routes import blp as expenses_blp
    from expense_tracker.groups.routes import blp as groups_blp
    from expense_tracker.health.routes import blp as health_blp
    from expense_tracker.notifications.routes import blp as notifications_blp
    from expense_tracker.receipts.routes import blp as receipts_blp
    from expense_tracker.recurring.routes import blp as recurring_blp
    from expense_tracker.sync.routes import blp as sync_blp
    from expense_tracker.web import blp as web_blp

    blueprints = (
        health_blp,
        auth_blp,
        expenses_blp,
        groups_blp,
        receipts_blp,
        notifications_blp,
        sync_blp,
        recurring_blp,
        currencies_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_assets_blp)
    app.register_blueprint(web_blp)


def register_commands(app: Flask) -> None:
    from expense_tracker.cli import register_cli

    register_cli(app)
