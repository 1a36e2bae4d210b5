"""The service's features, each a package with its models, services, API and pages, and the wiring
that registers them with the app: models for the schema, API blueprints, page views, commands.

The order is the API document's order of resources and the order pages are registered in.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from flask import Flask
from flask_smorest import Api

FEATURES = (
    "accounts",
    "rounds",
    "applications",
    "materials",
    "vetting",
    "assignments",
    "reviews",
    "results",
    "cohort_runs",
    "shortlists",
    "audit",
    "dashboard",
    "dossiers",
)


def _parts(name: str) -> Iterator[ModuleType]:
    """Each feature's module (or package) called ``name``, where it has one."""
    for feature in FEATURES:
        dotted = f"evaluator.{feature}.{name}"
        if find_spec(dotted) is not None:
            yield import_module(dotted)


def load_models() -> None:
    """Import every feature's models, so that the metadata knows every table."""
    for _ in _parts("models"):
        pass


def register_api(api: Api) -> None:
    """Register every feature's API blueprints under /api/v1 (a package lists its modules in
    ``MODULES``, in the order of the API document)."""
    from evaluator.web import index
    from evaluator.web.openapi import document_pagination_header

    api.register_blueprint(index.blp, url_prefix="/api/v1")  # the index, GET /api/v1/
    for module in _parts("api"):
        for part in getattr(module, "MODULES", (module,)):
            api.register_blueprint(part.blp, url_prefix=f"/api/v1{part.PREFIX}")
    document_pagination_header(api.spec)


def register_pages(app: Flask) -> None:
    """Import every feature's pages (their views join the audiences' blueprints), then register
    the blueprints with what every page shares."""
    from evaluator.web import public  # noqa: F401 (the start page)
    from evaluator.web.blueprints import AUDIENCES
    from evaluator.web.shell import register_shell

    for _ in _parts("pages"):
        pass
    register_shell(app)
    for blueprint in AUDIENCES:
        app.register_blueprint(blueprint)


def command_modules() -> list[ModuleType]:
    """Every feature's ``commands`` module (each has a click group ``cli``)."""
    return list(_parts("commands"))
