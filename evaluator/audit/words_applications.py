"""The sentences of an application's events and of its materials' (see ``audit.sentences``)."""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup

from evaluator.audit.wording import Event, Sentence, before_after, quoted, say, time_words
from evaluator.formatting import show_number
from evaluator.messages import N_


def entries(e: Event) -> list[Markup]:
    """How many figures, scores and bonus claims an application's change touched."""
    changed = e.s.get("changed") or {}
    figures = sum(1 for k in changed if k.startswith("figures."))
    scores = sum(1 for k in changed if k.startswith("self_assessment."))
    lines = []
    if figures:
        lines.append(say(gettext("Figures entered or changed: %(n)s"), n=show_number(figures)))
    if scores:
        lines.append(say(gettext("Self-assessment scores entered or changed: %(n)s"), n=show_number(scores)))
    if "bonus_claims" in changed:
        lines.append(say(gettext("The bonus items claimed changed.")))
    if e.s.get("warnings"):
        lines.append(say(gettext("Figures flagged as unusual: %(n)s"), n=show_number(e.s["warnings"])))
    return lines


def application_created(e: Event) -> Sentence:
    """An application started (a draft)."""
    return Sentence(
        say(
            gettext("Started the application of %(organisation)s in %(round)s."),
            organisation=e.application(),
            round=e.round(),
        ),
        entries(e),
    )


def application_updated(e: Event) -> Sentence:
    """An application's figures, self-assessment or bonus claims changed."""
    return Sentence(
        say(gettext("Changed the application of %(organisation)s."), organisation=e.application()), entries(e)
    )


def application_submitted(e: Event) -> Sentence:
    """An application submitted."""
    details = (
        [say(gettext("Submitted at %(time)s."), time=time_words(e.s["submitted_at"]))]
        if e.s.get("submitted_at")
        else []
    )
    return Sentence(
        say(gettext("Submitted the application of %(organisation)s."), organisation=e.application()),
        details + entries(e),
    )


def application_withdrawn(e: Event) -> Sentence:
    """An application withdrawn by its applicant."""
    return Sentence(
        say(gettext("Withdrew the application of %(organisation)s."), organisation=e.application())
    )


def application_imported(e: Event) -> Sentence:
    """An application imported from a spreadsheet's row."""
    return Sentence(
        say(
            gettext(
                "Imported the application of %(organisation)s into %(round)s "
                "from row %(row)s of a spreadsheet."
            ),
            organisation=e.application(),
            round=e.round(),
            row=show_number(e.s.get("row")),
        ),
        entries(e),
    )


def application_endorsed(e: Event) -> Sentence:
    """The county office endorsed an application (passed it to its city)."""
    return Sentence(
        say(
            gettext("Endorsed the application of %(organisation)s and passed it to the city."),
            organisation=e.application(),
        ),
        e.note(),
    )


def application_returned(e: Event) -> Sentence:
    """A region office returned an application to its applicant for correction."""
    return Sentence(
        say(
            gettext("Returned the application of %(organisation)s to the applicant for correction."),
            organisation=e.application(),
        ),
        e.reason(),
    )


def application_declined(e: Event) -> Sentence:
    """A region office declined an application (not passed on)."""
    return Sentence(
        say(gettext("Did not recommend the application of %(organisation)s."), organisation=e.application()),
        e.reason(),
    )


def application_checked(e: Event) -> Sentence:
    """The city office's check of an application: passed or not."""
    template = (
        N_("Checked the application of %(organisation)s: it passed.")
        if e.s.get("passed")
        else N_("Checked the application of %(organisation)s: it did not pass.")
    )
    return Sentence(say(gettext(template), organisation=e.application()), e.note())


def application_recommended(e: Event) -> Sentence:
    """The city office recommended an application to the province, at a rank."""
    _, rank = before_after(e.s.get("city_rank"))
    if rank is None:
        return Sentence(
            say(
                gettext("Recommended the application of %(organisation)s to the province."),
                organisation=e.application(),
            )
        )
    return Sentence(
        say(
            gettext(
                "Recommended the application of %(organisation)s to the province, "
                "ranked %(rank)s in the city."
            ),
            organisation=e.application(),
            rank=show_number(rank),
        )
    )


def application_unrecommended(e: Event) -> Sentence:
    """The city office took an application off its ranking."""
    before, _ = before_after(e.s.get("city_rank"))
    details = (
        [say(gettext("It was ranked %(rank)s."), rank=show_number(before))] if before is not None else []
    )
    return Sentence(
        say(
            gettext("Withdrew the city's recommendation of the application of %(organisation)s."),
            organisation=e.application(),
        ),
        details,
    )


def application_reranked(e: Event) -> Sentence:
    """An application's rank in its city's ranking changed."""
    before, after = before_after(e.s.get("city_rank"))
    if before is None:
        return Sentence(
            say(
                gettext("Ranked the application of %(organisation)s %(after)s in the city."),
                organisation=e.application(),
                after=show_number(after),
            )
        )
    return Sentence(
        say(
            gettext(
                "Moved the application of %(organisation)s from rank %(before)s "
                "to rank %(after)s in the city."
            ),
            organisation=e.application(),
            before=show_number(before),
            after=show_number(after),
        )
    )


# --------------------------------------------------------------------------------------- materials


def _file(e: Event) -> str:
    return str(e.s.get("filename") or "—")


def material_uploaded(e: Event) -> Sentence:
    """A file uploaded as evidence of an application."""
    return Sentence(
        say(
            gettext("Uploaded the file %(file)s (%(size)s bytes) to the application of %(organisation)s."),
            file=quoted(_file(e)),
            size=show_number(e.s.get("size")),
            organisation=e.application(e.s.get("application_id")),
        )
    )


def material_deleted(e: Event) -> Sentence:
    """A file deleted from an application."""
    return Sentence(
        say(
            gettext("Deleted the file %(file)s from the application of %(organisation)s."),
            file=quoted(_file(e)),
            organisation=e.application(e.s.get("application_id")),
        )
    )


APPLICATIONS = {
    "application.created": application_created,
    "application.updated": application_updated,
    "application.submitted": application_submitted,
    "application.withdrawn": application_withdrawn,
    "application.imported": application_imported,
    "application.endorsed": application_endorsed,
    "application.returned": application_returned,
    "application.declined": application_declined,
    "application.checked": application_checked,
    "application.recommended": application_recommended,
    "application.unrecommended": application_unrecommended,
    "application.reranked": application_reranked,
    "material.uploaded": material_uploaded,
    "material.deleted": material_deleted,
}
