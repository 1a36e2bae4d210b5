"""The sentences of the events of accounts and sign-ins, of organisations, of reviewers on panels,
declared conflicts and reviews, and of the demonstration data (see ``audit.sentences``)."""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup

from evaluator.accounts.affiliation import describe as affiliation_words
from evaluator.audit.wording import Event, Sentence, before_after, joined, say
from evaluator.formatting import label, show_number
from evaluator.i18n import language
from evaluator.messages import N_

# -------------------------------------------------------------------------------- accounts, sign-in


def organisation_created(e: Event) -> Sentence:
    """An applicant organisation registered (by hand, or by an import)."""
    details = [say(gettext("Registered by a batch import."))] if e.s.get("source") == "import" else []
    return Sentence(
        say(gettext("Registered the organisation %(name)s."), name=e.organisation(e.object_id)), details
    )


def user_created(e: Event) -> Sentence:
    """An account created."""
    return Sentence(
        say(
            gettext("Created the account %(name)s (username %(username)s) as %(role)s."),
            name=e.user(),
            username=e.s.get("username", "—"),
            role=label("role", e.s.get("role")),
        )
    )


def user_activated(e: Event) -> Sentence:
    """An account activated again."""
    return Sentence(say(gettext("Activated the account %(name)s: it can sign in again."), name=e.user()))


def user_deactivated(e: Event) -> Sentence:
    """An account deactivated."""
    return Sentence(
        say(gettext("Deactivated the account %(name)s: it can no longer sign in."), name=e.user())
    )


def user_password_changed(e: Event) -> Sentence:
    """A user changed their own password."""
    return Sentence(say(gettext("Changed the account's own password.")))


def user_password_reset(e: Event) -> Sentence:
    """The office reset a user's password."""
    return Sentence(say(gettext("Reset the password of the account %(name)s."), name=e.user()))


def auth_signed_in(e: Event) -> Sentence:
    """A user signed in."""
    return Sentence(say(gettext("Signed in.")))


def auth_signed_out(e: Event) -> Sentence:
    """A user signed out."""
    return Sentence(say(gettext("Signed out.")))


def auth_token_issued(e: Event) -> Sentence:
    """An API token issued to a user."""
    return Sentence(say(gettext("Was issued a token for the programming interface.")))


def auth_token_revoked(e: Event) -> Sentence:
    """An API token revoked by its user."""
    return Sentence(say(gettext("Revoked a token for the programming interface.")))


def demo_loaded(e: Event) -> Sentence:
    """The demonstration data loaded."""
    return Sentence(
        say(
            gettext("Loaded the demonstration data: %(rounds)s rounds, %(n)s applicants in each open round."),
            rounds=show_number(len(e.s.get("rounds") or [])),
            n=show_number(e.s.get("applicants", 0)),
        )
    )


# -------------------------------------------------------------------------------------- assignments

_OUTCOMES = {
    "complete": N_("Every application has its full panel."),
    "partial": N_("Applications that could not be given a full panel: %(n)s"),
    "infeasible": N_("No application could be given a panel."),
}


def assignment_auto(e: Event) -> Sentence:
    """Reviewers assigned by the automatic run."""
    outcome = _OUTCOMES.get(str(e.s.get("status")), _OUTCOMES["partial"])
    return Sentence(
        say(
            gettext(
                "Assigned reviewers automatically in the round %(round)s (%(kind)s): "
                "%(pairs)s new assignments for %(applications)s applications among %(reviewers)s reviewers."
            ),
            round=e.round(),
            kind=label("assignment_kind", e.s.get("kind")),
            pairs=show_number(e.s.get("pairs_made", 0)),
            applications=show_number(e.s.get("applications", 0)),
            reviewers=show_number(e.s.get("reviewers", 0)),
        ),
        [say(gettext(outcome), n=show_number(e.s.get("uncovered_count", 0)))],
    )


def assignment_add(e: Event) -> Sentence:
    """The office put a reviewer on a panel (overriding a conflict rule, with a reason)."""
    overridden = e.s.get("overridden")
    details = (
        [say(gettext("A conflict rule was overridden.")), *e.reason("override_reason")] if overridden else []
    )
    return Sentence(
        say(
            gettext("Assigned %(reviewer)s to the application of %(organisation)s (%(kind)s)."),
            reviewer=e.user(e.s.get("reviewer_id")),
            organisation=e.application(e.s.get("application_id")),
            kind=label("assignment_kind", e.s.get("kind")),
        ),
        details,
    )


def assignment_remove(e: Event) -> Sentence:
    """The office took a reviewer off a panel."""
    details = e.reason()
    if e.s.get("review_voided"):
        details.append(say(gettext("Their submitted review no longer counts.")))
    return Sentence(
        say(
            gettext("Took %(reviewer)s off the panel of the application of %(organisation)s."),
            reviewer=e.user(e.s.get("reviewer_id")),
            organisation=e.application(e.s.get("application_id")),
        ),
        details,
    )


def assignment_recuse(e: Event) -> Sentence:
    """A reviewer stepped down from an application."""
    return Sentence(
        say(
            gettext("Recused from the application of %(organisation)s."),
            organisation=e.application(e.s.get("application_id")),
        ),
        e.reason(),
    )


