"""Batch import of applications from XLSX or CSV, and the template to fill in.

One row per applicant: identity columns (the organisation's name and region) and one column per
criteria field, headed by its Chinese label (or its key). Rows count as in the spreadsheet (header
row 1; the template's explanation row 2 is skipped). Every problem is reported with its row and
column; nothing is written unless the whole file is valid. Imported applications are ``submitted``:
they come from the county and city vetting.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.service import check_region, create_organisation
from evaluator.applications import intake
from evaluator.applications.intake import HINT_MARK, IDENTITY
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_move
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.settings import config as settings_config
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.scoring.cells import blank_cells
from evaluator.scoring.errors import MAX_REPORTED, InputError
from evaluator.scoring.figures import column_for, parse_times, read_figures
from evaluator.spreadsheets import MB, SpreadsheetError, TableLimits, read_spreadsheet
from evaluator.validation import text_problem
from evaluator.workflow import KIND_NAMES, MOVES, OrgKind, kind_for_zone

MAX_ROWS = 5000
ALIASES = {"提交时间": "submitted_at"}


def _refuse(message: str) -> ServiceError:
    return ServiceError(422, message, {"file": [message]})


def upload_limits() -> TableLimits:
    """The limits of an uploaded spreadsheet, from the settings (IMPORT_MAX_*, MAX_UNZIPPED_MB)."""
    config = settings_config()
    return TableLimits(
        max_bytes=int(config["MAX_UPLOAD_MB"]) * MB,
        max_unzipped=int(config["MAX_UNZIPPED_MB"]) * MB,
        max_rows=int(config["IMPORT_MAX_ROWS"]),
        max_columns=int(config["IMPORT_MAX_COLUMNS"]),
        max_cells=int(config["IMPORT_MAX_CELLS"]),
        max_texts=int(config["IMPORT_MAX_TEXTS"]),
    )


def read_upload(data: bytes) -> pd.DataFrame:
    """The first sheet of an XLSX, or a CSV in UTF-8 (with or without BOM) or GB18030, as text cells.

    Read by the one spreadsheet reader within :func:`upload_limits`; a refusal is a 422 naming
    the file and the limit.
    """
    try:
        return read_spreadsheet(data, upload_limits())
    except SpreadsheetError as exc:
        raise _refuse(str(exc)) from None


def _one_text(messages: Any) -> str:
    """A field's errors that are not a list, as one text (a message stays a message)."""
    return messages if isinstance(messages, str) else str(messages)


def _cell(value: Any) -> str:
    """A cell as stripped text; whole numbers lose Excel's '.0' (region codes read as numbers)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class PlannedRow:
    """One valid row: who applies and with what."""

    row: int
    name: str
    organisation: Organisation | None
    new_organisation: dict[str, Any] | None
    figures: dict[str, Any]
    warnings: list[dict[str, str]]
    submitted_at: datetime | None
    application_id: int | None = None


@dataclass
class Plan:
    """Everything the file would create, or every problem it has."""

    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        """Record a problem (rows as in the spreadsheet)."""
        self.problems.append({"row": row, "column": column, "message": message})


def _headers(df: pd.DataFrame, rnd: Round, plan: Plan) -> dict[str, str]:
    """Rename identity columns to their keys; returns key → the header as written in the file."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    renamed = []
    for col in df.columns:
        text = str(col).strip()
        twin = re.fullmatch(r"(.+)\.[0-9]+", text)  # pandas renames a repeated header 'X' to 'X.1'
        if twin and twin.group(1) in seen:
            plan.problem(1, twin.group(1), msg("this column header appears twice"))
        seen.add(text)
        key = next((k for k, header, _ in IDENTITY if text in (k, header)), ALIASES.get(text, text))
        if key != text or key in {k for k, _, _ in IDENTITY}:
            names[key] = text
        renamed.append(key)
    df.columns = renamed
    if "name" not in names:
        plan.problem(1, None, msg("the header row has no 申报单位名称 (organisation name) column"))
    return names


