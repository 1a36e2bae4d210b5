"""Why an application is on a list or not, in words: one sentence per reason, with its figures."""

from __future__ import annotations

from typing import Any

from evaluator.messages import N_, Message, msg
from evaluator.workflow import EntryReason

_SENTENCES = {
    EntryReason.SELECTED: N_(
        "In: place %(place)s of %(size)s eligible in the cohort “%(cohort)s”, within its quota of %(limit)s."
    ),
    EntryReason.COHORT_FULL: N_(
        "Out: place %(place)s of %(size)s eligible in the cohort “%(cohort)s”, whose quota of %(limit)s "
        "is filled by better-placed applications."
    ),
    EntryReason.CITY_FULL: N_(
        "Out: place %(place)s in the cohort “%(cohort)s”, but its city's quota of %(limit)s is filled "
        "by better-placed applications."
    ),
    EntryReason.CAP_REACHED: N_(
        "Out: place %(place)s in the cohort “%(cohort)s”, but the overall cap of %(limit)s "
        "applications is reached."
    ),
    EntryReason.VETOED: N_("Out: struck by a veto item."),
    EntryReason.INCOMPLETE: N_("Out: too few reviews (%(n)s counted, %(needed)s needed)."),
    EntryReason.BELOW_PASS: N_(
        "Out: its grade is not one the criteria recognise (the pass rules are not met)."
    ),
    EntryReason.ADDED: N_("In: put on the list by the office. Reason: %(note)s"),
    EntryReason.TAKEN_OFF: N_("Out: taken off the list by the office. Reason: %(note)s"),
    EntryReason.REMOVED: N_("Out: removed after an upheld objection. Reason: %(note)s"),
    EntryReason.WITHHELD: N_("Out: withheld for a re-review after an upheld objection. Reason: %(note)s"),
}
_NO_QUOTA = N_("In: place %(place)s of %(size)s eligible in the cohort “%(cohort)s”, which has no quota.")
TIED = N_(
    "Its total ties with that of the last application taken in from its cohort: the criteria's "
    "tie-break chain placed it after."
)
REASON_LABELS = {
    EntryReason.SELECTED: N_("Within the quota"),
    EntryReason.COHORT_FULL: N_("Cohort's quota filled"),
    EntryReason.CITY_FULL: N_("City's quota filled"),
    EntryReason.CAP_REACHED: N_("Overall cap reached"),
    EntryReason.VETOED: N_("Vetoed"),
    EntryReason.INCOMPLETE: N_("Too few reviews"),
    EntryReason.BELOW_PASS: N_("Pass rules not met"),
    EntryReason.ADDED: N_("Put on by the office"),
    EntryReason.TAKEN_OFF: N_("Taken off by the office"),
    EntryReason.REMOVED: N_("Removed after an objection"),
    EntryReason.WITHHELD: N_("Withheld for a re-review"),
}


def why(entry: Any, cohort: str, needed: int) -> list[Message]:
    """The sentences saying why an entry is in or out (``cohort``: its cohort's name as read)."""
    reason = EntryReason(entry.reason)
    template = _SENTENCES[reason]
    if reason == EntryReason.SELECTED and entry.limit is None:
        template = _NO_QUOTA
    said = [
        msg(
            template,
            place=entry.cohort_rank or "—",
            size=entry.cohort_size,
            cohort=cohort,
            limit=entry.limit if entry.limit is not None else "—",
            n=entry.n_reviews,
            needed=needed,
            note=entry.note or "",
        )
    ]
    if entry.tied and not entry.selected:
        said.append(msg(TIED))
    return said
