"""Row versions: the entity tag of a versioned row and the check of a client's If-Match against it.

One rule everywhere (docs/api.md, "Versions and If-Match"): a row's ETag is ``v<version>`` (``v0``
for a row not created yet, a review before its first save); an If-Match, or the version a page's
form was read at, that names none of the current version is refused with 412 Precondition Failed
and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg

_CHANGED = {
    "round": N_(
        "The round has changed since you read it (it is now version %(version)s); reload it and try again."
    ),
    "application": N_(
        "The application has changed since you read it (it is now version %(version)s); "
        "reload it and try again."
    ),
    "conflict": N_(
        "The declared conflict has been decided or changed since you read it (it is now version "
        "%(version)s); reload it and decide again."
    ),
    "cohort_member": N_(
        "The application's place in the cohorts has changed since you read it (it is now version "
        "%(version)s); reload the cohorts and move it again."
    ),
    "shortlist": N_(
        "The draft list has been adjusted since you read it (it is now version %(version)s); "
        "reload it and adjust it again."
    ),
    "review": N_(
        "The review has been saved elsewhere since you read it (it is now version %(version)s); "
        "your input was not saved. Reload the review and enter your changes again."
    ),
}


def version_of(row: Any) -> int:
    """A row's version; 0 for a row not created yet (None)."""
    return 0 if row is None else row.version


def etag_of(row: Any) -> str:
    """The entity tag of a row's current version (quoted in the ETag header): ``v<version>``."""
    return f"v{version_of(row)}"


def check_version(row: Any, expected: Collection[str] | None, what: str) -> None:
    """412 when the client's If-Match names none of the row's current version (None: no If-Match).

    ``row`` may be None (not created yet: version 0); ``what`` names it in the message: ``round``,
    ``application``, ``conflict``, ``cohort_member``, ``shortlist`` or ``review``.
    """
    if expected is not None and etag_of(row) not in expected:
        raise ServiceError(
            412,
            msg(_CHANGED[what], version=version_of(row)),
            {"If-Match": [msg('the current ETag is "%(etag)s"', etag=etag_of(row))]},
        )