def plan_import(rnd: Round, df: pd.DataFrame) -> Plan:
    """Check a whole file against the round; every problem is listed, nothing is written."""
    cs = round_criteria(rnd)
    plan = Plan()
    names = _headers(df, rnd, plan)
    if plan.problems:
        return plan
    keep = [pos for pos in range(len(df)) if any(_cell(v) for v in df.iloc[pos])]
    if keep and _cell(df.iloc[keep[0]]["name"]).startswith(HINT_MARK):
        keep = keep[1:]
    if not keep:
        plan.problem(None, None, msg("the file has no applicant rows"))
        return plan
    if len(keep) > MAX_ROWS:
        plan.problem(
            None,
            None,
            msg("the file has %(rows)s rows; import at most %(max)s at a time", rows=len(keep), max=MAX_ROWS),
        )
        return plan
    rows = [pos + 2 for pos in keep]  # spreadsheet rows
    data = df.iloc[keep].reset_index(drop=True)
    known = {k for k, _, _ in IDENTITY} | {"submitted_at"}
    for position, col in enumerate(data.columns):
        if col in known or column_for_any(cs, col) is not None:
            continue
        if not str(col).startswith("Unnamed"):
            plan.problem(1, str(col), msg("this column matches no field of the round's form"))
        elif any(_cell(v) for v in data[col]):
            plan.problem(
                1,
                get_column_letter(position + 1),
                msg("a column without a header holds data: give it a field's label"),
            )
    values = table_figures(cs, data, rows, names, plan)
    _organisations(rnd, data, rows, names, values, plan)
    plan.problems.sort(key=lambda p: (p["row"] or 0, p["column"] or ""))
    return plan


def column_for_any(cs: Any, col: str) -> str | None:
    """The field key a column header names, if any."""
    return next((f.key for f in cs.fields if column_for(f, pd.Index([col])) is not None), None)


def table_figures(
    cs: Any, data: pd.DataFrame, rows: list[int], names: dict[str, str], plan: Plan
) -> list[dict[str, Any]]:
    """Each row's clean figures (and submission time), reporting every bad cell.

    The table path of the figure checks: cells are read by ``scoring.figures.read_figures`` and the
    values then pass the same checks as figures sent as JSON (``intake.figures_errors``).
    """
    table_in = data.drop(columns=[c for c in ("id",) if c in data.columns]).assign(id=[str(r) for r in rows])
    try:
        table = read_figures(cs, table_in)
    except InputError as err:
        for e in err.errors:
            column = names.get(e.get("column"), e.get("column"))
            plan.problem(rows[e["row"] - 2] if e.get("row") else 1, column, e["message"])
        if err.omitted:
            plan.problem(None, None, msg("… and %(count)s more problems with the figures", count=err.omitted))
        return []
    headers = {f.key: column_for(f, data.columns) or f.key for f in cs.fields}
    # read_figures has checked the times; parse them again as datetimes (its int64 unit varies)
    times = None
    if "submitted_at" in data.columns:
        times = parse_times(data["submitted_at"].where(~blank_cells(data["submitted_at"])))
    out = []
    for i, row in enumerate(rows):
        raw = {k: v for k, v in table.values_of(i).items() if v is not None}
        for f in cs.fields:
            if f.type == "int" and f.key in raw:
                raw[f.key] = int(raw[f.key])
        clean, errors = intake.figures_errors(cs, raw, partial=False)
        for key, messages in errors.items():
            for message in messages if isinstance(messages, list) else [_one_text(messages)]:
                plan.problem(row, headers.get(key, key), message)
        at = None if times is None or pd.isna(times.iloc[i]) else times.iloc[i].to_pydatetime()
        if at is not None and at > utcnow():
            plan.problem(row, names.get("submitted_at", "submitted_at"), msg("the time is in the future"))
        out.append({"figures": clean, "submitted_at": at})
    return out


def _organisations(
    rnd: Round,
    data: pd.DataFrame,
    rows: list[int],
    names: dict[str, str],
    values: list[dict[str, Any]],
    plan: Plan,
) -> None:
    """Match or describe each row's organisation; duplicates and existing applications are errors."""
    kind = kind_for_zone(rnd.zone_type)
    wanted = [_cell(v) for v in data["name"]]
    found = {
        o.name: o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.name.in_({n for n in wanted if n}))
        )
    }
    applied = set(
        db.session.scalars(select(Application.organisation_id).where(Application.round_id == rnd.id))
    )
    first: dict[str, int] = {}
    head = names["name"]
    columns = {
        k: [_cell(v) for v in data[k]] if k in data.columns else [""] * len(data) for k, _, _ in IDENTITY[1:]
    }  # read column by column: a row lookup costs far more
    for i, (row, name) in enumerate(zip(rows, wanted, strict=True)):
        region = {k: cells[i] for k, cells in columns.items()}
        if not name:
            plan.problem(row, head, msg("every row needs the organisation's name"))
            continue
        if name in first:
            plan.problem(
                row,
                head,
                msg(
                    "%(name)s is already on row %(row)s: one application per organisation",
                    name=name,
                    row=first[name],
                ),
            )
            continue
        first[name] = row
        org, new = found.get(name), None
        if org is not None:
            if org.kind != kind:
                plan.problem(
                    row,
                    head,
                    msg(
                        "%(name)s is a %(registered)s; this round is for %(kind)s applicants",
                        name=name,
                        registered=KIND_NAMES.get(org.kind, org.kind),
                        kind=KIND_NAMES[kind],
                    ),
                )
            for key, given in region.items():
                if given and given != (getattr(org, key) or ""):
                    plan.problem(
                        row,
                        names.get(key, key),
                        msg(
                            "'%(given)s' differs from %(name)s's record ('%(recorded)s')",
                            given=given,
                            name=name,
                            recorded=getattr(org, key) or "",
                        ),
                    )
            if org.id in applied:
                plan.problem(row, head, msg("%(name)s already has an application in this round", name=name))
        else:
            new = _new_organisation(name, kind, region, row, names, plan)
        if values and i < len(values):
            figures = values[i]["figures"]
            plan.rows.append(
                PlannedRow(
                    row,
                    name,
                    org,
                    new,
                    figures,
                    intake.intake_warnings(round_criteria(rnd), figures),
                    values[i]["submitted_at"],
                )
            )


