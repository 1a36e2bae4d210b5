"""A round's lists read back: the versions, the current one, what supersedes what, the entries, the
notice period's state, each published list checked against its hashes, an application's outcome.

Publishing them is ``shortlists.publishing``; drafting, ``shortlists.drafting``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.audit.models import AuditEvent
from evaluator.core.db import as_aware, utcnow
from evaluator.extensions import db
from evaluator.rounds.phases import BEIJING
from evaluator.shortlists import content
from evaluator.shortlists.models import Objection, Shortlist, ShortlistEntry
from evaluator.workflow import ListKind, ListState, ObjectionState

PUBLISHED_EVENTS = {ListKind.SHORTLIST: "shortlist.published", ListKind.RECOGNITION: "recognition.published"}


def beijing_day(at: datetime | None = None) -> date:
    """The date in Beijing at a time (now by default)."""
    return as_aware(at or utcnow()).astimezone(BEIJING).date()


# ------------------------------------------------------------------------------------------ reading


def versions(round_id: int) -> list[Shortlist]:
    """Every list of a round, drafts and published, newest first within each kind."""
    return list(
        db.session.scalars(
            select(Shortlist)
            .where(Shortlist.round_id == round_id)
            .order_by(Shortlist.kind.desc(), Shortlist.number.desc(), Shortlist.id.desc())
        )
    )


def current(round_id: int, kind: str = ListKind.SHORTLIST.value) -> Shortlist | None:
    """The round's newest published list of a kind (the one no other supersedes)."""
    return db.session.scalars(
        select(Shortlist)
        .where(
            Shortlist.round_id == round_id,
            Shortlist.kind == kind,
            Shortlist.state == ListState.PUBLISHED.value,
        )
        .order_by(Shortlist.number.desc())
        .limit(1)
    ).first()


def superseded_by(shortlist_id: int) -> tuple[int, int] | None:
    """(id, number) of the published version that supersedes a list, if any."""
    row = db.session.execute(
        select(Shortlist.id, Shortlist.number).where(
            Shortlist.supersedes_id == shortlist_id, Shortlist.state == ListState.PUBLISHED.value
        )
    ).first()
    return (row[0], row[1]) if row else None


def entries(shortlist: Shortlist) -> list[tuple[ShortlistEntry, Application, Organisation]]:
    """A list's entries in their order, with application and organisation."""
    return list(
        db.session.execute(
            select(ShortlistEntry, Application, Organisation)
            .join(Application, ShortlistEntry.application_id == Application.id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(ShortlistEntry.shortlist_id == shortlist.id)
            .order_by(ShortlistEntry.position)
        ).all()
    )


def notice_state(shortlist: Any, today: date | None = None) -> str | None:
    """``open`` during a shortlist's notice period, ``closed`` after it (None for other lists)."""
    if shortlist.kind != ListKind.SHORTLIST or shortlist.notice_ends is None:
        return None
    today = today or beijing_day()
    if today < shortlist.notice_starts:
        return "before"
    return "open" if today <= shortlist.notice_ends else "closed"


@dataclass(frozen=True)
class Check:
    """A published list's content checked against its hash: the hash stored beside it, the hash
    recomputed from the text as the database holds it now, and the hash the audit log recorded
    when it was published."""

    stored: str | None
    computed: str | None
    recorded: str | None

    @property
    def intact(self) -> bool:
        """Whether all three agree."""
        return self.stored is not None and self.stored == self.computed == self.recorded


def recorded_hash(shortlist: Any) -> str | None:
    """The SHA-256 the audit log recorded when the list was published — None when there is no such
    event, or when the event no longer matches its place in the audit chain (its own hash, and the
    next event's link to it): a summary rewritten in the database is not a record."""
    action = PUBLISHED_EVENTS[ListKind(shortlist.kind)]
    for event in db.session.scalars(audit.events_query(action, "round", shortlist.round_id)):
        if (event.summary or {}).get("shortlist_id") == shortlist.id:
            return event.summary.get("sha256") if _chained(event) else None
    return None


def _chained(event: Any) -> bool:
    """Whether an audit event still hashes to its stored hash and the next event links to it."""
    if audit.event_hash(event.prev_hash, event) != event.hash:
        return False
    after = db.session.scalar(
        select(AuditEvent.prev_hash).where(AuditEvent.id > event.id).order_by(AuditEvent.id).limit(1)
    )
    return after is None or after == event.hash


def frozen_text(shortlist_id: int) -> tuple[str | None, str | None]:
    """(content text, stored hash) of a published list, read afresh from the database."""
    row = db.session.execute(
        select(Shortlist.content, Shortlist.sha256).where(Shortlist.id == shortlist_id)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def verify(shortlist: Any, text: str | None = None) -> Check:
    """Check a published list's content against its hashes (``text``: the content already read)."""
    stored = shortlist.sha256
    if text is None:
        text, stored = frozen_text(shortlist.id)
    computed = content.digest(text) if text is not None else None
    return Check(stored, computed, recorded_hash(shortlist))


def pending_objections(round_id: int) -> int:
    """How many objections to the round's shortlists await a decision."""
    return len(
        db.session.scalars(
            select(Objection.id)
            .join(Shortlist, Objection.shortlist_id == Shortlist.id)
            .where(Shortlist.round_id == round_id, Objection.state == ObjectionState.RECEIVED.value)
        ).all()
    )


def outcome_of(application_id: int, round_id: int) -> dict[str, Any] | None:
    """An application's place on its round's newest published list (the recognition list once there
    is one, else the current shortlist): the list, whether it is on it, its 序号 and cohort; None
    before any list is published."""
    for kind in (ListKind.RECOGNITION.value, ListKind.SHORTLIST.value):
        listing = current(round_id, kind)
        if listing is None:
            continue
        entry = db.session.scalars(
            select(ShortlistEntry).where(
                ShortlistEntry.shortlist_id == listing.id, ShortlistEntry.application_id == application_id
            )
        ).first()
        if entry is None:
            return None
        no = None
        if entry.selected:
            no = len(
                db.session.scalars(
                    select(ShortlistEntry.id).where(
                        ShortlistEntry.shortlist_id == listing.id,
                        ShortlistEntry.selected.is_(True),
                        ShortlistEntry.position <= entry.position,
                    )
                ).all()
            )
        return {
            "shortlist_id": listing.id,
            "kind": listing.kind,
            "number": listing.number,
            "listed": entry.selected,
            "no": no,
            "cohort_zh": entry.cohort_zh,
            "cohort_en": entry.cohort_en,
            "cohort_rank": entry.cohort_rank,
            "notice_starts": listing.notice_starts,
            "notice_ends": listing.notice_ends,
        }
    return None
