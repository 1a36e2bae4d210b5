"""The one door through which services read the app's configuration and its file storage, so that a
service module never reaches for ``flask.current_app`` itself."""

from __future__ import annotations

from typing import Any

from flask import current_app

from evaluator.storage import Storage, get_storage


def setting_or(name: str, default: Any) -> Any:
    """A setting that may be absent, or ``default``."""
    return current_app.config.get(name, default)


def number(name: str) -> int:
    """A whole-number setting (given as text in the environment)."""
    return int(current_app.config[name])


def storage() -> Storage:
    """The file storage the app is configured with (local folder or S3)."""
    return get_storage(current_app)


def config() -> Any:
    """The whole configuration mapping, for a service that passes several settings on at once."""
    return current_app.config


def instance_path() -> str:
    """The app's instance folder (where the embedded database and generated keys live)."""
    return current_app.instance_path


def template(name: str) -> Any:
    """One of the project's templates (``templates/``), for a document a service renders outside a
    request: no page context is added."""
    return current_app.jinja_env.get_template(name)
