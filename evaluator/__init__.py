"""Pilot-zone evaluation service for Sichuan's community-governance pilot units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError


class DatabaseInt(IntegerConverter):
    """Ids in URLs: whole numbers that fit a database integer; a larger one is a 404 at once.

    Refusing it in the converter would let the router fall through to a rule of the same path for
    another method and answer 405; no row has such an id, so the answer is "not found".
    """

    regex = r"[0-9]+"  # ASCII digits only: "１" or "١" is no id

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """The id, or 404 when it is beyond the database's integers."""
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands."""
    root = Path(__file__).resolve().parents[1]
    app = Flask(__name__, instance_path=str(root / "instance"), template_folder=str(root / "templates"))
    app.url_map.converters["int"] = DatabaseInt
    app.config.from_object("evaluator.config.Settings")
    app.config.from_prefixed_env("EVALUATOR")
    if config:
        app.config.update(config)
    from evaluator.config import settle

    # Only the code that builds the app may relax the secret-key check (tests, debugging); a
    # TESTING or DEBUG inherited from the environment by a server never does.
    settle(
        app.config, app.instance_path, exempt=bool(config and (config.get("TESTING") or config.get("DEBUG")))
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024

    from evaluator import i18n
    from evaluator.cli import register_cli
    from evaluator.errors import register_error_handlers
    from evaluator.extensions import api, db, limiter, login, migrate
    from evaluator.web.security import register_security

    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"][len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    register_security(app)

    from evaluator.features import load_models, register_api, register_pages
    from evaluator.web.api import register_commit, register_docs_assets
    from evaluator.web.parsing import register_request_parsing
    from evaluator.web.retry import register_retry

    load_models()
    register_request_parsing(app)
    register_api(api)
    register_commit(app)
    register_retry(app)
    register_docs_assets(app)
    register_error_handlers(app)
    register_pages(app)
    register_cli(app)
    return app
