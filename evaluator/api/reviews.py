"""Expert reviews: scores per indicator, comments, vetoes and bonus verification."""

from __future__ import annotations

from evaluator.api.parsing import Blueprint

PREFIX = ""
blp = Blueprint("reviews", __name__, description=__doc__)
