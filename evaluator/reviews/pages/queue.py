"""The reviewer's queue: their active assignments by round, with progress (indicators scored of the
scope), the review's status and the round's review deadline."""

from __future__ import annotations

from flask import redirect, url_for

from evaluator.reviews import sheet as reviews_sheet
from evaluator.web.blueprints import public
from evaluator.web.blueprints import reviewer as bp
from evaluator.web.navigation import home_endpoint
from evaluator.web.pages import page_user, render_form
from evaluator.workflow import Role


@bp.route("/assignments")
def queue():
    """The signed-in reviewer's assignments (only their own; other reviewers are never shown)."""
    actor = page_user("assignment.list")
    groups = reviews_sheet.queue(actor)
    return render_form("reviews/queue.html", groups=groups, reviewer=actor)


@public.route("/reviewer")
def reviewer_home():
    """A reviewer's home: the queue of their assignments (the page of ``reviewer.queue``)."""
    user = page_user("account.view_self")
    if user.role != Role.REVIEWER:
        return redirect(url_for(home_endpoint(user.role)))
    return queue()
