"""Audit commands: ``flask audit-verify``."""

from __future__ import annotations

import re
import sys

import click
from flask.cli import AppGroup

from evaluator.services.audit import verify_chain

cli = AppGroup("audit", help="The audit log.")


def _anchor(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = re.fullmatch(r"([0-9]{1,18}):([0-9a-fA-F]{64})", value.strip())
    if match is None:
        raise click.BadParameter("expected EVENT_ID:HASH, e.g. 1234:9f86d0…(64 hex digits)")
    return int(match[1]), match[2].lower()


@cli.command("audit-verify")
@click.option("--anchor", metavar="EVENT_ID:HASH", callback=_anchor,
              help="The head printed by an earlier run, kept outside the database: that event must "
                   "still be there with the same hash (detects deleted tail events and a rewritten chain).")
def audit_verify(anchor: tuple[int, str] | None) -> None:
    """Walk the audit chain: exit 0 if intact, 1 with the first broken event and the reason."""
    report = verify_chain(anchor)
    if not report.ok:
        click.echo(f"Audit chain BROKEN at event {report.broken_at}: {report.reason} "
                   f"({report.events} events read).")
        sys.exit(1)
    if report.head_id is None:
        click.echo("Audit chain intact: 0 events.")
        return
    click.echo(f"Audit chain intact: {report.events} events.")
    click.echo(f"Head (keep it outside the database as an anchor): {report.head_id}:{report.head_hash}")
