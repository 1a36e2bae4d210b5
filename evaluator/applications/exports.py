"""Exports of a round's application list: the table the office filtered, every page of it, as CSV or
XLSX with Chinese headers (the spreadsheet is a document of the provincial office).

The rows come from ``applications.list_query`` with the same filters and order as the page and the
API list, so an export always equals the filtered table. Columns: 序号 (the row's position), 单位名称,
所属市州, 区县, 街道, 状态, 提交时间 (Beijing time), then one column per criteria field, headed by its
Chinese label and unit.

No cell is ever a live formula. Text that a spreadsheet would read as a formula or a DDE call —
beginning with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab, a carriage return or a
line feed, also after leading spaces — is neutralised by ``neutralise``: in CSV it is prefixed with
an apostrophe (the customary defence: Excel and LibreOffice then show it as text); in XLSX it is
written as a string cell with the "quote prefix" style, never as a formula, so the value is kept
exactly. Numbers stay numbers (a negative figure is data, not a formula).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext

from evaluator.accounts.models import User
from evaluator.applications import service as applications
from evaluator.applications.models import Application
from evaluator.core.db import as_aware
from evaluator.core.paging import count_rows
from evaluator.core.settings import number
from evaluator.criteria.model import Field
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.spreadsheets.export import FORMATS, Export, to_csv, to_xlsx
from evaluator.workflow import STATUS_LABELS

BEIJING = ZoneInfo("Asia/Shanghai")
IDENTITY_HEADERS = ("序号", "单位名称", "所属市州", "区县", "街道", "状态", "提交时间")


def field_header(f: Field, duplicate: bool = False) -> str:
    """A figure's column header: its Chinese label, its key when the label repeats, its unit."""
    head = f"{f.label}（{f.key}）" if duplicate else f.label
    return f"{head}（{f.unit}）" if f.unit else head


def figure_cell(f: Field, value: Any) -> Any:
    """A stored figure as the spreadsheet shows it: numbers as numbers, choices by Chinese label."""
    if value is None or value == "" or value == []:
        return None
    if f.type == "bool":
        return "是" if value else "否"
    names = {c.value: c.label for c in f.choices}
    if f.type == "enum":
        return names.get(value, value)
    if f.type == "multi":
        return "；".join(names.get(v, v) for v in value)
    return value if f.numeric else str(value)


def beijing_time(at: datetime | None) -> str | None:
    """A stored time as Beijing wall-clock time, ``2026-12-01 14:30``."""
    return as_aware(at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if at is not None else None


def status_name(status: str) -> str:
    """The status in Chinese (the export is in Chinese whatever the reader's language)."""
    label = STATUS_LABELS.get(status)
    if label is None:
        return status
    with force_locale("zh"):
        return gettext(label)


def table(actor: User, rnd: Round, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the round's applications the actor may see, filtered and ordered as
    ``applications.list_query`` does (every row, no pages)."""
    cs = round_criteria(rnd)
    labels = [f.label for f in cs.fields]
    header = [*IDENTITY_HEADERS, *(field_header(f, labels.count(f.label) > 1) for f in cs.fields)]
    query = applications.list_query(actor, rnd, **filters)
    most = number("EXPORT_MAX_ROWS")
    if count_rows(query) > most:
        raise ServiceError(
            422,
            msg(
                "An export holds at most %(count)s rows; narrow the filters (a city, a "
                "county, a status) and export the parts.",
                count=most,
            ),
        )
    rows: list[list[Any]] = []
    for k, app in enumerate(db.session.scalars(query), start=1):
        rows.append(row(k, app, cs.fields))
    return header, rows


def row(number: int, app: Application, fields_: tuple[Field, ...]) -> list[Any]:
    """One application's row."""
    org = app.organisation
    figures = app.figures or {}
    return [
        number,
        org.name,
        org.city,
        org.county,
        org.subdistrict or "",
        status_name(app.status),
        beijing_time(app.submitted_at),
        *(figure_cell(f, figures.get(f.key)) for f in fields_),
    ]


def export(actor: User, rnd: Round, fmt: str, **filters: Any) -> Export:
    """The filtered application list of a round as a CSV or XLSX file (``fmt``: csv or xlsx)."""
    header, rows = table(actor, rnd, **filters)
    data = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows)
    return Export(data, FORMATS[fmt], f"{rnd.title}-申报单位一览.{fmt}", f"round-{rnd.id}-applications")
