"""Results as spreadsheets (XLSX and CSV, Chinese headers): the results table and every score
with its reviewer and indicator.

The results table shows computed points as people read them (``results.service.shown``: 2
decimals, rounded half up); the scores are given as the reviewers entered them.

Cells go through ``applications.exports``' writers, so no cell is ever a live formula (text that begins
with =, +, -, @, a tab or a line break is made inert) and the CSV is UTF-8 with a BOM for Excel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask_babel import force_locale, gettext
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.core.settings import number
from evaluator.criteria.scope import expert_scope
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results import service as results
from evaluator.results.inputs import counted_reviews
from evaluator.results.models import ResultSnapshot
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.spreadsheets.export import FORMATS, Export, to_csv, to_xlsx
from evaluator.workflow import RESULT_STATUS_LABELS, AssignmentKind

SUMMARY_HEAD = ("序号", "单位名称", "所属市州", "区县")
SUMMARY_TAIL = ("总分", "未校准总分", "等次", "排名", "状态", "评审数", "意见分歧")
SCORES_HEAD = (
    "序号",
    "单位名称",
    "所属市州",
    "区县",
    "评审专家",
    "评审类型",
    "指标编号",
    "指标名称",
    "所属一级指标",
    "满分",
    "评分",
)
KIND_NAMES = {AssignmentKind.MATERIALS.value: "材料评审", AssignmentKind.ON_SITE.value: "现场查看"}


def _limit(count: int) -> None:
    most = number("EXPORT_MAX_ROWS")
    if count > most:
        raise ServiceError(
            422,
            msg(
                "An export holds at most %(count)s rows; narrow the filters (a city, a "
                "county, a status) and export the parts.",
                count=most,
            ),
        )


def summary_table(rnd: Round, snapshot: ResultSnapshot, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """序号, 单位名称, 所属市州, 区县, one column per level-1 section, 总分, 等次, 排名, 状态 …"""
    cs = round_criteria(rnd)
    header = [*SUMMARY_HEAD, *(s.name for s in cs.indicators), *SUMMARY_TAIL]
    grades = {g.code: g.label for g in cs.grades}
    with force_locale("zh"):  # the export is in Chinese whatever the reader's language
        statuses = {s: gettext(label) for s, label in RESULT_STATUS_LABELS.items()}
    rows: list[list[Any]] = []
    lines = db.session.execute(results.lines_query(snapshot, **filters)).all()
    _limit(len(lines))
    for k, (line, _app, org) in enumerate(lines, start=1):
        sections = line.sections or {}
        rows.append(
            [
                k,
                org.name,
                org.city,
                org.county,
                *(results.shown(sections.get(s.id)) for s in cs.indicators),
                results.shown(line.total),
                results.shown(line.raw_total),
                grades.get(line.grade or "", ""),
                line.rank,
                statuses.get(line.status, line.status),
                line.n_reviews,
                "是" if line.disagreement else "否",
            ]
        )
    return header, rows


def scores_table(rnd: Round) -> tuple[list[str], list[list[Any]]]:
    """Every counted score: the application, the reviewer by name, the indicator and the score."""
    from evaluator.rounds.settings import settings_of

    cs = round_criteria(rnd)
    experts = cs.expert_leaves
    sections = {s.id: s.name for s in cs.indicators}
    on_site = settings_of(rnd).on_site_group
    scope = {k: expert_scope(cs, k, on_site) for k in KIND_NAMES}
    found = db.session.execute(
        select(
            Organisation.name,
            Organisation.city,
            Organisation.county,
            User.display_name,
            Assignment.kind,
            Review.scores,
        )
        .select_from(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .join(Application, Assignment.application_id == Application.id)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .join(User, Assignment.reviewer_id == User.id)
        .where(*counted_reviews(rnd))
        .order_by(Application.id, User.display_name, Assignment.kind)
    ).all()
    _limit(len(found) * max(1, len(experts)))
    rows: list[list[Any]] = []
    k = 0
    for name, city, county, reviewer, kind, raw in found:
        if len(raw or b"") != 8 * len(experts):
            continue
        values = np.frombuffer(raw, dtype="<f8")
        mask = scope.get(kind, np.zeros(len(experts), dtype=bool))
        for j in np.flatnonzero(mask & ~np.isnan(values)):
            leaf = experts[j]
            k += 1
            rows.append(
                [
                    k,
                    name,
                    city,
                    county,
                    reviewer,
                    KIND_NAMES.get(kind, kind),
                    leaf.id,
                    leaf.name,
                    sections.get(leaf.section, leaf.section),
                    float(leaf.points),
                    float(values[j]),
                ]
            )
    return list(SCORES_HEAD), rows


def export(rnd: Round, fmt: str, detail: str = "summary", **filters: Any) -> Export:
    """The newest snapshot's results table (``detail=summary``) or every score (``detail=scores``)."""
    snapshot = results.latest_or_404(rnd)
    if detail == "scores":
        header, rows = scores_table(rnd)
        name, sheet, fallback = "评分明细", "评分明细", "scores"
    else:
        header, rows = summary_table(rnd, snapshot, **filters)
        name, sheet, fallback = "评审结果", "评审结果", "results"
    data = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, sheet_title=sheet)
    return Export(data, FORMATS[fmt], f"{rnd.title}-{name}.{fmt}", f"round-{rnd.id}-{fallback}")
