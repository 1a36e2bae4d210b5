"""One error envelope, ``{code, status, message, errors}``, for every 4xx and 5xx."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A refusal by a service, carried to the client in the error envelope."""

    def __init__(self, status: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def envelope(status: int, message: str | None = None, errors: Any = None):
    """A JSON error response in the service's one envelope."""
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
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
        errors = data.get("errors") or data.get("messages")  # webargs puts them in "messages"
        return envelope(exc.code or 500, message, errors)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return envelope(500, "An unexpected error occurred; it has been logged.")
