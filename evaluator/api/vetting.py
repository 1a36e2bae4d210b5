"""The region offices' checks: county endorsement, city recommendation within a quota."""

from __future__ import annotations

from evaluator.api.parsing import Blueprint

PREFIX = "/rounds"
blp = Blueprint("vetting", __name__, description=__doc__)
