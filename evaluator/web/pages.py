"""What the page views share: who may see a page, reading a form through a marshmallow schema,
showing a service's refusal beside the fields it names, and messages after a redirect.

A page calls the same policy rules and services as the API. A refusal (``ServiceError``) raised
while handling a form is caught by ``form_errors`` and shown on the form with the same message the
API would send; anything else unexpected is the channel's error page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import abort, flash, render_template, request
from marshmallow import Schema, ValidationError

from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import N_, msg
from evaluator.models import User
from evaluator.services.policy import authorize
from evaluator.web.security import signed_in_user

T = TypeVar("T")

FORM_NOT_VALID = N_("Some entries need correcting: see the messages beside the fields.")


class FormErrors(dict):
    """Problems of a form, by field name (dotted for nested ones), each a list of messages, and the
    message over the whole form."""

    message: str | None = None

    def __bool__(self) -> bool:
        """Whether there is any problem: a field's or the whole form's."""
        return bool(len(self) or self.message)

    def for_field(self, name: str) -> list[str]:
        """The messages of one field, in the reader's language."""
        found = self.get(name) or []
        return [str(localise(m)) for m in (found if isinstance(found, list) else [found])]


def flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested schema or service errors as ``{"figures.households": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping):
                flat.update(flatten(value, name))
            else:
                items = value if isinstance(value, list | tuple) else [value]
                if items and all(isinstance(v, Mapping) for v in items):
                    for item in items:
                        flat.update(flatten(item, name))
                else:
                    flat.setdefault(name, []).extend(items)
    elif errors:
        flat.setdefault(prefix or "_form", []).extend(errors if isinstance(errors, list) else [errors])
    return flat


def page_user(action: str, obj: Any = None) -> User:
    """The signed-in user if the rule allows the action (on the object): an anonymous reader is sent
    to the sign-in page, a refused one gets the 403 page."""
    return authorize(signed_in_user(), action, obj)


def get_or_404(model: type[T], ident: int) -> T:
    """A row by id, or the 404 page."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def load_form(schema: Schema, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The request's form read through a schema; a ServiceError(422) naming each bad field."""
    source = request.form if data is None else data
    raw = {k: v for k, v in source.items() if k != "csrf_token"}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise ServiceError(422, msg(FORM_NOT_VALID), exc.messages) from None


@contextmanager
def form_errors() -> Iterator[FormErrors]:
    """Collect a service's refusal (4xx) inside the block as form errors instead of an error page."""
    errors = FormErrors()
    try:
        yield errors
    except ServiceError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        db.session.rollback()
        errors.update(flatten(exc.errors or {}))
        errors.message = str(localise(exc.message))


def render_form(template: str, errors: FormErrors | None = None, **context: Any):
    """A page with a form; 422 when the form has errors, so nothing of the request is committed."""
    status = 422 if errors else 200
    return render_template(template, errors=errors or FormErrors(), **context), status


def done(message: str, **params: Any) -> None:
    """A message shown on the next page (after the redirect of a successful form)."""
    flash(str(localise(msg(message, **params))), "success")
