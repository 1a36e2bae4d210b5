"""The audit log's actions by name (the audit page's filter), and the changes of an event's summary
as (key, before, after) rows. The events themselves are written as sentences by ``audit.sentences``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from evaluator.messages import N_

ACTION_LABELS = {
    "application.created": N_("Application started"),
    "application.updated": N_("Application changed"),
    "application.submitted": N_("Application submitted"),
    "application.withdrawn": N_("Application withdrawn"),
    "application.imported": N_("Application imported"),
    "material.uploaded": N_("Material uploaded"),
    "material.deleted": N_("Material deleted"),
    "round.created": N_("Round created"),
    "round.transition": N_("Round moved to its next phase"),
    "organisation.created": N_("Organisation registered"),
    "user.created": N_("Account created"),
    "user.activated": N_("Account activated"),
    "user.deactivated": N_("Account deactivated"),
    "user.password_changed": N_("Password changed"),
    "user.password_reset": N_("Password reset by the office"),
    "auth.signed_in": N_("Signed in"),
    "auth.signed_out": N_("Signed out"),
    "auth.token_issued": N_("API token issued"),
    "auth.token_revoked": N_("API token revoked"),
    "demo.loaded": N_("Demo data loaded"),
    "round.updated": N_("Round changed"),
    "round.settings_changed": N_("Review settings changed"),
    "round.entered_review": N_("Applications entered the review"),
    "round.vetting_closed": N_("Applications left at a region step not recommended"),
    "application.endorsed": N_("Application endorsed by the county"),
    "application.returned": N_("Application returned for correction"),
    "application.declined": N_("Application declined"),
    "application.checked": N_("Application checked by the city"),
    "application.recommended": N_("Application recommended by the city"),
    "application.unrecommended": N_("Recommendation withdrawn"),
    "application.reranked": N_("City rank changed"),
    "assignment.auto": N_("Reviewers assigned automatically"),
    "assignment.add": N_("Reviewer assigned by the office"),
    "assignment.remove": N_("Assignment removed"),
    "assignment.recuse": N_("Reviewer recused"),
    "assignment.reassign": N_("Replacement reviewer assigned"),
    "conflict.declare": N_("Conflict of interest declared"),
    "conflict.decide": N_("Declared conflict accepted or refused"),
    "reviewer.profile": N_("Reviewer profile changed"),
    "review.saved": N_("Review saved"),
    "review.submitted": N_("Review submitted"),
    "review.reopened": N_("Review reopened as a draft"),
    "results.computed": N_("Results computed"),
}


def action_label(action: str) -> str:
    """An action in the reader's words (an action without a label is shown as it is recorded)."""
    label = ACTION_LABELS.get(action)
    return gettext(label) if label else action


def is_change(value: Any) -> bool:
    """Whether a summary value is a change ``{"before": …, "after": …}``."""
    return isinstance(value, dict) and set(value) == {"before", "after"}


def changes(summary: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """An event's changes as (key, before, after): its top-level changes (``status``), then those
    under ``changed`` (``figures.households``, ``self_assessment.A1``), in the recorded order."""
    summary = summary or {}
    rows = [(key, value["before"], value["after"]) for key, value in summary.items() if is_change(value)]
    for key, value in (summary.get("changed") or {}).items():
        if is_change(value):
            rows.append((key, value["before"], value["after"]))
    return rows
