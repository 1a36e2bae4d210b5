"""Drafting a shortlist from the round's newest results snapshot, and the office's adjustments.

``draft`` reads the snapshot's lines, places each application in its cohort (the round's latest
cohort run, or one cohort of all when there is none), lets ``selection.select`` apply the quotas and
stores the draft with one entry per application, each with the reason it is in or out. A new draft
replaces the round's earlier one (drafts are never public). ``adjust`` puts an eligible application
on the draft or takes one off, with the office's reason.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm.attributes import flag_modified

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.cohort_runs.service import current_cohorts
from evaluator.core.locking import lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import Bilingual, msg
from evaluator.results import service as results
from evaluator.results.models import ApplicationResult
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import CITY_CODE, QuotaSchema
from evaluator.shortlists import calendar, selection
from evaluator.shortlists.models import Shortlist, ShortlistEntry
from evaluator.shortlists.service import beijing_day
from evaluator.validation import Text
from evaluator.workflow import PHASE_LABELS, EntryReason, ListKind, ListState, NoticeRule, Phase

ALL_COHORTS = ("全部", "All")
"""The one cohort of a round without a cohort run."""
MAX_QUOTAS = 500
MAX_DATES = 100


class DraftSchema(Schema):
    """The quotas and the notice period of a new draft."""

    class Meta:  # noqa: D106
        unknown = RAISE

    cohort_quota = fields.Nested(
        QuotaSchema, allow_none=True, load_default=None, metadata={"description": "Every cohort's quota"}
    )
    cohort_quotas = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d{1,4}$")),
        values=fields.Nested(QuotaSchema),
        load_default=dict,
        validate=validate.Length(max=MAX_QUOTAS),
        metadata={"description": "Quotas of single cohorts, by cohort number"},
    )
    city_quotas = fields.Dict(
        keys=fields.String(validate=CITY_CODE),
        values=fields.Nested(QuotaSchema),
        load_default=dict,
        validate=validate.Length(max=MAX_QUOTAS),
    )
    cap = fields.Integer(
        allow_none=True, load_default=None, strict=True, validate=validate.Range(min=0, max=100_000)
    )
    notice_rule = fields.String(
        load_default=NoticeRule.CALENDAR.value, validate=validate.OneOf([r.value for r in NoticeRule])
    )
    notice_days = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=60)
    )
    extra_holidays = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=MAX_DATES))
    extra_workdays = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=MAX_DATES))


class AdjustSchema(Schema):
    """An adjustment of a draft: put an application on it or take it off, with a reason."""

    class Meta:  # noqa: D106
        unknown = RAISE

    application_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    selected = fields.Boolean(required=True)
    reason = Text(required=True, min_length=2, max_length=1000, multiline=True)


class CorrectionSchema(Schema):
    """Why the current version of a shortlist is corrected."""

    class Meta:  # noqa: D106
        unknown = RAISE

    reason = Text(required=True, min_length=2, max_length=2000, multiline=True)


def cohorts_of(rnd: Round) -> list[tuple[int, Bilingual]]:
    """The round's cohorts (its latest run's, or the one cohort of all), by number."""
    found = {r.number: Bilingual(r.label_zh, r.label_en) for r in current_cohorts(rnd.id).values()}
    return sorted(found.items()) if found else [(0, Bilingual(*ALL_COHORTS))]


def _quota(raw: dict | None) -> selection.Quota | None:
    return None if raw is None else selection.Quota(raw["kind"], float(raw["value"]))


def rules_of(data: dict[str, Any]) -> selection.Rules:
    """The selection's rules from a draft's stored (or posted) quotas."""
    return selection.Rules(
        cohort=_quota(data.get("cohort_quota")),
        cohorts={int(k): _quota(v) for k, v in (data.get("cohort_quotas") or {}).items()},
        cities={k: _quota(v) for k, v in (data.get("city_quotas") or {}).items()},
        cap=data.get("cap"),
    )


def results_table(rnd: Round, snapshot) -> pd.DataFrame:
    """The snapshot's lines with their city and cohort, as ``selection.select`` reads them."""
    rows = db.session.execute(
        select(
            ApplicationResult.application_id,
            Organisation.city_code,
            ApplicationResult.status,
            ApplicationResult.recognised,
            ApplicationResult.rank,
            ApplicationResult.total,
            ApplicationResult.grade,
            ApplicationResult.n_reviews,
        )
        .join(Application, ApplicationResult.application_id == Application.id)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(ApplicationResult.snapshot_id == snapshot.id)
        .order_by(ApplicationResult.position)
    ).all()
    columns = ["application_id", "city_code", "status", "recognised", "rank", "total", "grade", "n_reviews"]
    table = pd.DataFrame(rows, columns=columns)
    cohorts = current_cohorts(rnd.id)
    refs = [cohorts.get(int(a)) for a in table["application_id"]]
    table["cohort"] = [r.number if r else 0 for r in refs]
    table["cohort_zh"] = [r.label_zh if r else ALL_COHORTS[0] for r in refs]
    table["cohort_en"] = [r.label_en if r else ALL_COHORTS[1] for r in refs]
    return table


