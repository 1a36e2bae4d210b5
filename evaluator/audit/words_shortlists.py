"""The sentences of the shortlists' events: drafted, adjusted, published, corrected, the objections
and the recognition (see ``audit.sentences``)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext

from evaluator.audit.wording import Event, Sentence, say
from evaluator.formatting import label, show_date, show_number


def _day(value: str | None) -> str:
    try:
        return show_date(date.fromisoformat(value)) if value else "—"
    except ValueError:
        return "—"


def _number(e: Event, key: str = "number") -> str:
    return show_number(e.s.get(key) or 0)


def shortlist_drafted(e: Event) -> Sentence:
    """A draft shortlist computed from the results."""
    return Sentence(
        say(
            gettext(
                "Drafted version %(number)s of the shortlist of %(round)s: "
                "%(selected)s of %(n)s applications in."
            ),
            number=_number(e),
            round=e.round(),
            selected=show_number(e.s.get("selected", 0)),
            n=show_number(e.s.get("applications", 0)),
        )
    )


def shortlist_adjusted(e: Event) -> Sentence:
    """The office put an application on a draft or took it off."""
    template = (
        gettext("Put %(organisation)s on the draft shortlist (version %(number)s) of %(round)s.")
        if e.s.get("selected")
        else gettext("Took %(organisation)s off the draft shortlist (version %(number)s) of %(round)s.")
    )
    return Sentence(
        say(template, organisation=e.application(), number=_number(e), round=e.round()), e.reason()
    )


def shortlist_published(e: Event) -> Sentence:
    """A shortlist (or a correction of it) published and put on notice."""
    details = [
        say(
            gettext("Notice period: %(starts)s to %(ends)s."),
            starts=_day(e.s.get("notice_starts")),
            ends=_day(e.s.get("notice_ends")),
        ),
    ]
    if e.s.get("supersedes"):
        details.insert(0, say(gettext("It supersedes version %(number)s."), number=_number(e, "supersedes")))
    return Sentence(
        say(
            gettext("Published version %(number)s of the shortlist of %(round)s: %(listed)s units listed."),
            number=_number(e),
            round=e.round(),
            listed=show_number(e.s.get("listed", 0)),
        ),
        details + e.reason(),
    )


def shortlist_correction_drafted(e: Event) -> Sentence:
    """A correction of the current shortlist started as a draft."""
    return Sentence(
        say(
            gettext("Drafted version %(number)s of the shortlist of %(round)s to correct version %(old)s."),
            number=_number(e),
            round=e.round(),
            old=_number(e, "supersedes"),
        ),
        e.reason(),
    )


def objection_received(e: Event) -> Sentence:
    """An objection from the public received."""
    return Sentence(
        say(
            gettext(
                "Received an objection (receipt %(receipt)s) to version %(number)s "
                "of the shortlist of %(round)s."
            ),
            receipt=e.s.get("receipt") or "—",
            number=_number(e),
            round=e.round(),
        )
    )


def objection_decided(e: Event) -> Sentence:
    """An objection upheld or dismissed."""
    details = []
    if e.s.get("remedy"):
        details.append(
            say(
                gettext("%(organisation)s: %(remedy)s (version %(number)s of the shortlist)."),
                organisation=e.application(e.s.get("application_id")),
                remedy=label("remedy", e.s.get("remedy")),
                number=_number(e, "correction"),
            )
        )
    return Sentence(
        say(
            gettext("Decided the objection %(receipt)s to the shortlist of %(round)s: %(outcome)s."),
            receipt=e.s.get("receipt") or "—",
            round=e.round(),
            outcome=label("objection", e.s.get("outcome")),
        ),
        details + e.reason(),
    )


def recognition_published(e: Event) -> Sentence:
    """The recognition list published; the round closed."""
    return Sentence(
        say(
            gettext("Published the recognition list of %(round)s: %(listed)s units recognised."),
            round=e.round(),
            listed=show_number(e.s.get("listed", 0)),
        ),
    )


SHORTLISTS = {
    "shortlist.drafted": shortlist_drafted,
    "shortlist.adjusted": shortlist_adjusted,
    "shortlist.published": shortlist_published,
    "shortlist.correction_drafted": shortlist_correction_drafted,
    "objection.received": objection_received,
    "objection.decided": objection_decided,
    "recognition.published": recognition_published,
}
