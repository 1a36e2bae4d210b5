"""Marshmallow fields the API's schemas share for what they send back.

``UtcDateTime`` is the one field for a time in a response: always ISO 8601 in UTC with its offset
(``2026-05-01T08:00:00+00:00``), whichever database the value came from. SQLite hands back naive
datetimes (stored as UTC), PostgreSQL aware ones in the session's zone; both come out the same.
On input it is the shared ``Time`` rule: an offset is required and the year is bounded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from evaluator.validation import Time


def to_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (a naive value is taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UtcDateTime(Time):
    """A time: sent as ISO 8601 in UTC with its offset; read as an ISO 8601 time with an offset."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return super()._serialize(to_utc(value), attr, obj, **kwargs)
