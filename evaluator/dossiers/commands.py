"""Dossier commands: ``flask dossiers-issue ROUND_ID`` issues every recognised unit's dossier of a
round as a batch (on the Celery workers when ``EVALUATOR_BROKER_URL`` is set, else in this process)
and waits for it, printing the figures; units with a valid dossier are skipped, so it may be run
again after a failure."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from evaluator import tasks
from evaluator.dossiers import jobs
from evaluator.dossiers.models import DossierJob
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.rounds.models import Round

cli = AppGroup("dossiers", help="Certification dossiers.")


def issue_round(rnd: Round, timeout: float = 3600.0, poll: float = 1.0) -> dict:
    """Start a batch of the round's dossiers (the system as the actor), commit, and wait until no
    item is left pending; the batch's status."""
    job_id = jobs.start(None, rnd).id
    db.session.commit()  # the tasks are handed on; this session holds no transaction while they run
    deadline = time.monotonic() + timeout
    if not tasks.broker_url(current_app):
        tasks.wait_idle(timeout)
    while True:
        status = jobs.status(db.session.get(DossierJob, job_id))
        db.session.rollback()  # end the read: the workers write the items
        if not status["pending"] or time.monotonic() > deadline:
            return status
        time.sleep(poll)


@cli.command("dossiers-issue")
@click.argument("round_id", type=int)
@click.option("--timeout", type=float, default=3600.0, show_default=True, help="Seconds to wait at most.")
def dossiers_issue(round_id: int, timeout: float) -> None:
    """Issue the round's dossiers: exit 0 when every one is issued, 1 when some failed or are left."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        click.echo(localise(msg("Round %(id)s not found.", id=round_id)))
        sys.exit(1)
    try:
        status = issue_round(rnd, timeout)
    except ServiceError as exc:
        click.echo(localise(exc.message))
        sys.exit(1)
    click.echo(
        localise(
            msg(
                "Batch %(id)s: %(issued)s issued, %(skipped)s already valid, %(failed)s failed, "
                "%(pending)s waiting, of %(total)s.",
                **{k: status[k] for k in ("id", "issued", "skipped", "failed", "pending", "total")},
            )
        )
    )
    for e in status["errors"]:
        click.echo(f"  {e['application_id']}: {localise(e['error'])}")
    if status["failed"] or status["pending"]:
        sys.exit(1)
