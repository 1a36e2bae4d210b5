"""The round's other printed documents, laid out and rendered like the dossier (the same renderer,
the same refusing URL fetcher, one CJK face, PDF/A-3u): an expert's score sheet of a round, to be
signed by hand (专家评分表), and a published shortlist as its public notice (公示名单).

The score sheet reads the expert's submitted reviews of the round and sums each review's scores by
level-1 section within the review's scope. The shortlist is laid out from a published list's frozen
content (what the shortlists feature serves), so the PDF says exactly what the public page says;
it is signed with the office's key like a dossier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.core import settings
from evaluator.dossiers import signing
from evaluator.dossiers.documents import CHINA, css_text
from evaluator.dossiers.render import render_pdf
from evaluator.extensions import db
from evaluator.reviews import service as reviews
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.workflow import AssignmentKind, AssignmentStatus, ReviewStatus

KIND_NAMES = {AssignmentKind.MATERIALS.value: "材料评审", AssignmentKind.ON_SITE.value: "现场查看"}
MAX_SHEET_ROWS = 500
"""The most reviews one score sheet lists (an expert's load in a round is a few dozen)."""


def _day(at: datetime) -> str:
    local = at.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日"


def _pts(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def reviewers_of(rnd: Round) -> list[tuple[int, str, int]]:
    """The round's experts with submitted reviews: (user id, name, reviews submitted), by name."""
    rows = db.session.execute(
        select(User.id, User.display_name, db.func.count(Review.id))
        .select_from(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .join(User, Assignment.reviewer_id == User.id)
        .where(Review.round_id == rnd.id, Review.status == ReviewStatus.SUBMITTED.value)
        .group_by(User.id, User.display_name)
        .order_by(User.display_name, User.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def score_sheet(rnd: Round, reviewer: User) -> dict[str, Any]:
    """What the expert's sheet shows: the sections, and per submitted review of an active
    assignment the unit, the kind of review, the points by section in scope and the total."""
    cs = round_criteria(rnd)
    sections = [(s.id, s.name) for s in cs.indicators]
    leaves = cs.expert_leaves
    found = db.session.execute(
        select(Assignment, Review)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Application, Assignment.application_id == Application.id)
        .where(
            Assignment.round_id == rnd.id,
            Assignment.reviewer_id == reviewer.id,
            Assignment.status == AssignmentStatus.ACTIVE.value,
            Review.status == ReviewStatus.SUBMITTED.value,
        )
        .order_by(Application.id, Assignment.kind)
        .limit(MAX_SHEET_ROWS)
    ).all()
    rows = []
    for assignment, review in found:
        scope = reviews.scope_of(assignment, rnd)
        values = reviews.score_array(review, len(leaves))
        by_section: dict[str, float | None] = {}
        for leaf, on, v in zip(leaves, scope.mask, values, strict=True):
            if on and not np.isnan(v):
                by_section[leaf.section] = (by_section.get(leaf.section) or 0.0) + float(v)
        rows.append(
            {
                "unit": assignment.application.organisation.name,
                "kind": KIND_NAMES.get(assignment.kind, "评审"),
                "sections": [_pts(by_section.get(sid)) for sid, _ in sections],
                "total": _pts(sum(by_section.values()) if by_section else None),
                "submitted": _day(review.submitted_at) if review.submitted_at else "—",
            }
        )
    return {"round": rnd.title, "expert": reviewer.display_name, "sections": sections, "rows": rows}


def score_sheet_pdf(rnd: Round, reviewer: User, when: datetime) -> bytes:
    """The expert's score sheet of the round as a PDF/A-3u, with lines for the signature."""
    sheet = score_sheet(rnd, reviewer)
    html = settings.template("dossiers/score_sheet.html").render(
        sheet=sheet, printed=_day(when), header_left=css_text(f"{sheet['round']} · 专家评分表")
    )
    return render_pdf(html, when=when)


def shortlist_pdf(content: dict[str, Any], sha256: str, objection_url: str | None, when: datetime) -> bytes:
    """A published list (its frozen content and the content's SHA-256) as the signed notice."""
    recognition = content.get("kind") == "recognition"
    name = "认定名单" if recognition else "公示名单"
    cohorts = {c.get("number"): c.get("zh", "") for c in content.get("cohorts") or []}
    title = f"{content.get('round', {}).get('title', '')}{name}（第{content.get('number')}版）"
    html = settings.template("dossiers/shortlist.html").render(
        content=content,
        name=name,
        title=title,
        cohorts=cohorts,
        sha256=sha256,
        objection_url=None if recognition else objection_url,
        pts=_pts,
        printed=_day(when),
        header_left=css_text(title),
    )
    pdf = render_pdf(html, when=when)
    return signing.sign(pdf, reason=title)
