"""How the pages show values: dates the Chinese way (2026年12月1日), times in Beijing time, numbers
with thousands separators, and the labels of the workflow's vocabularies — in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale, dates, numbers
from flask import Flask, has_request_context, request
from flask_babel import get_locale, get_timezone, get_translations, gettext, ngettext
from markupsafe import Markup

from evaluator.accounts.affiliation import BUREAU
from evaluator.accounts.affiliation import describe as describe_affiliation
from evaluator.accounts.places import place_names
from evaluator.core.db import as_aware, utcnow
from evaluator.criteria.labels import vocabularies
from evaluator.i18n import LIST_SEPARATOR, criteria_text, join_list, language, localise
from evaluator.workflow import (
    ASSIGNMENT_KIND_LABELS,
    ASSIGNMENT_SOURCE_LABELS,
    CONFLICT_SIDE_LABELS,
    CONFLICT_STATUS_LABELS,
    KIND_LABELS,
    LIST_KIND_LABELS,
    LIST_STATE_LABELS,
    NOTICE_RULE_LABELS,
    OBJECTION_STATE_LABELS,
    PHASE_LABELS,
    REGION_ACT_LABELS,
    REGION_LEVEL_LABELS,
    REMEDY_LABELS,
    RESULT_STATUS_LABELS,
    ROLE_LABELS,
    STAGE_LABELS,
    STAGE_STATE_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    AssignmentKind,
    AssignmentSource,
    AssignmentStatus,
    OrgKind,
    Phase,
    RegionAct,
    RegionLevel,
    ResultStatus,
    ReviewStatus,
    Role,
    Stage,
    StageState,
    Status,
    ZoneType,
)

VOCABULARIES = (
    ZoneType,
    OrgKind,
    Phase,
    Status,
    Role,
    RegionLevel,
    RegionAct,
    AssignmentKind,
    AssignmentStatus,
    AssignmentSource,
    ReviewStatus,
    ResultStatus,
    Stage,
    StageState,
)
"""The workflow's vocabularies, which templates compare with by name (``rnd.phase == Phase.OPEN``)."""

# Babel's patterns: zh 2026年12月1日 14:30, en 1 Dec 2026, 14:30.
_DATE = {"zh": "y年M月d日", "en": "d MMM y"}
_DATETIME = {"zh": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}


@dataclass(frozen=True)
class _Reader:
    """What formatting needs of the reader, looked up once per request (a table page formats
    hundreds of values; asking Flask-Babel each time costs more than rendering the row)."""

    language: str
    locale: Locale
    zone: tzinfo
    translations: Any


def _reader() -> _Reader:
    if has_request_context():
        cached = request.environ.get(_READER)
        if cached is not None:  # the language is settled before a page renders
            return cached
    reader = _Reader(language(), get_locale() or Locale.parse("zh"), get_timezone(), get_translations())
    if has_request_context():
        request.environ[_READER] = reader
    return reader


_READER = "evaluator.formatting.reader"


def _local(value: datetime, zone: tzinfo) -> datetime:
    return as_aware(value).astimezone(zone)


def show_date(value: date | datetime | None) -> str:
    """A date (or the local date of a time) in the reader's language; '—' for none."""
    if value is None:
        return "—"
    reader = _reader()
    if isinstance(value, datetime):
        value = _local(value, reader.zone).date()
    return dates.format_date(value, _DATE[reader.language], locale=reader.locale)


def show_datetime(value: datetime | None) -> str:
    """A stored (UTC) time shown in Beijing time, in the reader's language; '—' for none."""
    if value is None:
        return "—"
    reader = _reader()
    return dates.format_datetime(_local(value, reader.zone), _DATETIME[reader.language], locale=reader.locale)


def show_number(value: Any, digits: int | None = None, fixed: bool = False) -> str:
    """A number with thousands separators (and at most ``digits`` decimals, or exactly ``digits``
    when ``fixed``: a column whose figures line up); '—' for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    pattern = None if digits is None else ("#,##0." + ("0" if fixed else "#") * digits if digits else "#,##0")
    return numbers.format_decimal(value, format=pattern, locale=_reader().locale)


def show_points(value: Any, digits: int = 2, bracketed: bool = False) -> str:
    """Points with their word in the reader's language — "1 point", "2.5 points", "3 分" — and,
    ``bracketed``, as a remark in the language's brackets (``parenthesised``): " (1 point)", "（3 分）"."""
    shown = show_number(value, digits)
    one = value is not None and shown == show_number(1, digits)  # singular as it is shown: 1.00
    text = ngettext("%(points)s point", "%(points)s points", 1 if one else 2, points=shown)
    return parenthesised(text) if bracketed else text


