"""Audit commands: ``flask audit-verify``."""

from __future__ import annotations

import re
import sys

import click
from flask.cli import AppGroup

from evaluator.audit.service import verify_chain
from evaluator.i18n import localise
from evaluator.messages import msg

cli = AppGroup("audit", help="The audit log.")


def _anchor(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = re.fullmatch(r"([0-9]{1,18}):([0-9a-fA-F]{64})", value.strip())
    if match is None:
        raise click.BadParameter(localise(msg("expected EVENT_ID:HASH, e.g. 1234:9f86d0…(64 hex digits)")))
    return int(match[1]), match[2].lower()


@cli.command("audit-verify")
@click.option(
    "--anchor",
    metavar="EVENT_ID:HASH",
    callback=_anchor,
    help="The head printed by an earlier run, kept outside the database: that event must "
    "still be there with the same hash (detects deleted tail events and a rewritten chain).",
)
def audit_verify(anchor: tuple[int, str] | None) -> None:
    """Walk the audit chain: exit 0 if intact, 1 with the first broken event and the reason."""
    report = verify_chain(anchor)
    if not report.ok:
        click.echo(
            localise(
                msg(
                    "Audit chain BROKEN at event %(id)s: %(reason)s (%(count)s events read).",
                    id=report.broken_at,
                    reason=report.reason,
                    count=report.events,
                )
            )
        )
        sys.exit(1)
    click.echo(localise(msg("Audit chain intact: %(count)s events.", count=report.events)))
    if report.head_id is not None:
        head = f"{report.head_id}:{report.head_hash}"
        click.echo(localise(msg("Head (keep it outside the database as an anchor): %(head)s", head=head)))
