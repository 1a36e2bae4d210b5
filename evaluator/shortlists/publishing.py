"""Publishing lists: the shortlist on public notice, its corrections, the recognition list.

``publish`` freezes a draft: its content (``shortlists.content``) and the content's SHA-256, the
notice period (7 calendar days by default, or N working days, ``shortlists.calendar``), the
applications' statuses (shortlisted or not) and, for the first version, the round's move to the
public notice. A correction (``correct``) is a new draft that supersedes the current version; once
published both stay public. ``recognise`` closes the round after the notice, with the recognition
list (认定名单) frozen the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select, update

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.applications.transitions import check_round_allows
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results.models import ResultSnapshot
from evaluator.rounds.models import Round
from evaluator.rounds.phases import move_round
from evaluator.rounds.service import round_criteria
from evaluator.shortlists import calendar, content
from evaluator.shortlists.drafting import discard_drafts, outdated
from evaluator.shortlists.models import Shortlist, ShortlistEntry
from evaluator.shortlists.service import beijing_day, current, entries, pending_objections
from evaluator.workflow import MOVES, PHASE_ACTS, PHASE_LABELS, ListKind, ListState, Phase


def move_statuses(actor: User | None, rnd: Round, ids: list[int], action: str) -> list[int]:
    """Move the applications of ``ids`` that the move starts from (``workflow.MOVES``); the ids moved."""
    move = MOVES[action]
    check_round_allows(move, rnd, move.done)
    sources = [s.value for s in move.sources if s is not None]
    if not ids:
        return []
    moved: list[int] = []
    for k in range(0, len(ids), 900):  # below SQLite's limit of bound parameters
        chunk = ids[k : k + 900]
        where = (Application.id.in_(chunk), Application.status.in_(sources))
        moved += list(db.session.scalars(select(Application.id).where(*where)))
        db.session.execute(
            update(Application)
            .where(*where)
            .values(status=move.target.value, version=Application.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    gone = set(moved)
    for row in list(db.session.identity_map.values()):
        if isinstance(row, Application) and row.id in gone:
            db.session.expire(row)
    return sorted(moved)


def _refuse_published() -> ServiceError:
    return ServiceError(
        409, msg("A published list never changes: correct it with a new version that supersedes it.")
    )


def _dates(shortlist: Shortlist, start: date) -> date:
    holidays = [date.fromisoformat(d) for d in shortlist.extra_holidays or []]
    workdays = [date.fromisoformat(d) for d in shortlist.extra_workdays or []]
    try:
        return calendar.notice_end(start, shortlist.notice_rule, shortlist.notice_days, holidays, workdays)
    except calendar.UncoveredYearError as exc:
        raise ServiceError(
            409,
            msg(
                "The official calendar of %(year)s is not known to the service yet: add that year's "
                "public holidays and adjusted working days to the draft, or count calendar days.",
                year=exc.year,
            ),
        ) from None


def publish(actor: User, shortlist: Shortlist, expected=None, at: datetime | None = None) -> Shortlist:
    """Freeze a draft shortlist and open its notice period (flushes, audits); the first version moves
    the round to the public notice. ``at``: the publication time (now)."""
    rnd = lock_round(shortlist.round_id)
    db.session.refresh(shortlist)
    check_version(shortlist, expected, "shortlist")
    if shortlist.state != ListState.DRAFT:
        raise _refuse_published()
    at = at or utcnow()
    old = db.session.get(Shortlist, shortlist.supersedes_id) if shortlist.supersedes_id else None
    if old is None:
        if rnd.phase != Phase.SCORING_CLOSED or current(rnd.id) is not None:
            raise ServiceError(
                409,
                msg(
                    "Round '%(title)s' is in phase '%(phase)s': its first shortlist is published once "
                    "scoring has closed.",
                    title=rnd.title,
                    phase=PHASE_LABELS[Phase(rnd.phase)],
                ),
            )
        if outdated(shortlist, rnd):
            raise ServiceError(
                409,
                msg(
                    "The results or the cohorts have changed since this draft was made: draft the "
                    "shortlist again, then publish the new draft."
                ),
            )
    elif current(rnd.id).id != old.id or rnd.phase != Phase.NOTICE:
        raise ServiceError(409, msg("The version this correction supersedes is no longer the current one."))
    lines = entries(shortlist)
    listed = [e.application_id for e, _a, _o in lines if e.selected]
    added = old is None or bool(set(listed) - {e.application_id for e, _a, _o in entries(old) if e.selected})
    if added:
        starts = beijing_day(at)
        ends = _dates(shortlist, starts)
    else:  # a correction that only takes applications off keeps the notice period it corrects
        starts, ends = old.notice_starts, old.notice_ends
    if old is None:
        move_round(actor, rnd, Phase.NOTICE, act=PHASE_ACTS[Phase.NOTICE])
    on = move_statuses(actor, rnd, listed, "shortlist")
    off = move_statuses(
        actor, rnd, [e.application_id for e, _a, _o in lines if not e.selected], "not_shortlist"
    )
    _freeze(
        shortlist,
        rnd,
        lines,
        at,
        content.notice_of(shortlist.notice_rule, shortlist.notice_days, starts, ends),
        old,
    )
    shortlist.notice_starts, shortlist.notice_ends = starts, ends
    shortlist.published_by = actor.id if actor is not None else None
    db.session.flush()
    audit.record(
        actor,
        "shortlist.published",
        "round",
        rnd.id,
        {
            "shortlist_id": shortlist.id,
            "number": shortlist.number,
            "sha256": shortlist.sha256,
            "listed": len(listed),
            "not_listed": len(lines) - len(listed),
            "shortlisted": on,
            "not_shortlisted": off,
            "notice_starts": starts.isoformat(),
            "notice_ends": ends.isoformat(),
            "supersedes": old.number if old is not None else None,
            "reason": shortlist.correction_reason,
        },
    )
    return shortlist


def _freeze(
    shortlist: Shortlist, rnd: Round, lines: list, at: datetime, notice: dict | None, old: Shortlist | None
) -> None:
    """Write the list's frozen content and hash, and mark it published."""
    snapshot = db.session.get(ResultSnapshot, shortlist.results_snapshot_id)
    cs = round_criteria(rnd)
    changes = []
    if old is not None:
        before = {e.application_id: e.selected for e, _a, _o in entries(old)}
        for entry, _app, org in lines:
            if before.get(entry.application_id) != entry.selected:
                changes.append(
                    {
                        "organisation": org.name,
                        "listed": entry.selected,
                        "reason": entry.reason,
                        "note": entry.note,
                    }
                )
    data = content.build(
        kind=shortlist.kind,
        number=shortlist.number,
        rnd=rnd,
        published_at=at,
        notice=notice,
        results={
            "snapshot": snapshot.id,
            "input_sha256": snapshot.input_sha256,
            "engine_version": snapshot.engine_version,
        },
        criteria_sha256=shortlist.criteria_sha256,
        lines=[(e, o) for e, _a, o in lines if e.selected],
        grades={g.code: g for g in cs.grades},
        supersedes={"number": old.number, "sha256": old.sha256} if old is not None else None,
        reason=shortlist.correction_reason,
        changes=changes,
    )
    text = content.canonical(data)
    shortlist.content, shortlist.sha256 = text, content.digest(text)
    shortlist.state, shortlist.published_at = ListState.PUBLISHED.value, at


