"""Errors by channel: the JSON envelope ``{code, status, message, errors}`` for every 4xx and 5xx of
the API (``/api/…``), a plain HTML page for every other path.

What an error echoes back is capped (``ERROR_MAX_ENTRIES`` entries per mapping or list, then a note
of how many were left out; ``ERROR_MAX_CHARS`` characters per text), so a request naming millions
of unknown fields gets a short answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Request, current_app, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from evaluator.i18n import localise
from evaluator.messages import N_, msg
from evaluator.web.headers import PAGE_HEADERS  # an error page may skip the after-request hooks
from evaluator.web.ratelimits import limit_in_words

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# The page's heading (translated); statuses not listed fall back to the standard phrase.
PAGE_TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    412: N_("Changed in the meantime"),
    413: N_("Upload too large"),
    415: N_("Unsupported content type"),
    422: N_("Cannot be processed"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
    503: N_("Service unavailable"),
}


# What an HTTP error says when nothing more specific was said (the library's texts are long-winded).
STATUS_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Sign in first: send 'Authorization: Bearer <token>'."),
    403: N_("You are not allowed to do this."),
    405: N_("This method is not allowed at this address."),
    406: N_("The service cannot answer in a format this request accepts."),
    409: N_("This conflicts with a change made at the same moment; reload and try again."),
    412: N_("The resource has changed since you read it; reload it and try again."),
    415: N_("The service does not accept this content type here."),
    422: N_("The request could not be processed: see the problems listed."),
    428: N_("This request must name the version it changes (If-Match)."),
    500: N_("An unexpected error occurred; it has been logged."),
    503: N_("The service is briefly unavailable; try again later."),
}


def is_api_request(req: Request) -> bool:
    """Whether the request came by the API channel (``/api/…``) rather than a web page."""
    return req.path.startswith(API_PREFIX) or req.path == API_PREFIX.rstrip("/")


def wants_json(req: Request) -> bool:
    """Whether a page's script asked for JSON (``Accept: application/json``), e.g. the upload form's
    progress bar: its refusals then come in the envelope too."""
    return req.accept_mimetypes.best == "application/json"


class ServiceError(Exception):
    """A refusal by a service, carried to the client in the error envelope."""

    def __init__(self, status: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def _clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[:max_chars] + "…"


def cap_errors(errors: Any, max_entries: int, max_chars: int) -> Any:
    """``errors`` with at most ``max_entries`` entries per mapping or list and texts clipped to
    ``max_chars``; where entries were left out, a mapping gets ``"_omitted": ["N more entries were
    left out."]`` and a list a last item saying the same."""
    if isinstance(errors, str):
        return _clip(errors, max_chars)
    if isinstance(errors, Mapping):
        kept = {}
        for key, value in errors.items():
            if len(kept) == max_entries:
                break
            kept[_clip(str(key), max_chars)] = cap_errors(value, max_entries, max_chars)
        left_out = len(errors) - len(kept)
        if left_out:
            kept["_omitted"] = [omitted_note(left_out)]
        return kept
    if isinstance(errors, list | tuple):
        items = [cap_errors(value, max_entries, max_chars) for value in errors[:max_entries]]
        if len(errors) > max_entries:
            items.append(omitted_note(len(errors) - max_entries))
        return items
    return errors


def omitted_note(count: int) -> str:
    """The note that stands for entries left out of an error answer."""
    return msg("%(count)s more entries were left out.", count=count)


def envelope(
    status: int, message: str | None = None, errors: Any = None, headers: list[tuple[str, str]] | None = None
):
    """A JSON error response in the service's one envelope, its echo of the input capped."""
    max_entries = int(current_app.config.get("ERROR_MAX_ENTRIES", 100))
    max_chars = int(current_app.config.get("ERROR_MAX_CHARS", 500))
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = _clip(localise(message), max_chars * 4)
    if errors:
        body["errors"] = localise(cap_errors(errors, max_entries, max_chars))
    response = jsonify(body)
    response.status_code = status
    for name, value in headers or ():
        if name.lower() != "content-type":  # e.g. Allow on a 405, kept; the body is JSON
            response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def error_page(status: int, headers: list[tuple[str, str]] | None = None, message: str | None = None):
    """An HTML error page in the pages' layout and the reader's language (no script)."""
    phrase = HTTPStatus(status).phrase
    title = PAGE_TITLES.get(status)
    html = render_template(
        "errors/error.html",
        code=status,
        phrase=phrase,
        title=localise(title) if title else phrase,
        message=localise(message) if message else None,
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value

    response.headers.update(PAGE_HEADERS)
    return response


def sign_in_redirect():
    """Send an anonymous reader of a page to the sign-in page, to come back here afterwards."""
    from flask import redirect, url_for

    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("account.sign_in", next=target.rstrip("?") if target else None))


def error_response(
    status: int, message: str | None = None, errors: Any = None, headers: list[tuple[str, str]] | None = None
):
    """The error answer of this request's channel: the envelope for the API, else an HTML page."""
    if is_api_request(request) or wants_json(request):
        return envelope(status, message, errors, headers)
    if status == 401 and "account.sign_in" in current_app.view_functions:
        return sign_in_redirect()
    shown = message if status in (400, 403, 404, 409, 412, 413, 422, 429, 503) else None
    return error_page(status, headers, shown)


def register_error_handlers(app: Flask) -> None:
    """Route service errors, HTTP errors and unexpected exceptions to the channel's error answer."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return error_response(exc.status, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        message = data.get("message") or STATUS_MESSAGES.get(exc.code or 500)
        if exc.code == 413:
            message = msg(
                "The upload is larger than the %(limit)s MB limit.", limit=app.config["MAX_UPLOAD_MB"]
            )
        elif exc.code == 429:  # Flask-Limiter's: the limit said in words, in the reader's language
            limit = limit_in_words(getattr(exc, "limit", None)) or exc.description
            message = msg("Too many requests (limit: %(limit)s); try again later.", limit=limit)
        errors = data.get("errors") or data.get("messages")  # webargs puts them in "messages"
        return error_response(exc.code or 500, message, errors, exc.get_headers())

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        # Two requests raced past the same uniqueness check and the database kept one: the loser
        # is told so (409), never a 500. Nothing of the request is kept.
        from evaluator.extensions import db

        db.session.rollback()
        return error_response(409, STATUS_MESSAGES[409])

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        from evaluator.extensions import db

        # The page is rendered with the session (who is signed in): a failed transaction must not
        # break the error page too.
        db.session.rollback()
        return error_response(500, STATUS_MESSAGES[500])
