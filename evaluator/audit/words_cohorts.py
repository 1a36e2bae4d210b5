"""The sentences of a round's cohort events: the cohorts formed, an application moved to another
cohort (see ``audit.sentences``)."""

from __future__ import annotations

from flask_babel import gettext

from evaluator.audit.wording import Event, Sentence, say
from evaluator.formatting import show_number


def cohorts_computed(e: Event) -> Sentence:
    """A round's applications grouped into cohorts (a run)."""
    details = []
    if e.s.get("silhouette") is not None:
        details.append(say(gettext("Silhouette: %(s)s"), s=show_number(e.s.get("silhouette"), 3)))
    return Sentence(
        say(
            gettext("Grouped the %(n)s applications of the round %(round)s into %(k)s cohorts."),
            n=show_number(e.s.get("applications", 0)),
            round=e.round(),
            k=show_number(e.s.get("cohorts", 0)),
        ),
        details,
    )


def cohorts_moved(e: Event) -> Sentence:
    """The office moved an application to another cohort, with a reason."""
    before = e.s.get("from")
    return Sentence(
        say(
            gettext("Moved %(application)s from cohort %(before)s to cohort %(after)s."),
            application=e.application(),
            before="—" if before is None else show_number(before),
            after=show_number(e.s.get("to")),
        ),
        e.reason(),
    )


COHORTS = {
    "cohorts.computed": cohorts_computed,
    "cohorts.moved": cohorts_moved,
}
