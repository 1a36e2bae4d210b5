"""One error envelope, ``{code, status, message, errors}``, for every 4xx and 5xx."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A refusal by a service, carried to the client in the error envelope."""

    def __init__(self, status: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(data: Any) -> Any:
    """Refuse input whose strings hold NUL characters, naming the field (a schema's pre_load step).

    PostgreSQL cannot store U+0000 in text and fails the statement: without this check such a
    value is a 500 there and silently stored on SQLite.
    """
    if isinstance(data, Mapping):
        bad = {str(key): ["must not contain the NUL character (U+0000)"]
               for key in data if _has_nul(key) or _has_nul(data[key])}
        if bad:
            raise ValidationError(bad)
    return data


def envelope(status: int, message: str | None = None, errors: Any = None,
             headers: list[tuple[str, str]] | None = None):
    """A JSON error response in the service's one envelope."""
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for name, value in headers or ():
        if name.lower() != "content-type":  # e.g. Allow on a 405, kept; the body is JSON
            response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def register_error_handlers(app: Flask) -> None:
    """Route service errors, HTTP errors and unexpected exceptions to the envelope."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return envelope(exc.status, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        message = data.get("message") or (exc.description if exc.code != 404 else None)
        if exc.code == 413:
            message = (f"The upload is larger than the {app.config['MAX_UPLOAD_MB']} MB limit.")
        elif exc.code == 429:  # Flask-Limiter: the description is the limit, e.g. "10 per 1 minute"
            message = f"Too many requests (limit: {exc.description}); try again later."
        errors = data.get("errors") or data.get("messages")  # webargs puts them in "messages"
        return envelope(exc.code or 500, message, errors, exc.get_headers())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return envelope(500, "An unexpected error occurred; it has been logged.")
