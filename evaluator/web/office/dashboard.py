"""The office's dashboard."""

from __future__ import annotations

from evaluator.web.office import bp
from evaluator.web.pages import page_user, render_form


@bp.route("/")
def dashboard():
    """The office's start page."""
    page_user("dashboard.view")
    return render_form("office/dashboard.html")