def _next_number(round_id: int, kind: str) -> int:
    highest = db.session.scalar(
        select(func.max(Shortlist.number)).where(
            Shortlist.round_id == round_id,
            Shortlist.kind == kind,
            Shortlist.state == ListState.PUBLISHED.value,
        )
    )
    return (highest or 0) + 1


def discard_drafts(round_id: int, kind: str) -> list[int]:
    """Delete the round's unpublished drafts of a kind (never public); their ids."""
    ids = list(
        db.session.scalars(
            select(Shortlist.id).where(
                Shortlist.round_id == round_id,
                Shortlist.kind == kind,
                Shortlist.state == ListState.DRAFT.value,
            )
        )
    )
    if ids:
        db.session.execute(delete(ShortlistEntry).where(ShortlistEntry.shortlist_id.in_(ids)))
        db.session.execute(delete(Shortlist).where(Shortlist.id.in_(ids)))
        db.session.expire_all()
    return ids


def _check_calendar(data: dict[str, Any], days: int) -> None:
    """422 when a notice of working days, published today, would reach a year whose official
    calendar neither the package nor the office's dates give: said on the draft form, where the
    dates go, rather than on publishing, after the adjustments."""
    if (data.get("notice_rule") or NoticeRule.CALENDAR.value) != NoticeRule.WORKING.value:
        return
    try:
        calendar.notice_end(
            beijing_day(),
            NoticeRule.WORKING.value,
            days,
            data.get("extra_holidays") or [],
            data.get("extra_workdays") or [],
        )
    except calendar.UncoveredYearError as exc:
        said = msg(
            "The official calendar of %(year)s is not known to the service yet: add that year's "
            "public holidays and adjusted working days to the draft, or count calendar days.",
            year=exc.year,
        )
        raise ServiceError(422, said, {"extra_holidays": [said]}) from None


def draft(actor: User, rnd: Round, data: dict[str, Any]) -> Shortlist:
    """A new draft shortlist from the newest results snapshot (flushes, audits); 409 unless scoring
    has closed and no shortlist of the round is published yet."""
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    if fresh.phase != Phase.SCORING_CLOSED:
        raise ServiceError(
            409,
            msg(
                "A shortlist is drafted once scoring has closed; round '%(title)s' is in phase "
                "'%(phase)s'. A published shortlist is corrected by a new version.",
                title=fresh.title,
                phase=PHASE_LABELS[Phase(fresh.phase)],
            ),
        )
    _check_calendar(data, data.get("notice_days") or fresh.notice_days)
    snapshot = results.latest_or_404(fresh)
    cs = round_criteria(fresh)
    replaced = discard_drafts(fresh.id, ListKind.SHORTLIST.value)
    table = results_table(fresh, snapshot)
    rules = rules_of(data)
    picked = selection.select(table, rules, float(cs.scale + cs.bonus_cap))
    stored = {
        "cohort_quota": data.get("cohort_quota"),
        "cohort_quotas": data.get("cohort_quotas") or {},
        "city_quotas": data.get("city_quotas") or {},
        "cap": data.get("cap"),
    }
    shortlist = Shortlist(
        round_id=fresh.id,
        kind=ListKind.SHORTLIST.value,
        number=_next_number(fresh.id, ListKind.SHORTLIST.value),
        state=ListState.DRAFT.value,
        results_snapshot_id=snapshot.id,
        results_sha256=snapshot.input_sha256,
        criteria_sha256=snapshot.criteria_sha256,
        rules=stored,
        notice_rule=data.get("notice_rule") or NoticeRule.CALENDAR.value,
        notice_days=data.get("notice_days") or fresh.notice_days,
        extra_holidays=[d.isoformat() for d in data.get("extra_holidays") or []],
        extra_workdays=[d.isoformat() for d in data.get("extra_workdays") or []],
        created_by=actor.id if actor is not None else None,
    )
    db.session.add(shortlist)
    db.session.flush()
    picked = picked.assign(
        grade=table["grade"], n_reviews=table["n_reviews"], zh=table["cohort_zh"], en=table["cohort_en"]
    )
    order = picked.sort_values(["cohort", "cohort_rank", "rank", "application_id"], kind="stable")
    order["cohort_rank"] = order["cohort_rank"].where(order["eligible"], 0)
    lines = [
        {
            "shortlist_id": shortlist.id,
            "application_id": int(r.application_id),
            "position": k,
            "cohort": int(r.cohort),
            "cohort_zh": str(r.zh),
            "cohort_en": str(r.en),
            "cohort_rank": int(r.cohort_rank) or None,
            "cohort_size": int(r.cohort_size),
            "rank": int(r.rank) if pd.notna(r.rank) and int(r.rank) > 0 else None,
            "total": float(r.total) if pd.notna(r.total) else None,
            "grade": r.grade if isinstance(r.grade, str) else None,
            "status": str(r.status),
            "n_reviews": int(r.n_reviews),
            "selected": bool(r.selected),
            "reason": str(r.reason),
            "limit": int(r.limit) if int(r.limit) >= 0 else None,
            "tied": bool(r.tied),
            "note": None,
        }
        for k, r in enumerate(order.itertuples(index=False))
    ]
    if lines:
        db.session.execute(insert(ShortlistEntry), lines)
    audit.record(
        actor,
        "shortlist.drafted",
        "round",
        fresh.id,
        {
            "shortlist_id": shortlist.id,
            "number": shortlist.number,
            "applications": len(lines),
            "selected": int(picked["selected"].sum()),
            "results_snapshot_id": snapshot.id,
            "rules": stored,
            "replaced": replaced,
        },
    )
    return shortlist