def _new_organisation(
    name: str, kind: str, region: dict[str, str], row: int, names: dict[str, str], plan: Plan
) -> dict[str, Any]:
    """The organisation a row creates, with every missing or bad region cell reported."""
    needed = ["city", "city_code", "county", "county_code"]
    if kind in (OrgKind.SUBDISTRICT, OrgKind.COMMUNITY):
        needed += ["subdistrict", "subdistrict_code"]
    header = {k: names.get(k, h) for k, h, _ in IDENTITY}
    before = len(plan.problems)
    if len(name) > 200:
        plan.problem(row, header["name"], msg("a name has at most 200 characters"))
    for key, value in (("name", name), *((k, region.get(k)) for k in ("city", "county", "subdistrict"))):
        if value and text_problem(value):  # the shared rule for stored text
            plan.problem(row, header[key], text_problem(value))
    for key in needed:
        if not region.get(key):
            plan.problem(
                row,
                header[key],
                msg("%(name)s is not registered yet: give its region to create it", name=name),
            )
    for key in ("city", "county", "subdistrict"):
        if region.get(key) and not 2 <= len(region[key]) <= 100:
            plan.problem(row, header[key], msg("a place name has 2 to 100 characters"))
    if len(plan.problems) == before:
        data = {k: region.get(k) or None for k in ("subdistrict", "subdistrict_code", "community_code")}
        data.update({k: region[k] for k in ("city", "city_code", "county", "county_code")})
        for key, messages in check_region(data).items():
            for message in messages:
                plan.problem(row, header[key], message)
        return {"name": name, "kind": kind, **data}
    return {}


def run_import(actor: User, rnd: Round, data: bytes, dry_run: bool) -> dict[str, Any]:
    """Check a file and, unless ``dry_run``, create its applications (all or none)."""
    check_move("import", None, rnd)
    plan = plan_import(rnd, read_upload(data))
    if plan.problems:
        shown = plan.problems[:MAX_REPORTED]
        more = len(plan.problems) - len(shown)
        if more:
            message = msg(
                "%(count)s problem(s) in the file; nothing was imported. The first %(shown)s are listed.",
                count=len(plan.problems),
                shown=len(shown),
            )
        else:
            message = msg("%(count)s problem(s) in the file; nothing was imported.", count=len(plan.problems))
        raise ServiceError(422, message, {"rows": shown})
    sha256 = hashlib.sha256(data).hexdigest()
    if not dry_run:
        try:
            for planned in plan.rows:
                _apply(actor, rnd, planned, sha256)
        except (IntegrityError, ServiceError) as exc:
            # another request created one of these meanwhile; the request rolls back
            if isinstance(exc, ServiceError) and exc.status != 409:
                raise
            raise ServiceError(
                409,
                msg(
                    "Applications or organisations changed while importing; nothing was imported. Try again."
                ),
            ) from None
    return {
        "dry_run": dry_run,
        "status": MOVES["import"].target.value,
        "applications": len(plan.rows),
        "organisations_created": sum(1 for r in plan.rows if r.organisation is None),
        "file_sha256": sha256,
        "rows": plan.rows,
    }


def _apply(actor: User, rnd: Round, planned: PlannedRow, sha256: str) -> None:
    org = planned.organisation
    if org is None:
        org = create_organisation(actor, planned.new_organisation, source="import", file_sha256=sha256)
    app = Application(
        round_id=rnd.id,
        organisation_id=org.id,
        status=MOVES["import"].target,
        figures=planned.figures,
        self_assessment={},
        warnings=planned.warnings,
        submitted_at=planned.submitted_at or utcnow(),
    )
    db.session.add(app)
    db.session.flush()
    planned.application_id = app.id
    audit.record(
        actor,
        "application.imported",
        "application",
        app.id,
        {
            "round_id": rnd.id,
            "organisation": org.name,
            "row": planned.row,
            "file_sha256": sha256,
            "status": {"before": None, "after": MOVES["import"].target.value},
            "warnings": len(planned.warnings),
        },
    )
