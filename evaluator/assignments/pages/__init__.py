"""The assignments' pages: panels and loads for the office; a reviewer's profile and recusal."""

from evaluator.assignments.pages import (  # noqa: F401 (register the views)
    office,
    profile,
    recusal,
)
