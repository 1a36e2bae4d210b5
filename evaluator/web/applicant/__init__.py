"""Pages of an applicant organisation: its home, the application form, self-assessment, materials,
submission and the read-only view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applicant", __name__, url_prefix="/applicant")

from evaluator.web.applicant import (  # noqa: E402, F401 (register the views)
    applications,
    assessment,
    home,
    materials,
    submission,
)
