"""Pages for everybody: the start page (which sends a signed-in user to their own home) and, for
now, the reviewers' home until expert review opens its own pages."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from evaluator.web.navigation import home_endpoint
from evaluator.web.pages import page_user

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """The start page: the signed-in user's home, else the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return redirect(url_for("account.sign_in"))


@bp.route("/reviewer")
def reviewer_home():
    """A reviewer's home: the queue of their assignments (the page of ``reviewer.queue``)."""
    user = page_user("account.view_self")
    if user.role != "reviewer":
        return redirect(url_for(home_endpoint(user.role)))
    from evaluator.web.reviewer.queue import queue

    return queue()
