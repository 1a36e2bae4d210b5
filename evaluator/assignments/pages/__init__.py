"""The assignments' pages: panels, loads and declared conflicts for the office; a reviewer's profile
and recusal; an applicant's declared conflicts."""

from evaluator.assignments.pages import (  # noqa: F401 (register the views)
    applicant,
    office,
    profile,
    recusal,
)
