"""The reviewers' pages: their queue and the scoring sheet."""

from evaluator.reviews.pages import (  # noqa: F401 (register the views)
    queue,
    scoring,
)
