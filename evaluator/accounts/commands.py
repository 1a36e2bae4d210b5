"""Account commands: ``flask create-admin``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from evaluator.accounts.service import create_user
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.workflow import Role

cli = AppGroup("accounts", help="User accounts.")


@cli.command("create-admin")
@click.argument("username")
@click.option("--display-name", help="Name shown in the service (default: the username).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters; prompted twice when absent (preferable: a password on "
    "the command line stays in the shell's history).",
)
def create_admin(username: str, display_name: str | None, password: str) -> None:
    """Create an administrator account of the provincial office (audited, actor: the command line)."""
    values = {
        "username": username,
        "password": password,
        "role": Role.ADMIN.value,
        "display_name": display_name or username,
    }
    try:
        user = create_user(None, values)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 409:
            raise click.ClickException(
                localise(
                    msg(
                        "No account created: %(reason)s (%(username)s)", reason=exc.message, username=username
                    )
                )
            ) from None
        problems = "; ".join(
            f"{field}: {' '.join(str(localise(m)) for m in messages)}"
            for field, messages in (exc.errors or {}).items()
        )
        raise click.ClickException(
            localise(msg("No account created. %(problems)s", problems=problems or exc.message))
        ) from None
    db.session.commit()
    click.echo(
        localise(
            msg("Created administrator %(username)s (id %(id)s).", username=repr(user.username), id=user.id)
        )
    )
