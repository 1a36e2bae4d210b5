"""Batches: every eligible dossier of a round rendered as a job of one task per application.

One bad dossier never stops the rest: its item fails with the reason and the others go on. A batch
is resumable — an application with a valid dossier is skipped, an item already done is never
rendered again (a task delivered twice after a worker died finds it done) — and its failed items
can be tried again. The finished dossiers download as one ZIP.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from typing import IO, Any

from sqlalchemy import func, select

from evaluator import tasks
from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_application, lock_round
from evaluator.dossiers import data as dossier_data
from evaluator.dossiers import service
from evaluator.dossiers.models import Dossier, DossierJob, DossierJobItem
from evaluator.dossiers.render import NOT_RENDERED
from evaluator.dossiers.vocab import DossierState, ItemState, JobState
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import Message, msg
from evaluator.rounds.models import Round

RENDER = "dossiers.render_item"
MAX_ERROR = 500
log = logging.getLogger(__name__)


def start(actor: User | None, rnd: Round) -> DossierJob:
    """A batch of the round's eligible applications (409 when there is none); those with a valid
    dossier are skipped at once, those whose dossier was revoked are left out (the recognition was
    withdrawn), the others are rendered in the background once the request commits. ``actor`` is
    None for the command line (the system issues the dossiers)."""
    lock_round(rnd.id, shared=True)
    revoked = service.withdrawn(rnd.id)
    ids = [a for a in dossier_data.eligible(rnd) if a not in revoked]
    if not ids:
        raise ServiceError(409, msg("The round has no recognised application to issue a dossier for."))
    job = DossierJob(round_id=rnd.id, created_by=actor.id if actor else None, state=JobState.QUEUED.value)
    db.session.add(job)
    db.session.flush()
    pending = []
    for app_id in ids:
        current = service.standing(app_id)
        item = DossierJobItem(job_id=job.id, application_id=app_id)
        if current is not None:
            item.state, item.dossier_id = ItemState.SKIPPED.value, current.id
        db.session.add(item)
        if current is None:
            pending.append(item)
    db.session.flush()
    for item in pending:
        tasks.submit(RENDER, item.id)
    if not pending:
        job.state, job.finished_at = JobState.FINISHED.value, utcnow()
    audit.record(
        actor,
        "dossier.batch_started",
        "round",
        rnd.id,
        {"job_id": job.id, "applications": len(ids), "pending": len(pending)},
    )
    return job


@tasks.task(RENDER)
def render_item(item_id: int) -> None:
    """Render one item's dossier (a task): skipped when done already; a failure is noted on the
    item with its reason, never raised, so the batch goes on."""
    item = db.session.get(DossierJobItem, item_id)
    if item is None or item.state != ItemState.PENDING:
        return
    app = db.session.get(Application, item.application_id)
    lock_round(app.round_id, shared=True)
    lock_application(app.id)
    db.session.refresh(item)
    if item.state != ItemState.PENDING:
        return
    job = db.session.get(DossierJob, item.job_id)
    actor = db.session.get(User, job.created_by) if job.created_by else None
    if job.state == JobState.QUEUED:
        job.state = JobState.RUNNING.value
    item.attempts += 1
    try:
        with db.session.begin_nested():
            current = service.standing(app.id)
            if current is not None:
                item.state, item.dossier_id = ItemState.SKIPPED.value, current.id
            else:
                dossier = service.issue(actor, app)
                item.state, item.dossier_id = ItemState.DONE.value, dossier.id
    except Exception as exc:  # one bad dossier never stops the batch: the item keeps the reason
        item.state = ItemState.FAILED.value
        item.error = _reason(exc)
    db.session.flush()
    _finish_if_done(job)


def _reason(exc: Exception) -> str:
    """The failure as stored: the service's message as its template and values (each reader reads
    it in their language); an unexpected error goes to the log, and the office reads that the
    document could not be rendered (never the exception's inner names)."""
    message = getattr(exc, "message", None)
    if not isinstance(message, Message):
        log.error("dossier not rendered", exc_info=exc)
        message = msg(NOT_RENDERED)
    params = {k: v[:MAX_ERROR] if isinstance(v, str) else v for k, v in message.params.items()}
    return json.dumps({"template": message.template, "params": params}, ensure_ascii=False, default=str)


def _said(stored: str | None) -> str | None:
    """A stored failure as a message again (plain text as it is)."""
    try:
        found = json.loads(stored or "")
        return msg(found["template"], **found["params"])
    except (ValueError, TypeError, KeyError):
        return stored


def _finish_if_done(job: DossierJob) -> None:
    left = db.session.scalar(
        select(func.count()).where(DossierJobItem.job_id == job.id, DossierJobItem.state == ItemState.PENDING)
    )
    if not left:
        job.state, job.finished_at = JobState.FINISHED.value, utcnow()
        db.session.flush()


def counts(job: DossierJob) -> dict[str, int]:
    """How many items are in each state, and the total."""
    rows = dict(
        db.session.execute(
            select(DossierJobItem.state, func.count())
            .where(DossierJobItem.job_id == job.id)
            .group_by(DossierJobItem.state)
        ).all()
    )
    out = {s.value: int(rows.get(s.value, 0)) for s in ItemState}
    out["total"] = sum(out[s.value] for s in ItemState)
    return out


def status(job: DossierJob) -> dict[str, Any]:
    """The batch as the API and the progress bar show it: done / total / failed and each failure."""
    c = counts(job)
    failures = db.session.execute(
        select(DossierJobItem.application_id, DossierJobItem.error, DossierJobItem.attempts)
        .where(DossierJobItem.job_id == job.id, DossierJobItem.state == ItemState.FAILED)
        .order_by(DossierJobItem.application_id)
    ).all()
    return {
        "id": job.id,
        "round_id": job.round_id,
        "state": job.state,
        "total": c["total"],
        "done": c[ItemState.DONE] + c[ItemState.SKIPPED],
        "issued": c[ItemState.DONE],
        "skipped": c[ItemState.SKIPPED],
        "failed": c[ItemState.FAILED],
        "pending": c[ItemState.PENDING],
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "errors": [{"application_id": a, "error": _said(e), "attempts": n} for a, e, n in failures],
    }


def retry(actor: User, job: DossierJob) -> DossierJob:
    """Try the batch's failed items again, and hand on any left waiting (a batch resumed after the
    in-process worker stopped with the service)."""
    lock_round(job.round_id, shared=True)
    items = db.session.scalars(
        select(DossierJobItem).where(
            DossierJobItem.job_id == job.id,
            DossierJobItem.state.in_((ItemState.FAILED.value, ItemState.PENDING.value)),
        )
    ).all()
    if not items:
        raise ServiceError(409, msg("The batch has nothing left to render."))
    for item in items:
        item.state, item.error = ItemState.PENDING.value, None
    job.state, job.finished_at = JobState.RUNNING.value, None
    db.session.flush()
    for item in items:
        tasks.submit(RENDER, item.id)
    audit.record(
        actor, "dossier.batch_retried", "round", job.round_id, {"job_id": job.id, "items": len(items)}
    )
    return job


def jobs_of(rnd: Round) -> list[DossierJob]:
    """The round's batches, the newest first."""
    return list(
        db.session.scalars(
            select(DossierJob).where(DossierJob.round_id == rnd.id).order_by(DossierJob.id.desc())
        )
    )


def zip_of(job: DossierJob) -> IO[bytes]:
    """The valid dossier of each unit of the finished batch as one ZIP — a revoked one left out, a
    replaced one by its replacement —, one PDF per unit named by its certificate number and name; a
    spooled file positioned at its start. 409 while the batch is rendering (a part would look whole)."""
    if job.state != JobState.FINISHED:
        raise ServiceError(409, msg("The batch is still rendering: its ZIP is ready once it has finished."))
    rows = (
        db.session.execute(
            select(Dossier)
            .join(DossierJobItem, DossierJobItem.application_id == Dossier.application_id)
            .where(DossierJobItem.job_id == job.id, Dossier.state == DossierState.ISSUED.value)
            .order_by(Dossier.id)
        )
        .scalars()
        .all()
    )
    if not rows:
        raise ServiceError(409, msg("The batch has no dossier yet."))
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for d in rows:
            archive.writestr(service.download_of(d).filename, service.pdf_of(d))
    out.seek(0)
    return out