def correct(actor: User, published: Shortlist, reason: str) -> Shortlist:
    """A draft correction of the current shortlist: its entries copied, to adjust and publish
    (flushes, audits); 409 unless it is the round's current shortlist during the notice."""
    rnd = lock_round(published.round_id)
    if (
        published.state != ListState.PUBLISHED
        or published.kind != ListKind.SHORTLIST
        or rnd.phase != Phase.NOTICE
        or current(rnd.id).id != published.id
    ):
        raise ServiceError(
            409, msg("Only the current shortlist of a round on public notice can be corrected.")
        )
    replaced = discard_drafts(rnd.id, ListKind.SHORTLIST.value)
    draft = Shortlist(
        round_id=rnd.id,
        kind=ListKind.SHORTLIST.value,
        number=published.number + 1,
        state=ListState.DRAFT.value,
        supersedes_id=published.id,
        correction_reason=reason,
        results_snapshot_id=published.results_snapshot_id,
        results_sha256=published.results_sha256,
        criteria_sha256=published.criteria_sha256,
        rules=published.rules,
        notice_rule=published.notice_rule,
        notice_days=published.notice_days,
        extra_holidays=published.extra_holidays,
        extra_workdays=published.extra_workdays,
        created_by=actor.id if actor is not None else None,
    )
    db.session.add(draft)
    db.session.flush()
    _copy_entries(published, draft)
    audit.record(
        actor,
        "shortlist.correction_drafted",
        "round",
        rnd.id,
        {
            "shortlist_id": draft.id,
            "number": draft.number,
            "supersedes": published.number,
            "reason": reason,
            "replaced": replaced,
        },
    )
    return draft


