"""Each audit event as a sentence in the reader's language: what was done, to which application,
round, account or organisation (by its name), with the workflow's labels, times in Beijing time and
lists by their labels — nothing of the service's inner names.

One function per action the services record (``SENTENCES``; tests/test_audit_sentences.py finds
every ``audit.record`` call and fails on an action without one). The actor is not part of the
sentence: the pages show it beside it. ``describe(event, names, link)`` gives the sentence and its
details (reasons, notes, what changed); ``link(kind, id, text)`` turns a name into a link to its page
(the audit log) or leaves it text (the default).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from evaluator.audit.models import AuditEvent
from evaluator.audit.names import Names
from evaluator.audit.wording import Event, Link, Sentence, plain, say
from evaluator.audit.words_applications import APPLICATIONS
from evaluator.audit.words_cohorts import COHORTS
from evaluator.audit.words_dossiers import DOSSIERS
from evaluator.audit.words_people import PEOPLE
from evaluator.audit.words_rounds import ROUNDS
from evaluator.audit.words_shortlists import SHORTLISTS

SENTENCES: dict[str, Callable[[Event], Sentence]] = {
    **APPLICATIONS,
    **ROUNDS,
    **PEOPLE,
    **COHORTS,
    **DOSSIERS,
    **SHORTLISTS,
}
"""The sentence of every action the services record."""


def describe(event: AuditEvent, names: Names, link: Link = plain) -> Sentence:
    """The event in words (an action this version does not know is said to be unknown)."""
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        return Sentence(say(gettext("Recorded a change this version of the service cannot describe.")))
    return sentence(Event(event, names, link))
