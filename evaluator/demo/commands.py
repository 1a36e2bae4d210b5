"""Demo commands: ``flask --app wsgi demo load`` fills an empty database with the demo data.

``load_cmd`` is attached to the ``demo`` group of :mod:`evaluator.cli` (next to ``demo score``);
this module's own ``cli`` group stays empty so nothing is registered twice at the top level.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from evaluator.criteria import CriteriaError
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.workflow import Phase

cli = AppGroup("demo", help="Demo commands.")


@click.command("load")
@click.option(
    "--applicants",
    default=30,
    show_default=True,
    type=int,
    help="Applicant organisations per zone type (at most 31).",
)
@click.option("--seed", default=2026, show_default=True, type=int, help="Seed of the demo data.")
@click.option(
    "--reset",
    is_flag=True,
    help="Empty every table first (all accounts, rounds, applications and the audit log).",
)
@click.option(
    "--if-empty",
    "if_empty",
    is_flag=True,
    help="Load only into an empty database; otherwise keep what is there and exit 0.",
)
@click.option(
    "--dossiers",
    is_flag=True,
    help="Then issue the signed dossiers of last year's recognised round (about a second each).",
)
@with_appcontext
def load_cmd(applicants: int, seed: int, reset: bool, if_empty: bool, dossiers: bool) -> None:
    """Load demo accounts, organisations, one open round per zone type and their applications, and
    last year's featured-community round, already scored.

    Everything is written in one transaction. A database that already holds data is refused
    (exit 1, nothing changed) unless --reset empties it first, or --if-empty says to keep it.
    With --dossiers, the recognised units of last year's round then get their dossiers (a batch,
    committed as it goes).
    """
    from evaluator.demo.loader import DemoLoadError, empty_tables, existing_rows, held_rows, load_demo

    held = held_rows(existing_rows()) if if_empty and not reset else []
    if held:
        click.echo(
            localise(
                msg("The database already holds data (%(held)s); the demo was not loaded again.", held=held)
            )
        )
        _echo_logins()
        return
    folder = Path(current_app.config["CRITERIA_DIR"]) if current_app.config.get("CRITERIA_DIR") else None
    try:
        if reset:
            empty_tables()
        summary = load_demo(applicants=applicants, seed=seed, criteria_folder=folder)
        db.session.commit()
    except DemoLoadError as exc:
        db.session.rollback()
        click.echo(localise(msg("demo load: %(problem)s", problem=str(exc))), err=True)
        sys.exit(1)
    except CriteriaError as exc:
        db.session.rollback()
        count = sum(len(problems) for problems in exc.errors.values())
        click.echo(
            localise(
                msg(
                    "demo load: %(problem)s",
                    problem=msg("%(source)s: %(count)s problem(s)", source=exc.source, count=count),
                )
            ),
            err=True,
        )
        for path, problems in exc.errors.items():
            for problem in problems:
                click.echo(f"  {path}: {localise(problem)}", err=True)
        sys.exit(1)
    except ServiceError as exc:  # a service refused a piece of the demo: nothing was written
        db.session.rollback()
        click.echo(
            localise(
                msg(
                    "demo load: %(problem)s %(errors)s; nothing was written.",
                    problem=exc.message,
                    errors=str(localise(exc.errors or "")),
                )
            ),
            err=True,
        )
        sys.exit(1)
    except Exception:
        db.session.rollback()
        raise
    apps = summary.applications
    counts = {
        "seed": seed,
        "rounds": len(summary.rounds),
        "applications": sum(apps.values()),
        "submitted": apps["submitted"],
        "draft": apps["draft"],
        "open": sum(1 for r in summary.rounds if r.phase == Phase.OPEN),
        "vetted": sum(apps.values()) - apps["submitted"] - apps["draft"],
        "organisations": summary.organisations,
        "accounts": summary.users,
    }
    if reset:
        loaded = msg(
            "Emptied the database and loaded the demo (seed %(seed)s): %(rounds)s rounds (%(open)s "
            "open, the others scored), %(applications)s applications (%(submitted)s submitted, "
            "%(draft)s draft, %(vetted)s vetted or reviewed), %(organisations)s organisations, "
            "%(accounts)s accounts.",
            **counts,
        )
    else:
        loaded = msg(
            "Loaded the demo (seed %(seed)s): %(rounds)s rounds (%(open)s open, the others "
            "scored), %(applications)s applications (%(submitted)s submitted, %(draft)s draft, "
            "%(vetted)s vetted or reviewed), %(organisations)s organisations, %(accounts)s "
            "accounts.",
            **counts,
        )
    click.echo(localise(loaded))
    for rnd in summary.rounds:
        click.echo(
            "  "
            + localise(
                msg(
                    "round %(id)s: %(title)s [%(criteria)s, %(phase)s, applications until %(deadline)s UTC]",
                    id=rnd.id,
                    title=rnd.title,
                    criteria=rnd.criteria_id,
                    phase=str(rnd.phase),
                    deadline=rnd.submission_deadline.strftime("%Y-%m-%d %H:%M"),
                )
            )
        )
    if dossiers:
        _issue_dossiers(summary)
    _echo_logins(summary)


def _issue_dossiers(summary) -> None:
    """Issue the dossiers of the demo's recognised round (the one in its final phase)."""
    from evaluator.dossiers.commands import issue_round

    for rnd in summary.rounds:
        if rnd.phase == Phase.FINAL:
            status = issue_round(rnd)
            click.echo(
                localise(
                    msg(
                        "Issued %(issued)s dossiers of %(title)s (%(failed)s failed).",
                        issued=status["issued"],
                        title=rnd.title,
                        failed=status["failed"],
                    )
                )
            )


def _echo_logins(summary=None) -> None:
    """Print the demo logins in the reader's language, one aligned line per account."""
    from evaluator.demo.loader import LOGINS_HEADING, demo_logins

    click.echo(localise(LOGINS_HEADING))
    for usernames, password, who in demo_logins(summary):
        click.echo(f"  {usernames:34}{password:22}{localise(who)}")