def _copy_entries(source: Shortlist, target: Shortlist) -> None:
    skip = {"id", "shortlist_id"}
    rows = db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.shortlist_id == source.id)).all()
    lines = [
        {c.key: getattr(r, c.key) for c in ShortlistEntry.__table__.columns if c.key not in skip}
        | {"shortlist_id": target.id}
        for r in rows
    ]
    if lines:
        db.session.execute(insert(ShortlistEntry), lines)


def recognise(actor: User, rnd: Round, at: datetime | None = None) -> Shortlist:
    """Close the round after its notice: publish the recognition list (the current shortlist's
    units), move the shortlisted to recognised and the others to rejected, the round to final
    (flushes, audits). 409 before the notice period has ended or while an objection is undecided."""
    rnd = lock_round(rnd.id)
    at = at or utcnow()
    shortlist = current(rnd.id)
    if rnd.phase != Phase.NOTICE or shortlist is None:
        raise ServiceError(
            409,
            msg(
                "Round '%(title)s' is in phase '%(phase)s': the recognition follows the public notice "
                "of its shortlist.",
                title=rnd.title,
                phase=PHASE_LABELS[Phase(rnd.phase)],
            ),
        )
    if beijing_day(at) <= shortlist.notice_ends:
        raise ServiceError(
            409,
            msg(
                "The notice period runs until %(day)s: the recognition comes after it.",
                day=shortlist.notice_ends.isoformat(),
            ),
        )
    waiting = pending_objections(rnd.id)
    if waiting:
        raise ServiceError(
            409, msg("%(n)s objections await a decision: decide every objection first.", n=waiting)
        )
    discard_drafts(rnd.id, ListKind.RECOGNITION.value)
    listing = Shortlist(
        round_id=rnd.id,
        kind=ListKind.RECOGNITION.value,
        number=1 + (current(rnd.id, ListKind.RECOGNITION.value) or Shortlist(number=0)).number,
        state=ListState.DRAFT.value,
        results_snapshot_id=shortlist.results_snapshot_id,
        results_sha256=shortlist.results_sha256,
        criteria_sha256=shortlist.criteria_sha256,
        rules=shortlist.rules,
        notice_rule=shortlist.notice_rule,
        notice_days=shortlist.notice_days,
        created_by=actor.id if actor is not None else None,
        published_by=actor.id if actor is not None else None,
    )
    db.session.add(listing)
    db.session.flush()
    _copy_entries(shortlist, listing)
    lines = entries(listing)
    listed = [e.application_id for e, _a, _o in lines if e.selected]
    recognised = move_statuses(actor, rnd, listed, "recognise")
    rejected = move_statuses(
        actor, rnd, [e.application_id for e, _a, _o in lines if not e.selected], "reject"
    )
    _freeze(listing, rnd, lines, at, None, None)
    db.session.flush()
    move_round(actor, rnd, Phase.FINAL, act=PHASE_ACTS[Phase.FINAL])
    audit.record(
        actor,
        "recognition.published",
        "round",
        rnd.id,
        {
            "shortlist_id": listing.id,
            "number": listing.number,
            "sha256": listing.sha256,
            "from_shortlist": shortlist.number,
            "listed": len(listed),
            "recognised": recognised,
            "rejected": rejected,
        },
    )
    return listing
