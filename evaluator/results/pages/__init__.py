"""The results' pages for the office: the ranked table, breakdowns, disagreements, reviewers."""

from evaluator.results.pages import (  # noqa: F401 (register the views)
    office,
)
