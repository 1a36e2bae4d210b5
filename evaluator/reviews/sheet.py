"""What a reviewer reads to score: the scoring sheet of an assignment (the application's figures and
materials, the indicators of the scope with their guidance, how they are checked, the evidence they
ask for and their bounds) and the queue of the reviewer's assignments with progress.

Blind mode (``settings_of(round).blind``): a reviewer never sees the applicant's identity — no
organisation name, no region below the city, and the materials' file names replaced by neutral
ones (the kind of material and a number). The office always sees everything. Other reviewers of
the panel are never named to a reviewer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application, Material
from evaluator.assignments.models import Assignment
from evaluator.extensions import db
from evaluator.i18n import language, localise
from evaluator.messages import msg
from evaluator.reviews.models import Review
from evaluator.reviews.service import Scope, progress, scope_of
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.workflow import AssignmentStatus, Role

INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def is_blind_for(actor: User, rnd: Round) -> bool:
    """Whether the applicant's identity is hidden from this reader in this round."""
    return actor.role == Role.REVIEWER and settings_of(rnd).blind


def identity(actor: User, app: Application) -> dict[str, Any]:
    """The applicant as this reader may see it: name and region (blind: a neutral name, the city)."""
    org: Organisation = app.organisation
    if is_blind_for(actor, app.round):
        return {
            "name": localise(msg("Application %(id)s", id=app.id)),
            "blind": True,
            "kind": org.kind,
            "city": org.city,
            "city_code": org.city_code,
            "county": None,
            "county_code": None,
            "subdistrict": None,
        }
    return {
        "name": org.name,
        "blind": False,
        "kind": org.kind,
        "city": org.city,
        "city_code": org.city_code,
        "county": org.county,
        "county_code": org.county_code,
        "subdistrict": org.subdistrict,
    }


def material_name(material: Material, number: int, blind: bool, names: dict[str, str]) -> str:
    """A material's display name: its file name, or in blind mode its kind and a number."""
    if not blind:
        return material.filename
    ext = material.filename.rpartition(".")[2].lower() if "." in material.filename else ""
    kind = names.get(material.material_key or "") or localise(msg("Material"))
    return f"{kind} {number}" + (f".{ext}" if ext.isascii() and ext.isalnum() and len(ext) <= 5 else "")


def materials_of(
    actor: User, app: Application, scope: Scope, assignment_id: int | None = None
) -> list[dict[str, Any]]:
    """The application's materials, oldest first, named as this reader may see them; with an
    assignment, downloaded through it (the reviewer's way, blind rounds included)."""
    blind = is_blind_for(actor, app.round)
    english = language() == "en"
    names = {m.key: (m.name_en if english and m.name_en else m.name) for m in scope.criteria.materials}
    rows = db.session.scalars(
        select(Material).where(Material.application_id == app.id).order_by(Material.id)
    ).all()
    via = f"/api/v1/assignments/{assignment_id}/materials/" if assignment_id else "/api/v1/materials/"
    return [
        {
            "id": m.id,
            "name": material_name(m, i, blind, names),
            "content_type": m.content_type,
            "size": m.size,
            "material_key": m.material_key,
            "indicator_id": m.indicator_id,
            "inline": m.content_type in INLINE_TYPES,
            "download_url": f"{via}{m.id}",
        }
        for i, m in enumerate(rows, start=1)
    ]


def indicators_of(scope: Scope) -> list[dict[str, Any]]:
    """The indicators of the scope: name, section, guidance, how checked, evidence asked, bounds."""
    cs = scope.criteria
    sections = {s.id: s for s in cs.indicators}
    materials = {m.key: m for m in cs.materials}
    rows = []
    for leaf in scope.leaves:
        section = sections.get(leaf.section)
        rows.append(
            {
                "id": leaf.id,
                "name": leaf.name,
                "name_en": leaf.name_en,
                "path": leaf.path,
                "section": leaf.section,
                "section_name": section.name if section else leaf.section,
                "section_name_en": section.name_en if section else leaf.section,
                "guidance": leaf.guidance,
                "guidance_en": leaf.guidance_en,
                "check": list(leaf.check),
                "points": leaf.points,
                "min": 0,
                "evidence": [
                    {
                        "key": k,
                        "name": materials[k].name if k in materials else k,
                        "name_en": materials[k].name_en if k in materials else k,
                    }
                    for k in leaf.evidence
                ],
            }
        )
    return rows


def figures_of(app: Application, scope: Scope) -> list[dict[str, Any]]:
    """The application's figures in the form's order, with their labels and units."""
    figures = app.figures or {}
    return [
        {
            "key": f.key,
            "label": f.label,
            "label_en": f.label_en,
            "unit": f.unit,
            "unit_en": f.unit_en,
            "type": f.type,
            "value": figures.get(f.key),
        }
        for f in scope.criteria.fields
        if f.key in figures
    ]


def sheet(actor: User, assignment: Assignment) -> dict[str, Any]:
    """Everything the reviewer needs to score the assignment (blind-aware)."""
    app = assignment.application
    scope = scope_of(assignment)
    cs = scope.criteria
    bonus = cs.bonus_map
    vetoes = {v.flag: v for v in cs.vetoes if v.flag}
    rnd = app.round
    return {
        "assignment_id": assignment.id,
        "kind": assignment.kind,
        "status": assignment.status,
        "round": {
            "id": rnd.id,
            "title": rnd.title,
            "phase": rnd.phase,
            "review_deadline": rnd.review_deadline,
        },
        "application": {
            "id": app.id,
            "status": app.status,
            "applicant": identity(actor, app),
            "figures": figures_of(app, scope),
            "bonus_claims": [
                {"id": b, "name": bonus[b].name, "name_en": bonus[b].name_en, "points": bonus[b].points}
                for b in scope.claimed
            ],
        },
        "materials": materials_of(actor, app, scope, assignment.id),
        "indicators": indicators_of(scope),
        "veto_flags": [
            {"flag": f, "reason": vetoes[f].reason, "reason_en": vetoes[f].reason_en} for f in scope.flags
        ],
        "blind": is_blind_for(actor, rnd),
    }


@dataclass
class QueueRow:
    """One assignment in a reviewer's queue."""

    assignment: Assignment
    name: str
    city: str | None
    review: Review | None
    scored: int
    total: int

    @property
    def status(self) -> str:
        """not_started, draft or submitted."""
        return "not_started" if self.review is None else self.review.status


def queue(actor: User) -> list[tuple[Round, list[QueueRow]]]:
    """The reviewer's active assignments by round (newest round first), with progress."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.reviewer_id == actor.id, Assignment.status == AssignmentStatus.ACTIVE.value)
        .order_by(Assignment.round_id.desc(), Assignment.id)
    ).all()
    ids = [a.id for a in assignments]
    reviews = (
        {
            r.assignment_id: r
            for r in db.session.scalars(select(Review).where(Review.assignment_id.in_(ids))).all()
        }
        if ids
        else {}
    )
    grouped: dict[int, list[QueueRow]] = defaultdict(list)
    rounds: dict[int, Round] = {}
    for a in assignments:
        rounds[a.round_id] = a.application.round
        review = reviews.get(a.id)
        scored, total = progress(review, scope_of(a))
        who = identity(actor, a.application)
        grouped[a.round_id].append(QueueRow(a, who["name"], who["city"], review, scored, total))
    return [(rounds[rid], rows) for rid, rows in grouped.items()]
