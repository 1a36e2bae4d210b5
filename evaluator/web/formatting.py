"""How the pages show values: dates the Chinese way (2026年12月1日), times in Beijing time, numbers
with thousands separators, and the labels of the workflow's vocabularies — in the reader's language.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, gettext, to_user_timezone

from evaluator.i18n import language, localise
from evaluator.models.base import as_aware, utcnow
from evaluator.workflow import KIND_LABELS, PHASE_LABELS, ROLE_LABELS, STATUS_LABELS, ZONE_LABELS

# Babel's patterns: zh 2026年12月1日 14:30, en 1 Dec 2026, 14:30.
_DATE = {"zh": "y年M月d日", "en": "d MMM y"}
_DATETIME = {"zh": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}


def show_date(value: date | datetime | None) -> str:
    """A date (or the local date of a time) in the reader's language; '—' for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_user_timezone(as_aware(value)).date()
    return format_date(value, _DATE[language()])


def show_datetime(value: datetime | None) -> str:
    """A stored (UTC) time shown in Beijing time, in the reader's language; '—' for none."""
    if value is None:
        return "—"
    return format_datetime(as_aware(value), _DATETIME[language()])


def show_number(value: Any, digits: int | None = None) -> str:
    """A number with thousands separators (and at most ``digits`` decimals); '—' for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if digits is not None:
        return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")
    return format_decimal(value)


def days_left(deadline: datetime | None) -> int | None:
    """Whole days until a deadline (0 on its last day, negative once passed); None for none."""
    if deadline is None:
        return None
    return (to_user_timezone(as_aware(deadline)).date() - to_user_timezone(utcnow()).date()).days


def label(vocabulary: str, value: Any) -> str:
    """The reader's word for a value of one of the workflow's vocabularies."""
    table = {"zone": ZONE_LABELS, "kind": KIND_LABELS, "phase": PHASE_LABELS, "status": STATUS_LABELS,
             "role": ROLE_LABELS}[vocabulary]
    text = table.get(value)
    return gettext(text) if text else str(value)


def query_with(args: Any, **changes: Any) -> str:
    """A query string: the request's arguments with some changed (``None`` removes one)."""
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in (args.items(multi=True) if hasattr(args, "items") else args)
             if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None and v != ""]
    return urlencode(pairs)


def register_formatting(app: Flask) -> None:
    """Make the formatting functions filters of every template."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.add_template_filter(query_with, "query_with")
    app.add_template_filter(show_date, "date")
    app.add_template_filter(show_datetime, "datetime")
    app.add_template_filter(show_number, "number")
    app.add_template_filter(localise, "localise")
    app.add_template_global(days_left)
    app.add_template_global(label)
