"""Row versions: the entity tag of a versioned row and the check of a client's If-Match against it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg


def etag_of(row: Any) -> str:
    """The entity tag of a row's current version (quoted in the ETag header)."""
    return f"v{row.version}"


def check_version(row: Any, expected: Collection[str] | None, what: str) -> None:
    """412 when the client's If-Match names none of the row's current version (None: no If-Match)."""
    if expected is not None and etag_of(row) not in expected:
        template = (N_("The round has changed since you read it (it is now version %(version)s); reload "
                       "it and try again.") if what == "round" else
                    N_("The application has changed since you read it (it is now version %(version)s); "
                       "reload it and try again."))
        raise ServiceError(412, msg(template, version=row.version),
                           {"If-Match": [msg('the current ETag is "%(etag)s"', etag=etag_of(row))]})
