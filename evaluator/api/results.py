"""Results: compute a snapshot with the engine, read it, export it."""

from __future__ import annotations

from evaluator.api.parsing import Blueprint

PREFIX = ""
blp = Blueprint("results", __name__, description=__doc__)
