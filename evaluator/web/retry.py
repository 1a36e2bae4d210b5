"""One retry of a writing request that PostgreSQL failed for a conflict with another transaction.

PostgreSQL aborts a transaction caught in a deadlock (SQLSTATE 40P01) and, under a stricter isolation
than the service's, one whose reads a concurrent commit made stale (40001). The service takes its
row locks in one order (``evaluator.core.locking``) so that its own requests do not deadlock; should
it happen still — in the view or at the commit (``web.api.register_commit``) — a writing request
(POST, PUT, PATCH, DELETE) is run once more from the start: the transaction rolled back, ``flask.g``
and the session cookie's contents as they were when the request came in, the before-request hooks
(authentication, CSRF) run again. Failed a second time, it is answered 503 with ``Retry-After``, in
its channel's form (the envelope for the API, the error page for pages), and nothing is kept. A
reading request is not retried.

Limits. The second run reads the request again from Werkzeug's caches: ``request.form``,
``request.files``, ``request.get_json()`` and ``request.get_data()`` read the body once and keep it,
and the uploaded files are rewound; a view reading ``request.stream`` itself could not read it twice
(none does). What the first run did outside the database stays: a blob written to storage (named by
its content, the second run finds it there), a log line, and the hit on a limit applied by a decorator
(the sign-in budget counts a retried sign-in twice).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from flask import Flask, Response, g, request, session
from sqlalchemy.exc import DBAPIError

from evaluator.errors import error_response
from evaluator.extensions import WRITE_METHODS, db
from evaluator.messages import N_

log = logging.getLogger(__name__)

CONFLICT_STATES = frozenset({"40P01", "40001"})
"""The SQLSTATEs of a transaction failed for a conflict: deadlock detected, serialization failure."""
RETRY_AFTER = "1"
"""Seconds the client is asked to wait after the second failure (the conflict is usually gone)."""
GAVE_UP = N_(
    "Other changes were being saved at the same moment and this one could not be completed: "
    "nothing was saved. Please try again in a moment."
)


def is_write_conflict(exc: BaseException) -> bool:
    """Whether the database failed the transaction for a deadlock or a serialization failure."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in CONFLICT_STATES


def register_retry(app: Flask) -> None:
    """Retry a writing request once when the database fails it for a write conflict; then 503."""
    dispatch = app.full_dispatch_request
    handle = app.handle_user_exception

    def handle_user_exception(exc: Exception) -> Any:
        # Past the error handlers (the catch-all would make it a 500), on to the retry below.
        if request.method in WRITE_METHODS and is_write_conflict(exc):
            raise exc
        return handle(exc)

    def full_dispatch_request() -> Response:
        if request.method not in WRITE_METHODS:
            return dispatch()
        start = _Start()
        for attempt in (1, 2):
            try:
                return dispatch()
            except DBAPIError as exc:
                if not is_write_conflict(exc):
                    raise
                db.session.rollback()
                log.warning(
                    "%s %s failed for a write conflict (attempt %s of 2): %s",
                    request.method,
                    request.path,
                    attempt,
                    exc.orig,
                )
            start.restore(retrying=attempt == 1)
        return app.finalize_request(
            error_response(503, GAVE_UP, headers=[("Retry-After", RETRY_AFTER)]), from_error_handler=True
        )

    app.handle_user_exception = handle_user_exception  # type: ignore[method-assign]
    app.full_dispatch_request = full_dispatch_request  # type: ignore[method-assign]


class _Start:
    """What a request may change outside the database, as it was when the request came in."""

    def __init__(self) -> None:
        self.globals = dict(vars(g))
        cookie = session._get_current_object()
        flags = cookie.accessed, cookie.modified  # taking the copy is no use of the session
        self.session = copy.deepcopy(dict(cookie))
        cookie.accessed, cookie.modified = flags
        self.flags = flags

    def restore(self, retrying: bool) -> None:
        """Put the session cookie's contents back as they were; to run the request again, also ``g``
        (the second run sets it anew) and the uploaded files (rewound)."""
        cookie = session._get_current_object()
        cookie.clear()
        cookie.update(copy.deepcopy(self.session))
        cookie.accessed, cookie.modified = self.flags
        if retrying:
            vars(g).clear()
            vars(g).update(self.globals)
            for _, upload in request.files.items(multi=True):
                upload.stream.seek(0)