def outdated(shortlist: Shortlist, rnd: Round) -> bool:
    """Whether a first draft no longer matches what it was drafted from: a newer results snapshot
    with other inputs, or an application in another cohort (the cohorts formed again, or an office
    move) than the draft placed it in."""
    newest = results.latest(rnd)
    if newest is None or (
        newest.id != shortlist.results_snapshot_id and newest.input_sha256 != shortlist.results_sha256
    ):
        return True
    now = current_cohorts(rnd.id)
    rows = db.session.execute(
        select(ShortlistEntry.application_id, ShortlistEntry.cohort, ShortlistEntry.cohort_zh).where(
            ShortlistEntry.shortlist_id == shortlist.id
        )
    ).all()
    for application_id, number, label in rows:
        ref = now.get(application_id)
        placed = (ref.number, ref.label_zh) if ref is not None else (0, ALL_COHORTS[0])
        if placed != (number, label):
            return True
    return False


def adjust(actor: User, shortlist: Shortlist, data: dict[str, Any], expected=None) -> ShortlistEntry:
    """Put an eligible application on a draft or take one off, with a reason (flushes, audits)."""
    lock_round(shortlist.round_id)
    db.session.refresh(shortlist)
    check_version(shortlist, expected, "shortlist")
    if shortlist.state != ListState.DRAFT:
        raise ServiceError(
            409, msg("A published list never changes: correct it with a new version that supersedes it.")
        )
    entry = db.session.scalars(
        select(ShortlistEntry).where(
            ShortlistEntry.shortlist_id == shortlist.id,
            ShortlistEntry.application_id == data["application_id"],
        )
    ).first()
    if entry is None:
        raise ServiceError(
            422,
            msg("The application is not in this list's results."),
            {"application_id": [msg("Not an application of the list.")]},
        )
    if entry.selected == data["selected"]:
        raise ServiceError(
            409,
            msg("The application is already on the list.")
            if entry.selected
            else msg("The application is already off the list."),
        )
    if data["selected"] and entry.cohort_rank is None:
        raise ServiceError(
            409,
            msg(
                "Only an eligible application can be put on the list: one with no veto, enough "
                "reviews and a grade the criteria recognise."
            ),
        )
    before = entry.reason
    entry.selected = data["selected"]
    entry.reason = EntryReason.ADDED.value if data["selected"] else EntryReason.TAKEN_OFF.value
    entry.note = data["reason"]
    flag_modified(shortlist, "rules")  # an UPDATE of the list: its version moves on
    db.session.flush()
    audit.record(
        actor,
        "shortlist.adjusted",
        "application",
        entry.application_id,
        {
            "shortlist_id": shortlist.id,
            "round_id": shortlist.round_id,
            "number": shortlist.number,
            "selected": entry.selected,
            "before": before,
            "reason": data["reason"],
        },
    )
    return entry
