"""The applicant's pages for applications."""

from __future__ import annotations

from evaluator.web.applicant import bp
from evaluator.web.pages import page_user, render_form


@bp.route("/")
def home():
    """The applicant's start page."""
    page_user("application.create")
    return render_form("applicant/home.html")
