"""The cohorts' pages: the office's cohorts of a round and an application's place, the applicant's
cohort and peers."""

from evaluator.cohort_runs.pages import (  # noqa: F401 (register the views)
    applicant,
    office,
)
