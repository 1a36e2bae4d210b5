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

cli = AppGroup("demo", help="Demo commands.")


@click.command("load")
@click.option("--applicants", default=30, show_default=True, type=int,
              help="Applicant organisations per zone type (at most 31).")
@click.option("--seed", default=2026, show_default=True, type=int, help="Seed of the demo data.")
@click.option("--reset", is_flag=True,
              help="Empty every table first (all accounts, rounds, applications and the audit log).")
@click.option("--if-empty", "if_empty", is_flag=True,
              help="Load only into an empty database; otherwise keep what is there and exit 0.")
@with_appcontext
def load_cmd(applicants: int, seed: int, reset: bool, if_empty: bool) -> None:
    """Load demo accounts, organisations, one open round per zone type and their applications.

    Everything is written in one transaction. A database that already holds data is refused
    (exit 1, nothing changed) unless --reset empties it first, or --if-empty says to keep it.
    """
    from evaluator.demo.loader import DemoLoadError, empty_tables, existing_rows, load_demo, login_lines

    if if_empty and not reset and any(existing_rows().values()):
        held = ", ".join(f"{v} {k}" for k, v in existing_rows().items() if v)
        click.echo(f"The database already holds data ({held}); the demo was not loaded again.")
        for line in login_lines():
            click.echo(line)
        return
    folder = Path(current_app.config["CRITERIA_DIR"]) if current_app.config.get("CRITERIA_DIR") else None
    try:
        if reset:
            empty_tables()
        summary = load_demo(applicants=applicants, seed=seed, criteria_folder=folder)
        db.session.commit()
    except (DemoLoadError, CriteriaError) as exc:
        db.session.rollback()
        click.echo(f"demo load: {exc}", err=True)
        sys.exit(1)
    except ServiceError as exc:  # a service refused a piece of the demo: nothing was written
        db.session.rollback()
        click.echo(f"demo load: {exc.message} {exc.errors or ''}; nothing was written.", err=True)
        sys.exit(1)
    except Exception:
        db.session.rollback()
        raise
    apps = summary.applications
    click.echo(f"{'Emptied the database and loaded' if reset else 'Loaded'} the demo (seed {seed}): "
               f"{len(summary.rounds)} open rounds, {sum(apps.values())} applications "
               f"({apps['submitted']} submitted, {apps['draft']} draft), "
               f"{summary.organisations} organisations, {summary.users} accounts.")
    for rnd in summary.rounds:
        click.echo(f"  round {rnd.id}: {rnd.title} [{rnd.criteria_id}, {rnd.phase}, "
                   f"applications until {rnd.submission_deadline:%Y-%m-%d %H:%M} UTC]")
    for line in login_lines(summary):
        click.echo(line)
