"""The start page, for everybody: it sends a signed-in user to their own home."""

from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user

from evaluator.web.blueprints import public as bp
from evaluator.web.navigation import home_endpoint


@bp.route("/")
def index():
    """The start page: the signed-in user's home, else the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return redirect(url_for("account.sign_in"))
