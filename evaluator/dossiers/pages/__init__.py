"""The dossiers' pages: the office's issuing and batches, the applicant's download, the public
verification."""

from evaluator.dossiers.pages import (  # noqa: F401 (register the views)
    applicant,
    office,
    public,
)
