"""The pages' blueprints, one per audience; each feature's ``pages`` module adds its views to them.

Grouping the pages by audience keeps each audience's addresses under one prefix (``/office/…``,
``/region/…``) and its endpoint names stable, while the views live with their feature.
"""

from __future__ import annotations

from flask import Blueprint

account = Blueprint("account", __name__)
"""Sign-in, sign-out, the password and the language: every signed-in user."""
applicant = Blueprint("applicant", __name__, url_prefix="/applicant")
"""An applicant organisation: its home, the application form, self-assessment, materials, submission."""
office = Blueprint("office", __name__, url_prefix="/office")
"""The provincial office: dashboard, rounds, applications, import, accounts, audit, review, results."""
region = Blueprint("region", __name__, url_prefix="/region")
"""County and city civil-affairs offices: their queue, the check form, the city's ranking and quota."""
reviewer = Blueprint("reviewer", __name__, url_prefix="/reviewer")
"""An expert reviewer: the queue of assignments, scoring, recusal and the profile."""

public = Blueprint("public", __name__)
"""Everybody: the start page, and the doors that send a signed-in user to their own home."""

AUDIENCES = (account, applicant, office, public, region, reviewer)
