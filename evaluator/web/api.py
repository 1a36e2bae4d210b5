"""What every feature's JSON API (under /api/v1) shares: rows by id with the right refusal, pages of
lists, If-Match and ETags, the caller check before input is read, and one commit per request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from evaluator.accounts.policy import SIGN_IN_FIRST, check_caller
from evaluator.core.paging import count_rows
from evaluator.core.versions import etag_of
from evaluator.errors import STATUS_MESSAGES, ServiceError, envelope
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.web.security import signed_in_user

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# One whole sentence per kind of row (translators need the sentence, not "No" + a noun).
_NOT_FOUND = {
    "round": N_("No round %(id)s."),
    "application": N_("No application %(id)s."),
    "material": N_("No material %(id)s."),
    "assignment": N_("No assignment %(id)s."),
    "user": N_("No user %(id)s."),
}


def get_or_404(model: type[T], ident: int, what: str) -> T:
    """A row by id for a signed-in caller: 401 first (ids are not probed anonymously), then 404."""
    if signed_in_user() is None:
        raise ServiceError(401, SIGN_IN_FIRST)
    row = db.session.get(model, ident)
    if row is None:
        raise ServiceError(
            404, msg(_NOT_FOUND.get(what, N_("Nothing with the id %(id)s was found.")), id=ident)
        )
    return row


def page_of(query: Select, pagination_parameters: Any) -> list:
    """One page of a list query's rows, with the total for the ``X-Pagination`` header."""
    pagination_parameters.item_count = count_rows(query)
    return db.session.scalars(
        query.offset(pagination_parameters.first_item).limit(pagination_parameters.page_size)
    ).all()


def if_match() -> frozenset[str] | None:
    """The entity tags of the request's If-Match header; None when absent or ``*`` (any version).

    Weak tags (``W/"v3"``) never match: If-Match compares strongly.
    """
    if "If-Match" not in request.headers:
        return None
    header = request.if_match
    if header.star_tag:
        return None
    # A header that names no valid entity tag matches no version (412), never "any version".
    return frozenset(header.as_set())


def etag_header(row) -> dict[str, str]:
    """The ETag header of a versioned row (an application, a round, a review: ``"v0"`` before its
    first save)."""
    return {"ETag": f'"{etag_of(row)}"'}


def guard(action: str) -> Callable[[F], F]:
    """Check the caller against the action's rule before the request's input is read (put it
    right below ``@blp.route``); the view still authorises the object it acts on."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            check_caller(signed_in_user(), action)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def register_commit(app: Flask) -> None:
    """One commit per request, at the boundary: services only flush. A deadlock or serialization
    failure here has the request run again (``web.retry``)."""

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
            return envelope(409, STATUS_MESSAGES[409])
        return response


def register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files (from the flask-swagger-ui package) for the docs page."""
    from pathlib import Path

    import flask_swagger_ui
    from flask import Blueprint

    dist = Path(flask_swagger_ui.__file__).parent / "dist"
    app.register_blueprint(
        Blueprint(
            "swagger_ui_assets", __name__, static_folder=str(dist), static_url_path="/api/v1/swagger-ui"
        )
    )
