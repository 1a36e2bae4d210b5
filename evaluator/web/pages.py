"""What the page views share: who may see a page, reading a form through a marshmallow schema,
showing a service's refusal beside the fields it names, and messages after a redirect.

A page calls the same policy rules and services as the API. A refusal (``ServiceError``) raised
while handling a form is caught by ``form_errors`` and shown on the form with the same message the
API would send; anything else unexpected is the channel's error page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, TypeVar

from flask import abort, flash, render_template, request
from marshmallow import Schema, ValidationError

from evaluator.accounts.models import User
from evaluator.accounts.policy import SIGN_IN_FIRST, authorize, knows
from evaluator.core.versions import etag_of
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import N_, msg
from evaluator.validation import MAX_ID, text_problem
from evaluator.web.security import signed_in_user

T = TypeVar("T")

FORM_NOT_VALID = N_("Some entries need correcting: see the messages beside the fields.")
REQUIRED = N_("This field is required.")


class FormErrors(dict):
    """Problems of a form, by field name (dotted for nested ones), each a list of messages, and the
    message over the whole form."""

    message: str | None = None

    def __bool__(self) -> bool:
        """Whether there is any problem: a field's or the whole form's."""
        return bool(len(self) or self.message)

    def summary(self) -> str:
        """The message over the form, in the reader's language: the refusal's own, unless a field's
        message repeats it word for word (then it is said once, beside the field, and the summary
        points there)."""
        beside = {m for key in self if key != "_form" for m in self.for_field(key)}
        if self.message and self.message not in beside:
            return self.message
        return str(localise(msg(FORM_NOT_VALID)))

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
    to the sign-in page, a refused one gets the 403 page. An object outside the reader's scope gets
    the 404 page, as a missing id does (``get_or_404``), so ids cannot be probed."""
    user = signed_in_user()
    if obj is not None and user is not None and not knows(user, action, obj):
        abort(404)
    return authorize(user, action, obj)


MAX_PAGE = 10**6
"""The highest page number a table accepts (beyond it: the last page)."""


def get_or_404(model: type[T], ident: int | None) -> T:
    """A row by id for a signed-in reader (anonymous readers go to sign in first, so they cannot
    probe which ids exist), or the 404 page (also for an id no database integer can hold)."""
    if signed_in_user() is None:
        raise ServiceError(401, SIGN_IN_FIRST)
    if ident is None or not 0 < ident <= MAX_ID:
        abort(404)
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def arg_id(name: str, source: Mapping[str, str] | None = None) -> int | None:
    """An id from the query string (or ``source``): None when absent or blank; the 404 page for
    anything but ASCII digits naming a database integer."""
    raw = (request.args if source is None else source).get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def typed_number(text: str) -> int | str:
    """A whole number typed in a form: ASCII digits (at most 9) as an int, anything else as typed,
    for the form's schema to refuse by the field's name (``"²".isdigit()`` is true, yet ``int``
    refuses it, and ``int`` refuses more than 4,300 digits)."""
    raw = text.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else text


def page_number() -> int:
    """The table page asked for: 1 for anything but a whole number, at most ``MAX_PAGE``."""
    raw = request.args.get("page", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7):
        return 1
    return min(max(1, int(raw)), MAX_PAGE)


def arg_text(name: str, longest: int = 100, source: Mapping[str, str] | None = None) -> str | None:
    """A search text from the query string (or ``source``), stripped; None when blank. Text with
    control characters (a NUL byte, say) or longer than ``longest`` is refused (422) by the
    service's text rule, naming the parameter."""
    value = ((request.args if source is None else source).get(name) or "").strip()
    problem = text_problem(value) if value else None
    if problem is None and len(value) > longest:
        problem = msg("This text has %(min)s to %(max)s characters.", min=1, max=longest)
    if problem is not None:
        raise ServiceError(422, msg(FORM_NOT_VALID), {name: [problem]})
    return value or None


def load_form(schema: Schema, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The request's form read through a schema; a ServiceError(422) naming each bad field."""
    source = request.form if data is None else data
    raw = {k: v for k, v in source.items() if k != "csrf_token"}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise ServiceError(422, msg(FORM_NOT_VALID), required_first(schema, raw, exc.messages)) from None


def required_first(schema: Schema, raw: Mapping[str, Any], errors: Any) -> Any:
    """A schema's errors where a required field was left empty say just that it is required (not
    that its text is too short): the field's own message for a missing value when it has one, else
    ``REQUIRED``."""
    if not isinstance(errors, dict):
        return errors
    for name, field in schema.fields.items():
        key = field.data_key or name
        value = raw.get(key)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if field.required and blank and key in errors:
            own = field.error_messages.get("required")
            errors[key] = [own if own and own != _MISSING else msg(REQUIRED)]
    return errors


_MISSING = "Missing data for required field."  # marshmallow's own, for a field without its own message


def discard_writes() -> None:
    """Roll back what the request wrote so far (nothing of it is committed); every row is read again
    from the database when next used."""
    db.session.rollback()


def refused(exc: ServiceError) -> None:
    """A service's refusal caught by a page: raised again when it is the channel's error page (5xx,
    401, 403, 404), else what the request wrote so far is rolled back (``discard_writes``)."""
    if exc.status >= 500 or exc.status in (401, 403, 404):
        raise exc
    discard_writes()


@contextmanager
def form_errors() -> Iterator[FormErrors]:
    """Collect a service's refusal (4xx) inside the block as form errors instead of an error page.
    The request's writes are rolled back: the page shows the rows as the database has them."""
    errors = FormErrors()
    try:
        yield errors
    except ServiceError as exc:
        refused(exc)
        errors.update(flatten(exc.errors or {}))
        errors.message = str(localise(exc.message))


def render_form(template: str, errors: FormErrors | None = None, **context: Any):
    """A page with a form; 422 when the form has errors, so nothing of the request is committed."""
    status = 422 if errors else 200
    return render_template(template, errors=errors or FormErrors(), **context), status


def posted_version(field: str = "version") -> frozenset[str]:
    """The ETag of the row version a form was filled in on (its hidden ``version`` field), for the
    service's version check: a form that names no version is refused, never saved blindly over
    someone else's change."""
    raw = request.form.get(field, "")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9):
        raise ServiceError(
            422,
            msg(
                "The form does not say which version of the page it was filled in "
                "on; reload the page and enter your changes again."
            ),
            {field: [msg("missing or not a version number")]},
        )
    return frozenset({etag_of(SimpleNamespace(version=int(raw)))})


def done(message: str, **params: Any) -> None:
    """A message shown on the next page (after the redirect of a successful form)."""
    flash(str(localise(msg(message, **params))), "success")
