"""Lists, entries and objections as the API and the pages show them (one shape for both channels)."""

from __future__ import annotations

from typing import Any

from evaluator.extensions import db
from evaluator.i18n import bilingual_text, localise
from evaluator.messages import Bilingual
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.shortlists import service, words
from evaluator.shortlists.models import Objection, Shortlist
from evaluator.workflow import ListState


def shortlist_info(shortlist: Shortlist, checked: bool = True) -> dict[str, Any]:
    """A list's facts: kind, version, state, what supersedes what, the notice, hashes and counts."""
    newer = service.superseded_by(shortlist.id)
    older = db.session.get(Shortlist, shortlist.supersedes_id) if shortlist.supersedes_id else None
    published = shortlist.state == ListState.PUBLISHED
    check = service.verify(shortlist) if published and checked else None
    return {
        "id": shortlist.id,
        "round_id": shortlist.round_id,
        "kind": shortlist.kind,
        "number": shortlist.number,
        "state": shortlist.state,
        "supersedes": older.number if older is not None else None,
        "superseded_by": newer[1] if newer else None,
        "superseded_by_id": newer[0] if newer else None,
        "correction_reason": shortlist.correction_reason,
        "results_snapshot_id": shortlist.results_snapshot_id,
        "results_sha256": shortlist.results_sha256,
        "criteria_sha256": shortlist.criteria_sha256,
        "rules": shortlist.rules,
        "notice_rule": shortlist.notice_rule,
        "notice_days": shortlist.notice_days,
        "extra_holidays": shortlist.extra_holidays,
        "extra_workdays": shortlist.extra_workdays,
        "notice_starts": shortlist.notice_starts,
        "notice_ends": shortlist.notice_ends,
        "notice": service.notice_state(shortlist) if published else None,
        "sha256": shortlist.sha256,
        "verified": check.intact if check is not None else None,
        "tampered": check is not None and not check.intact,
        "created_at": shortlist.created_at,
        "published_at": shortlist.published_at,
        "version": shortlist.version,
    }


def entry_lines(shortlist: Shortlist, rnd: Round) -> list[dict[str, Any]]:
    """A list's entries, each with its organisation, place, figures and why it is in or out."""
    needed = round_criteria(rnd).aggregation.min_reviews
    grades = {g.code: g for g in round_criteria(rnd).grades}
    out = []
    listed = 0
    for entry, app, org in service.entries(shortlist):
        cohort = bilingual_text(Bilingual(entry.cohort_zh, entry.cohort_en))
        listed += entry.selected
        grade = grades.get(entry.grade)
        out.append(
            {
                "application_id": app.id,
                "no": listed if entry.selected else None,
                "organisation": org.name,
                "city": org.city,
                "city_code": org.city_code,
                "county": org.county,
                "cohort": entry.cohort,
                "cohort_label": cohort,
                "cohort_rank": entry.cohort_rank,
                "cohort_size": entry.cohort_size,
                "rank": entry.rank,
                "total": entry.total,
                "grade": entry.grade,
                "grade_label": bilingual_text(Bilingual(grade.label, grade.label_en)) if grade else None,
                "status": entry.status,
                "n_reviews": entry.n_reviews,
                "selected": entry.selected,
                "reason": entry.reason,
                "why": [str(localise(m)) for m in words.why(entry, cohort, needed)],
                "note": entry.note,
                "tied": entry.tied,
            }
        )
    return out


def objection_info(objection: Objection, office: bool) -> dict[str, Any]:
    """An objection: its state and outcome; for the office also who raised it and how to reach them."""
    shortlist = db.session.get(Shortlist, objection.shortlist_id)
    info = {
        "id": objection.id if office else None,
        "receipt": objection.receipt,
        "shortlist_id": objection.shortlist_id,
        "shortlist_number": shortlist.number,
        "round_id": shortlist.round_id,
        "entry_no": objection.entry_no,
        "text": objection.text,
        "state": objection.state,
        "remedy": objection.remedy,
        "decision_reason": objection.decision_reason,
        "received_at": objection.created_at,
        "decided_at": objection.decided_at,
        "correction_id": objection.correction_id,
        "evidence": objection.evidence_name is not None,
    }
    if office:
        info |= {
            "name": objection.name,
            "contact": objection.contact,
            "application_id": objection.application_id,
            "evidence_name": objection.evidence_name,
            "evidence_size": objection.evidence_size,
        }
    return info
