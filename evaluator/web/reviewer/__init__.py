"""Pages of an expert reviewer: the queue of assignments with progress, the scoring page, recusal
and the profile (expertise, declared conflicts)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviewer", __name__, url_prefix="/reviewer")

from evaluator.web.reviewer import (  # noqa: E402, F401 (register the views)
    profile,
    queue,
    recusal,
    scoring,
)
