"""The sentences of a round's events: created, changed, its settings, its phases, its results
(see ``audit.sentences``)."""

from __future__ import annotations

from flask_babel import gettext

from evaluator.audit.wording import Event, Sentence, say
from evaluator.audit.words_settings import round_changes, settings_changes
from evaluator.formatting import label, show_number

# ------------------------------------------------------------------------------------------ rounds


def round_created(e: Event) -> Sentence:
    """A round created in preparation."""
    return Sentence(say(gettext("Created the round %(round)s."), round=e.round()))


def round_updated(e: Event) -> Sentence:
    """A round's title, dates, days of notice or criteria set changed."""
    return Sentence(
        say(gettext("Changed the round %(round)s."), round=e.round()), round_changes(e.s.get("changed") or {})
    )


def round_settings_changed(e: Event) -> Sentence:
    """A round's review settings changed."""
    return Sentence(
        say(gettext("Changed the review settings of the round %(round)s."), round=e.round()),
        settings_changes(e.s.get("changed") or {}, e.names.places),
    )


def round_transition(e: Event) -> Sentence:
    """A round moved to its next phase."""
    return Sentence(
        say(
            gettext("Moved the round %(round)s from “%(before)s” to “%(after)s”."),
            round=e.round(),
            before=label("phase", e.s.get("from")),
            after=label("phase", e.s.get("to")),
        ),
        e.reason(),
    )


def round_entered_review(e: Event) -> Sentence:
    """A round's applications that the region steps let through entered the review."""
    steps = say(
        gettext("County step: %(county)s; city step: %(city)s."),
        county=gettext("on") if e.s.get("county_step") else gettext("off"),
        city=gettext("on") if e.s.get("city_step") else gettext("off"),
    )
    return Sentence(
        say(
            gettext(
                "%(n)s applications of the round %(round)s entered the expert review (status “%(status)s”)."
            ),
            n=show_number(e.s.get("applications", 0)),
            round=e.round(),
            status=label("status", e.s.get("to_status")),
        ),
        [steps],
    )


def results_computed(e: Event) -> Sentence:
    """A round's results computed (a snapshot)."""
    counts = [
        say(gettext("%(status)s: %(n)s"), status=label("result", key), n=show_number(e.s.get(key, 0)))
        for key in ("ranked", "vetoed", "incomplete")
    ]
    return Sentence(
        say(
            gettext("Computed the results of the round %(round)s over %(n)s applications."),
            round=e.round(),
            n=show_number(e.s.get("applications", 0)),
        ),
        counts,
    )


def round_vetting_closed(e: Event) -> Sentence:
    """The review opened: applications left at a region step ended not recommended."""
    return Sentence(
        say(
            gettext(
                "%(n)s applications of the round %(round)s that no region office had passed on ended "
                "“%(status)s” as the expert review opened."
            ),
            n=show_number(e.s.get("applications", 0)),
            round=e.round(),
            status=label("status", e.s.get("to_status")),
        )
    )


ROUNDS = {
    "round.created": round_created,
    "round.updated": round_updated,
    "round.settings_changed": round_settings_changed,
    "round.transition": round_transition,
    "round.entered_review": round_entered_review,
    "round.vetting_closed": round_vetting_closed,
    "results.computed": results_computed,
}
