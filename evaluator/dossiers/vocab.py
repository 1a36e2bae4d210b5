"""The dossiers' vocabularies: a dossier's state, a batch's and a batch item's, with their labels."""

from __future__ import annotations

from enum import StrEnum

from evaluator.messages import N_


class DossierState(StrEnum):
    """Whether an issued dossier still stands."""

    ISSUED = "issued"
    REVOKED = "revoked"  # the recognition was withdrawn (a re-check failed)
    SUPERSEDED = "superseded"  # replaced by a corrected dossier


class JobState(StrEnum):
    """A batch of dossiers: waiting for a worker, rendering, or with every item done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"


class ItemState(StrEnum):
    """One application in a batch."""

    PENDING = "pending"
    DONE = "done"  # a dossier was issued by this batch
    SKIPPED = "skipped"  # it already had a standing dossier of the same result
    FAILED = "failed"


DOSSIER_STATE_LABELS = {
    DossierState.ISSUED: N_("Valid"),
    DossierState.REVOKED: N_("Revoked"),
    DossierState.SUPERSEDED: N_("Superseded"),
}
JOB_STATE_LABELS = {
    JobState.QUEUED: N_("Waiting"),
    JobState.RUNNING: N_("Rendering"),
    JobState.FINISHED: N_("Finished"),
}
ITEM_STATE_LABELS = {
    ItemState.PENDING: N_("Waiting"),
    ItemState.DONE: N_("Issued"),
    ItemState.SKIPPED: N_("Already issued"),
    ItemState.FAILED: N_("Failed"),
}
