"""The JSON API under /api/v1: one flask-smorest blueprint per resource."""

from __future__ import annotations

from typing import TypeVar

from flask import Flask
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError

from evaluator.errors import envelope

T = TypeVar("T")


def get_or_404(model: type[T], ident: int, what: str) -> T:
    """A row by id for a signed-in caller: 401 first (ids are not probed anonymously), then 404."""
    from flask_login import current_user

    from evaluator.errors import ServiceError
    from evaluator.extensions import db

    if not current_user.is_authenticated:
        raise ServiceError(401, "Sign in first: send 'Authorization: Bearer <token>'.")
    row = db.session.get(model, ident)
    if row is None:
        raise ServiceError(404, f"No {what} {ident}.")
    return row


def if_match() -> frozenset[str] | None:
    """The entity tags of the request's If-Match header; None when absent or ``*`` (any version)."""
    from flask import request

    header = request.if_match
    if not header or header.star_tag:
        return None
    return frozenset(header.as_set())


def etag_header(row) -> dict[str, str]:
    """The ETag header of a versioned row (an application or a round)."""
    from evaluator.services.workflow import etag_of

    return {"ETag": f'"{etag_of(row)}"'}


def register_blueprints(api: Api) -> None:
    """Register every resource's blueprint."""
    from evaluator.api import applications, audit, auth, criteria, materials, rounds, users
    from evaluator.api.openapi import document_pagination_header

    for module in (auth, users, criteria, rounds, applications, materials, audit):
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.PREFIX}")
    document_pagination_header(api.spec)


def register_commit(app: Flask) -> None:
    """One commit per request, at the boundary: services only flush."""
    from evaluator.extensions import db

    @app.after_request
    def _commit(response):
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            # Two requests raced past the same uniqueness check; the database kept one.
            db.session.rollback()
            return envelope(409, "This conflicts with a change made at the same moment; "
                            "reload and try again.")
        return response


def register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files (from the flask-swagger-ui package) for the docs page."""
    from pathlib import Path

    import flask_swagger_ui
    from flask import Blueprint

    dist = Path(flask_swagger_ui.__file__).parent / "dist"
    app.register_blueprint(Blueprint("swagger_ui_assets", __name__, static_folder=str(dist),
                                     static_url_path="/api/v1/swagger-ui"))
