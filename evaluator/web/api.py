"""What every feature's JSON API (under /api/v1) shares: rows by id with the right refusal, pages of
lists, If-Match and ETags, the caller check before input is read, and one commit per request.

The refusals come in one order, before the request's input is read (``guard``): 401 for an anonymous
caller, 403 for a caller the rule refuses whatever the object, 404 for an id that does not exist or
names an object outside the caller's scope (one answer for both, so ids cannot be probed), 403 for
an object in scope the rule refuses. Then the body and the query are read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from evaluator.accounts.policy import RULES, SIGN_IN_FIRST, authorize, check_caller, knows
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


def not_found(what: str, ident: int) -> ServiceError:
    """The one answer for a row that does not exist, or that the caller may not know of."""
    return ServiceError(404, msg(_NOT_FOUND.get(what, N_("Nothing with the id %(id)s was found.")), id=ident))


def get_or_404(model: type[T], ident: int, what: str) -> T:
    """A row by id for a signed-in caller: 401 first (ids are not probed anonymously), then 404."""
    if signed_in_user() is None:
        raise ServiceError(401, SIGN_IN_FIRST)
    row = db.session.get(model, ident)
    if row is None:
        raise not_found(what, ident)
    return row


def scoped_or_404(model: type[T], ident: int, action: str) -> T:
    """A row by id as the caller of a rule on an object may reach it: 401 for an anonymous caller,
    403 for a caller the rule refuses whatever the object, 404 for an id that does not exist or is
    outside the caller's scope (the same answer), 403 for a row in scope the rule refuses."""
    user = signed_in_user()
    check_caller(user, action)
    what = RULES[action].on or ""
    row = db.session.get(model, ident)
    if row is None or not knows(user, action, row):
        raise not_found(what, ident)
    authorize(user, action, row)
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


def guard(action: str, model: type | None = None) -> Callable[[F], F]:
    """Check the caller against the action's rule before the request's input is read (put it
    right below ``@blp.route``).

    A rule on an object (``application.edit`` …) takes the model of its object, found by the path
    parameter ``<kind>_id`` (``application_id``): the row is loaded and judged in the caller's scope
    (``scoped_or_404``) before the body is read. The view reads the same row again from the session.
    """
    rule = RULES[action]
    if rule.on_object != (model is not None):
        raise TypeError(f"guard({action!r}): a rule on an object takes its model, and only such a rule")
    parameter = f"{rule.on}_id"

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if model is None:
                check_caller(signed_in_user(), action)
            else:
                scoped_or_404(model, kwargs[parameter], action)
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
