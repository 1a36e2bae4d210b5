"""The reviewer's queue: their active assignments by round, with progress (indicators scored of the
scope), the review's status and the round's review deadline."""

from __future__ import annotations

from evaluator.services import reviews_sheet
from evaluator.web.pages import page_user, render_form
from evaluator.web.reviewer import bp


@bp.route("/assignments")
def queue():
    """The signed-in reviewer's assignments (only their own; other reviewers are never shown)."""
    actor = page_user("assignment.list")
    groups = reviews_sheet.queue(actor)
    return render_form("reviewer/queue.html", groups=groups, reviewer=actor)