def assignment_reassign(e: Event) -> Sentence:
    """A replacement sought for an ended assignment: found, or not."""
    organisation = e.application(e.s.get("application_id"))
    if e.s.get("replacement") is None:
        return Sentence(
            say(
                gettext("Found no replacement reviewer for the application of %(organisation)s."),
                organisation=organisation,
            )
        )
    return Sentence(
        say(
            gettext("Assigned %(reviewer)s to the application of %(organisation)s as a replacement."),
            reviewer=e.user(e.s.get("reviewer_id")),
            organisation=organisation,
        )
    )


def conflict_declare(e: Event) -> Sentence:
    """A conflict of interest declared, by a reviewer (against an organisation) or an applicant
    (against a reviewer)."""
    if e.s.get("side") == "applicant":
        text = say(
            gettext("Declared a conflict of interest with the reviewer %(reviewer)s in the round %(round)s."),
            reviewer=e.user(e.s.get("reviewer_id")),
            round=e.round(),
        )
    else:
        text = say(
            gettext("Declared a conflict of interest with %(organisation)s in the round %(round)s."),
            organisation=e.organisation(e.s.get("organisation_id"), e.s.get("organisation_name")),
            round=e.round(),
        )
    return Sentence(text, e.reason())


def conflict_decide(e: Event) -> Sentence:
    """The office accepted or refused a declared conflict."""
    _, status = before_after(e.s.get("status"))
    _, organisation = before_after(e.s.get("organisation_id"))
    _, reason = before_after(e.s.get("reason"))
    template = (
        N_("Accepted the conflict of interest between the reviewer %(reviewer)s and %(organisation)s.")
        if status == "accepted"
        else N_("Refused the conflict of interest between the reviewer %(reviewer)s and %(organisation)s.")
    )
    return Sentence(
        say(
            gettext(template),
            reviewer=e.user(e.s.get("reviewer_id")),
            organisation=e.organisation(organisation, "—"),
        ),
        [say(gettext("Reason: %(reason)s"), reason=reason)] if reason else [],
    )


def reviewer_profile(e: Event) -> Sentence:
    """A reviewer's expertise or affiliation changed."""
    before, after = e.s.get("before") or {}, e.s.get("after") or {}
    details = []
    if before.get("affiliation") != after.get("affiliation"):
        details.append(
            say(
                gettext("Affiliation: %(before)s → %(after)s"),
                before=affiliation_words(before.get("affiliation"), e.names.places),
                after=affiliation_words(after.get("affiliation"), e.names.places),
            )
        )
    if before.get("expertise") != after.get("expertise"):
        english = language() == "en"
        shown = [
            (
                e.names.sections[s][1 if english else 0]
                if s in e.names.sections
                else gettext("a section no longer used")
            )
            for s in after.get("expertise") or []
        ]
        details.append(say(gettext("Expertise: %(sections)s"), sections=joined(shown) or "—"))
    return Sentence(
        say(gettext("Changed the profile of the reviewer %(reviewer)s."), reviewer=e.user()), details
    )


# ------------------------------------------------------------------------------------------ reviews


def _review_details(e: Event) -> list[Markup]:
    scores = e.s.get("scores") or {}
    lines = [say(gettext("Scores entered or changed: %(n)s"), n=show_number(len(scores)))] if scores else []
    if "vetoes" in e.s:
        raised = len((e.s["vetoes"] or {}).get("after") or [])
        lines.append(say(gettext("Veto items raised: %(n)s"), n=show_number(raised)))
    return lines


def _review_sentence(text: str, doc: str):
    """The sentence of a review's event: ``text`` (marked with N_) about the reviewed application,
    then what the review held."""

    def sentence(e: Event) -> Sentence:
        return Sentence(
            say(gettext(text), organisation=e.application(e.s.get("application_id"))),
            _review_details(e),
        )

    sentence.__doc__ = doc
    return sentence


review_saved = _review_sentence(
    N_("Saved a draft review of the application of %(organisation)s."), "A reviewer saved a draft review."
)
review_submitted = _review_sentence(
    N_("Submitted the review of the application of %(organisation)s."), "A reviewer submitted a review."
)
review_reopened = _review_sentence(
    N_("Reopened the review of the application of %(organisation)s as a draft."),
    "A submitted review made a draft again.",
)


PEOPLE = {
    "organisation.created": organisation_created,
    "user.created": user_created,
    "user.activated": user_activated,
    "user.deactivated": user_deactivated,
    "user.password_changed": user_password_changed,
    "user.password_reset": user_password_reset,
    "auth.signed_in": auth_signed_in,
    "auth.signed_out": auth_signed_out,
    "auth.token_issued": auth_token_issued,
    "auth.token_revoked": auth_token_revoked,
    "demo.loaded": demo_loaded,
    "assignment.auto": assignment_auto,
    "assignment.add": assignment_add,
    "assignment.remove": assignment_remove,
    "assignment.recuse": assignment_recuse,
    "assignment.reassign": assignment_reassign,
    "conflict.declare": conflict_declare,
    "conflict.decide": conflict_decide,
    "reviewer.profile": reviewer_profile,
    "review.saved": review_saved,
    "review.submitted": review_submitted,
    "review.reopened": review_reopened,
}
