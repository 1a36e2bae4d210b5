"""The sentences of the dossiers' events: issued, revoked, superseded, batches (see
``audit.sentences``)."""

from __future__ import annotations

from flask_babel import gettext

from evaluator.audit.wording import Event, Sentence, say
from evaluator.formatting import show_number


def dossier_issued(e: Event) -> Sentence:
    """A dossier issued (signed and stored)."""
    return Sentence(
        say(
            gettext("Issued the dossier %(number)s of the application %(application)s."),
            number=e.s.get("number", ""),
            application=e.application(e.s.get("application_id")),
        )
    )


def dossier_revoked(e: Event) -> Sentence:
    """A dossier revoked: the recognition withdrawn."""
    return Sentence(
        say(
            gettext("Revoked the dossier %(number)s of the application %(application)s."),
            number=e.s.get("number", ""),
            application=e.application(e.s.get("application_id")),
        ),
        e.reason(),
    )


def dossier_superseded(e: Event) -> Sentence:
    """A dossier superseded by a corrected one."""
    return Sentence(
        say(
            gettext("Replaced the dossier %(number)s of the application %(application)s by %(new)s."),
            number=e.s.get("number", ""),
            application=e.application(e.s.get("application_id")),
            new=e.s.get("by", ""),
        ),
        e.reason(),
    )


def dossier_batch_started(e: Event) -> Sentence:
    """A batch of a round's dossiers started."""
    return Sentence(
        say(
            gettext(
                "Started issuing the dossiers of the round %(round)s: %(n)s recognised applications, "
                "%(pending)s to render."
            ),
            round=e.round(),
            n=show_number(e.s.get("applications", 0)),
            pending=show_number(e.s.get("pending", 0)),
        )
    )


def dossier_batch_retried(e: Event) -> Sentence:
    """A batch's failed or waiting dossiers tried again."""
    return Sentence(
        say(
            gettext("Tried again %(n)s dossiers of a batch of the round %(round)s."),
            round=e.round(),
            n=show_number(e.s.get("items", 0)),
        )
    )


DOSSIERS = {
    "dossier.issued": dossier_issued,
    "dossier.revoked": dossier_revoked,
    "dossier.superseded": dossier_superseded,
    "dossier.batch_started": dossier_batch_started,
    "dossier.batch_retried": dossier_batch_retried,
}
