"""Shared input rules: the text rule for every stored string, and the marshmallow fields that apply it.

Every text the service stores (titles, names, usernames, indicator ids, text figures) passes one rule:
no C0 control character (U+0000–U+001F), no DEL (U+007F) and no lone surrogate (U+D800–U+DFFF). Free
multi-line text may hold tab, line feed and carriage return; single-line text may not. Query
parameters are bounded the same way: ids to what a database integer holds, times to years that
every database and every UTC conversion can represent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

from evaluator.messages import msg

# Database ids are 32-bit integers (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
# A time outside these years is refused: far enough for any real deadline or log query, and
# converting it to UTC (an offset of at most a day) can never leave Python's datetime range.
MIN_YEAR, MAX_YEAR = 1900, 2999

# C0 and C1 control characters, DEL, lone surrogates; the Unicode line and paragraph separators; the
# bidirectional overrides and isolates that make a name read differently from what it holds.
_ALWAYS_BAD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_SINGLE_LINE_BAD = re.compile(f"[{_ALWAYS_BAD}\t\n\r]")
_MULTI_LINE_BAD = re.compile(f"[{_ALWAYS_BAD}]")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why a text may not be stored, as a sentence, or None when it passes the shared rule."""
    match = (_MULTI_LINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    if match is None:
        return None
    code = ord(match.group())
    name = "U+" + format(code, "04X")
    if 0xD800 <= code <= 0xDFFF:
        return msg("Must not contain a lone surrogate (%(code)s); send valid Unicode text.", code=name)
    if multiline:
        return msg(
            "Must not contain the control character %(code)s; only tab and line breaks are allowed.",
            code=name,
        )
    return msg(
        "Must not contain the control character %(code)s (single-line text: no tabs or line breaks).",
        code=name,
    )


def check_text(value: str, multiline: bool = False) -> str:
    """A marshmallow validator step: the value itself, or a ValidationError saying which character."""
    problem = text_problem(value, multiline)
    if problem:
        raise ValidationError(problem)
    return value


class Pattern(validate.Regexp):
    """A regular expression the whole value must match, written as ``^…$`` so that it means the same
    to this validator (``re.fullmatch``: no trailing line break slips through ``$``) and in the API
    document (JSON Schema's ``pattern``, an ECMAScript expression)."""

    def __init__(self, pattern: str, error: str | None = None):
        if not (pattern.startswith("^") and pattern.endswith("$")):
            raise ValueError(f"anchor the pattern with ^ and $: {pattern}")
        super().__init__(pattern, error=error)

    def __call__(self, value: str) -> str:
        """The value, or a ValidationError when it does not match as a whole."""
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Text(fields.String):
    """A stored text: the shared control-character rule, and a length limit.

    ``multiline=True`` allows tab, line feed and carriage return (free text such as a text figure).
    """

    def __init__(
        self, *, max_length: int, min_length: int | None = None, multiline: bool = False, **kwargs: Any
    ):
        self.multiline = multiline
        rules = [validate.Length(min=min_length, max=max_length)]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            rules.extend(extra if isinstance(extra, list | tuple) else [extra])
        super().__init__(validate=rules, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return check_text(text, self.multiline)


class Id(fields.Integer):
    """A database id: a whole number from 1 to 2,147,483,647 (JSON ``1.5`` is not id 1)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("strict", True)
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class QueryId(Id):
    """An id in a query string (text there, so not strict)."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=False, **kwargs)


class Time(fields.AwareDateTime):
    """An ISO 8601 time with its UTC offset, in the years MIN_YEAR to MAX_YEAR."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) > 64:
            raise ValidationError(msg("Not a valid datetime."))
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise ValidationError(
                msg(
                    "A time must lie between the years %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR
                )
            )
        # In UTC from here on: SQLite keeps no offset, so a +08:00 time stored as it is would be
        # read back as if its Beijing wall-clock time were UTC.
        return moment.astimezone(UTC)


# ``UtcDateTime`` is the one field for a time in a response: always ISO 8601 in UTC with its offset
# (``2026-05-01T08:00:00+00:00``), whichever database the value came from. SQLite hands back naive
# datetimes (stored as UTC), PostgreSQL aware ones in the session's zone; both come out the same.


def to_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (a naive value is taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UtcDateTime(Time):
    """A time: sent as ISO 8601 in UTC with its offset; read as an ISO 8601 time with an offset."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return super()._serialize(to_utc(value), attr, obj, **kwargs)
