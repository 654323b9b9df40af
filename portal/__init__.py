"""Valinta: the resident-facing freedom-of-choice portal."""

from __future__ import annotations

import os

from flask import Flask

from portal.config import PRODUCTION_ENVS, REPO_ROOT, check_production, configs, show_warnings


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app. `config` is an environment name, or a dict of overrides on the test config."""
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_path=str(REPO_ROOT / "instance"),
    )
    load_config(app, config)
    init_inputs(app)  # before the blueprints: their `<int:...>` routes take the bounded converter
    init_database(app)
    init_sessions(app)
    init_security(app)
    init_auth(app)
    init_rate_limits(app)  # after the user is loaded: forms count per account too
    init_i18n(app)  # after the user is loaded: a logged-in person's stored language counts
    init_templates(app)
    register_blueprints(app)
    register_errors(app)
    register_commands(app)
    init_operations(app)  # request log and metrics: around everything but the proxy's header handling
    init_proxy(app)  # outermost: everything inside sees the scheme and host the client used
    return app


def load_config(app: Flask, config: str | dict | None) -> None:
    if isinstance(config, dict):
        app.config.from_object(configs["test"])
        app.config.update(config)
    else:
        name = config or os.environ.get("VALINTA_ENV", "development")
        app.config.from_object(configs[name])
    if app.config["ENV_NAME"] in PRODUCTION_ENVS:
        show_warnings(check_production(app.config))


def init_proxy(app: Flask) -> None:
    from portal.proxy import init_proxy as init

    init(app)


def init_operations(app: Flask) -> None:
    from portal.ops.metrics import init_metrics
    from portal.ops.requestlog import init_request_log

    init_metrics(app)
    init_request_log(app)


def init_inputs(app: Flask) -> None:
    from portal.inputs import init_inputs as init

    init(app)


def init_database(app: Flask) -> None:
    from portal.database import init_database as init

    init(app)


def init_sessions(app: Flask) -> None:
    from portal.sessions import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()


def init_rate_limits(app: Flask) -> None:
    from portal.ratelimit import init_rate_limits as init

    init(app)


def init_i18n(app: Flask) -> None:
    from portal.i18n import init_i18n as init

    init(app)


def init_security(app: Flask) -> None:
    from portal.extensions import csrf
    from portal.security import init_security_headers

    csrf.init_app(app)
    init_security_headers(app)


def init_auth(app: Flask) -> None:
    from portal.auth.context import init_current_user
    from portal.auth.providers import init_providers
    from portal.mandates.acting import init_acting

    init_providers(app)
    init_current_user(app)
    init_acting(app)  # after the user is loaded: the mandate must be the logged-in person's


def init_templates(app: Flask) -> None:
    from portal.templating import init_templating

    init_templating(app)


def register_blueprints(app: Flask) -> None:
    from portal import (
        access_log,
        admin,
        auth,
        chat,
        choice,
        compare,
        feedback,
        flags,
        helpline,
        main,
        mandates,
        ops,
        organiser,
        review,
        wallet,
    )

    for package in (
        ops,
        main,
        auth,
        compare,
        choice,
        wallet,
        flags,
        feedback,
        chat,
        helpline,
        mandates,
        access_log,
        admin,
        organiser,
        review,
    ):
        app.register_blueprint(package.bp)


def register_errors(app: Flask) -> None:
    from portal.errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    from portal.commands import init_commands

    init_commands(app)
