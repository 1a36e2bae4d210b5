"""The dossiers' pages: the office's issuing and batches and its printed lists, the applicant's
download, the public verification."""

from evaluator.dossiers.pages import (  # noqa: F401 (register the views)
    applicant,
    office,
    printed,
    public,
)
