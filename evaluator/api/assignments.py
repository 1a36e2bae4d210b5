"""Reviewer assignment: automatic and manual, recusal, declared conflicts."""

from __future__ import annotations

from evaluator.api.parsing import Blueprint

PREFIX = ""
blp = Blueprint("assignments", __name__, description=__doc__)
