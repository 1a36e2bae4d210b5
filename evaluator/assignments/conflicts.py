"""Which reviewers a round's conflict rules exclude from an application, and which rules a manual add
would break (conflicts, a recusal, a full panel, the load cap)."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.assignment import AssignmentProblem, conflict_matrices
from evaluator.assignments.data import (
    ACTIVE,
    active_reviewers_query,
    default_cap,
    load_applications,
    load_roster,
    panel_size,
    rules_of,
    section_ids,
)
from evaluator.assignments.declarations import accepted_pairs
from evaluator.assignments.models import Assignment
from evaluator.assignments.report import reviewer_loads
from evaluator.core.paging import count_rows
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.workflow import AssignmentStatus, Status

RULE_LABELS = {
    "region": N_("same region"),
    "affiliation": N_("same affiliation"),
    "declared": N_("declared conflict (accepted)"),
}
_RULE_TEXT = {
    "region": N_("%(reviewer)s is from the same region as the application."),
    "affiliation": N_("%(reviewer)s shares an affiliation with the application."),
    "declared": N_("%(reviewer)s has an accepted declared conflict with the application's organisation."),
    "recused": N_("%(reviewer)s recused from this application."),
    "panel_full": N_("The panel already has its %(need)s reviewers."),
    "max_load": N_("%(reviewer)s already has %(load)s assignments, the round's maximum."),
}


def application_conflicts(rnd: Round, application_id: int) -> dict[int, list[str]]:
    """For one application under review: each reviewer it excludes → the rules that exclude them
    (``region``, ``affiliation``, ``declared``) under the round's rules."""
    apps, roster = load_applications(rnd, [application_id]), load_roster(rnd)
    if not apps.ids or not roster.ids:
        return {}
    settings = settings_of(rnd)
    on_roster = set(roster.ids)
    declared = [(a, r) for a, r in accepted_pairs(rnd, [application_id]) if r in on_roster]
    problem = AssignmentProblem(
        application_ids=apps.ids,
        application_counties=apps.counties,
        application_affiliations=apps.affiliations,
        reviewer_ids=roster.ids,
        reviewer_regions=roster.regions,
        reviewer_affiliations=roster.affiliations,
        reviewer_expertise=roster.expertise,
        sections=section_ids(rnd),
        conflicts=declared,
        per_application=1,
        rules=rules_of(settings),
    )
    m = conflict_matrices(problem)
    out: dict[int, list[str]] = {}
    for j, rev in enumerate(roster.ids):
        rules = [
            name
            for name, matrix in (
                ("region", m.region),
                ("affiliation", m.affiliation),
                ("declared", m.declared),
            )
            if matrix[0, j]
        ]
        if rules:
            out[rev] = rules
    return out


def active_load(rnd: Round, reviewer_id: int, kind: str) -> int:
    """A reviewer's active assignments of a kind in the round (``reviewer_loads``)."""
    return reviewer_loads(rnd, kind, reviewer_id).get(reviewer_id, 0)


def panel_rows(application_id: int, kind: str) -> list[Assignment]:
    """Every assignment of an application of a kind, in any status."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.application_id == application_id, Assignment.kind == kind)
            .order_by(Assignment.id)
        )
    )


def round_cap(rnd: Round, kind: str) -> int:
    """The round's load cap for a kind: its setting, or the even share of the round plus one."""
    settings = settings_of(rnd)
    if settings.max_load:
        return settings.max_load
    apps = (
        db.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.round_id == rnd.id, Application.status == Status.UNDER_REVIEW.value)
        )
        or 0
    )
    reviewers = count_rows(active_reviewers_query())
    return default_cap(apps, panel_size(settings, kind), reviewers)


def add_conflicts(rnd: Round, application: Application, reviewer: User, kind: str) -> list[str]:
    """The rules a manual add of this pair would break (empty: none)."""
    found = list(application_conflicts(rnd, application.id).get(reviewer.id, []))
    panel = panel_rows(application.id, kind)
    if any(a.reviewer_id == reviewer.id and a.status == AssignmentStatus.RECUSED.value for a in panel):
        found.append("recused")
    if sum(a.status == ACTIVE for a in panel) >= panel_size(settings_of(rnd), kind):
        found.append("panel_full")
    if active_load(rnd, reviewer.id, kind) >= round_cap(rnd, kind):
        found.append("max_load")
    return found


def conflict_messages(rnd: Round, reviewer: User, kind: str, rules: list[str]) -> list[str]:
    """Each broken rule of a manual add as a sentence."""
    need = panel_size(settings_of(rnd), kind)
    load = active_load(rnd, reviewer.id, kind)
    return [msg(_RULE_TEXT[r], reviewer=reviewer.display_name, need=need, load=load) for r in rules]
