"""Pilot-zone evaluation service for Sichuan's community-governance pilot units."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, then command-line commands."""
    app = Flask(__name__)
    app.config.from_object("evaluator.config.Settings")
    app.config.from_prefixed_env("EVALUATOR")
    if config:
        app.config.update(config)

    from evaluator.cli import register_cli

    register_cli(app)
    return app
