"""The applications' pages: the applicant's home, form, self-assessment and submission; the office's
table, an application's page and batch import."""

from evaluator.applications.pages import (  # noqa: F401 (register the views)
    applicant,
    assessment,
    detail,
    home,
    imports,
    office,
    submission,
)