def days_left(deadline: datetime | None) -> int | None:
    """Whole days until a deadline (0 on its last day, negative once passed); None for none."""
    if deadline is None:
        return None
    zone = _reader().zone
    return (_local(deadline, zone).date() - _local(utcnow(), zone).date()).days


def label(vocabulary: str, value: Any) -> str:
    """The reader's word for a value of one of the workflow's vocabularies, or of a criteria file's
    (``method``, ``field_type``, ``allocation``, ``calibration``: ``criteria.labels``)."""
    criteria = vocabularies()
    if vocabulary in criteria:
        text = criteria[vocabulary].get(value)
        return _reader().translations.gettext(text) if text else str(value)
    table = {
        "zone": ZONE_LABELS,
        "kind": KIND_LABELS,
        "phase": PHASE_LABELS,
        "status": STATUS_LABELS,
        "role": ROLE_LABELS,
        "level": REGION_LEVEL_LABELS,
        "act": REGION_ACT_LABELS,
        "assignment_kind": ASSIGNMENT_KIND_LABELS,
        "source": ASSIGNMENT_SOURCE_LABELS,
        "result": RESULT_STATUS_LABELS,
        "conflict": CONFLICT_STATUS_LABELS,
        "conflict_side": CONFLICT_SIDE_LABELS,
        "stage": STAGE_LABELS,
        "stage_state": STAGE_STATE_LABELS,
        "list_kind": LIST_KIND_LABELS,
        "list_state": LIST_STATE_LABELS,
        "notice_rule": NOTICE_RULE_LABELS,
        "objection": OBJECTION_STATE_LABELS,
        "remedy": REMEDY_LABELS,
    }[vocabulary]
    text = table.get(value)
    return _reader().translations.gettext(text) if text else str(value)


def colon() -> str:
    """The colon after a label in the reader's language: full-width in Chinese (已提交：2)."""
    return "：" if _reader().language == "zh" else ": "


def separator() -> str:
    """What separates the items of a list in the reader's language (``i18n.LIST_SEPARATOR``, as
    ``join_list`` uses it): 、 in Chinese."""
    return LIST_SEPARATOR.get(_reader().language, ", ")


def parenthesised(text: Any) -> Markup:
    """A remark in parentheses in the reader's language: full-width in Chinese (（评分结束）),
    after a space in English; the text escaped unless it is markup already."""
    if _reader().language == "zh":
        return Markup("（%s）") % text
    return Markup(" (%s)") % text


def affiliation_text(value: str | None) -> str:
    """A reviewer's stored affiliation in words: a county's bureau by the county's name."""
    if not (value or "").startswith(BUREAU):
        return describe_affiliation(value)
    return describe_affiliation(value, _place_names())


_PLACES = "evaluator.formatting.places"


def _place_names() -> dict[str, str]:
    """The places' names by code, looked up once per request (a list page shows one per row)."""
    names = request.environ.get(_PLACES) if has_request_context() else None
    if names is None:
        names = place_names()
        if has_request_context():
            request.environ[_PLACES] = names
    return names


def place_text(code: str | None) -> str:
    """A stored region code by its place's name (a county with its city's); the code itself when no
    registered place has it; '—' for none."""
    if not code:
        return "—"
    return _place_names().get(code, code)


def query_with(args: Any, **changes: Any) -> str:
    """A query string: the request's arguments with some changed (``None`` removes one)."""
    from urllib.parse import urlencode

    pairs = [
        (k, v) for k, v in (args.items(multi=True) if hasattr(args, "items") else args) if k not in changes
    ]
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
    app.add_template_filter(show_points, "points")
    app.add_template_filter(localise, "localise")
    app.add_template_filter(criteria_text, "criteria_text")
    app.add_template_filter(join_list, "join_list")
    app.add_template_filter(parenthesised, "paren")
    app.add_template_filter(affiliation_text, "affiliation")
    app.add_template_filter(place_text, "place")
    app.add_template_global(days_left)
    app.add_template_global(label)
    app.add_template_global(colon)
    app.add_template_global(separator)
    app.jinja_env.globals.update({v.__name__: v for v in VOCABULARIES})
