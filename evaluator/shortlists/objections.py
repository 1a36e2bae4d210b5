"""Objections from the public to a shortlist on notice: received with a receipt code, then upheld or
dismissed by the office with a reason.

An objection is accepted only during the notice period of the round's current shortlist. Its
evidence file is checked like an applicant's materials (by content, size and zip inspection) and
stored by its SHA-256. Upholding an objection removes the application it is about from the list, or
withholds it for a re-review, by publishing a correction that supersedes the current version.
The objector's name and contact are kept for the office alone: never on a public page, never in the
audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_round
from evaluator.core.settings import number, storage
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.materials.service import MB, display_filename, sniff
from evaluator.messages import N_, msg
from evaluator.shortlists import publishing, service
from evaluator.shortlists.models import Objection, Shortlist, ShortlistEntry
from evaluator.validation import Pattern, Text
from evaluator.workflow import EntryReason, ListKind, ListState, ObjectionState, Remedy

RECEIPT_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out and typed back
RECEIPT_PATTERN = r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$"
# A telephone number (digits with spaces, dashes, brackets, a leading +, 7 to 20 digits in all; an
# extension after 转) or an e-mail address.
CONTACT_PATTERN = (
    r"^(?:\+?[0-9(][0-9 ()\-]{5,28}[0-9](?:\s*转\s*[0-9]{1,6})?"
    r"|[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,24})$"
)


class ObjectionSchema(Schema):
    """An objection: who raises it (kept from the public), how to reach them, what and about whom."""

    class Meta:  # noqa: D106
        unknown = RAISE

    name = Text(required=True, min_length=1, max_length=100)
    contact = Text(
        required=True,
        min_length=3,
        max_length=200,
        validate=Pattern(
            CONTACT_PATTERN,
            error=N_("Give a telephone number or an e-mail address."),
        ),
        metadata={"description": "A telephone number or an e-mail address; never shown to the public"},
    )
    text = Text(required=True, min_length=10, max_length=5000, multiline=True)
    entry_no = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "The 序号 of the listed unit the objection is about"},
    )


class DecisionSchema(Schema):
    """The office's decision on an objection."""

    class Meta:  # noqa: D106
        unknown = RAISE

    outcome = fields.String(
        required=True, validate=validate.OneOf([ObjectionState.UPHELD.value, ObjectionState.DISMISSED.value])
    )
    remedy = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([r.value for r in Remedy])
    )
    application_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    reason = Text(required=True, min_length=2, max_length=2000, multiline=True)

    @validates_schema
    def _upheld_says_what(self, data, **kwargs):
        if data.get("outcome") == ObjectionState.UPHELD:
            problems = {}
            if not data.get("remedy"):
                problems["remedy"] = [msg("Say what happens to the application: removed or re-reviewed.")]
            if not data.get("application_id"):
                problems["application_id"] = [msg("Choose the listed unit the objection is upheld against.")]
            if problems:
                raise ValidationError(problems)


def new_receipt() -> str:
    """A receipt code: 12 letters and digits in three groups (about 59 bits of chance)."""
    letters = "".join(secrets.choice(RECEIPT_LETTERS) for _ in range(12))
    return f"{letters[:4]}-{letters[4:8]}-{letters[8:]}"


def published(shortlist_id: int) -> Shortlist | None:
    """A published list by id (None for a draft or an id that does not exist)."""
    found = db.session.get(Shortlist, shortlist_id)
    return found if found is not None and found.state == ListState.PUBLISHED else None


def by_receipt(code: str) -> Objection | None:
    """The objection with this receipt code (any case, spaces ignored)."""
    cleaned = "".join(code.split()).upper()
    return db.session.scalars(select(Objection).where(Objection.receipt == cleaned)).first()


def of_round(round_id: int) -> list[Objection]:
    """The objections to a round's shortlists, the undecided first, then the newest."""
    rows = db.session.scalars(
        select(Objection)
        .join(Shortlist, Objection.shortlist_id == Shortlist.id)
        .where(Shortlist.round_id == round_id)
        .order_by(Objection.id.desc())
    ).all()
    return sorted(rows, key=lambda o: o.state != ObjectionState.RECEIVED)


def _evidence(stream: Any, filename: str | None) -> dict[str, Any]:
    """An evidence file checked like a material and stored by its SHA-256."""
    limit_mb = number("MAX_UPLOAD_MB")
    data = stream.read(limit_mb * MB + 1)
    if len(data) > limit_mb * MB:
        raise ServiceError(413, msg("The upload is larger than the %(mb)s MB limit.", mb=limit_mb))
    kind = sniff(data, number("MAX_UNZIPPED_MB") * MB)
    sha256 = hashlib.sha256(data).hexdigest()
    storage().put(data, sha256)
    return {
        "evidence_sha256": sha256,
        "evidence_name": display_filename(filename, kind),
        "evidence_type": kind.content_type,
        "evidence_size": len(data),
    }


def submit(
    shortlist: Shortlist,
    data: dict[str, Any],
    stream: Any = None,
    filename: str | None = None,
    at: datetime | None = None,
) -> Objection:
    """Receive an objection to a shortlist on notice (flushes, audits); 409 outside the notice period
    or against a superseded version, 422 for a 序号 not on the list."""
    lock_round(shortlist.round_id, shared=True)
    if shortlist.state != ListState.PUBLISHED or shortlist.kind != ListKind.SHORTLIST:
        raise ServiceError(409, msg("Objections are made to a shortlist on public notice."))
    newer = service.superseded_by(shortlist.id)
    if newer is not None:
        raise ServiceError(
            409,
            msg(
                "This version of the list has been superseded by version %(number)s: object to the "
                "current version.",
                number=newer[1],
            ),
        )
    state = service.notice_state(shortlist, service.beijing_day(at))
    if state != "open":
        raise ServiceError(
            409,
            msg(
                "Objections are accepted during the notice period, %(starts)s to %(ends)s; this is "
                "outside it.",
                starts=shortlist.notice_starts.isoformat(),
                ends=shortlist.notice_ends.isoformat(),
            ),
        )
    listed = db.session.scalar(
        select(func.count(ShortlistEntry.id)).where(
            ShortlistEntry.shortlist_id == shortlist.id, ShortlistEntry.selected.is_(True)
        )
    )
    if data.get("entry_no") is not None and data["entry_no"] > listed:
        raise ServiceError(
            422,
            msg("The list has %(n)s units: choose one of them, or none.", n=listed),
            {"entry_no": [msg("Not a number on the list.")]},
        )
    evidence = _evidence(stream, filename) if stream is not None else {}
    objection = Objection(
        shortlist_id=shortlist.id,
        receipt=new_receipt(),
        name=data["name"],
        contact=data["contact"],
        text=data["text"],
        entry_no=data.get("entry_no"),
        created_at=at or utcnow(),
        **evidence,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        None,
        "objection.received",
        "round",
        shortlist.round_id,
        {
            "objection_id": objection.id,
            "shortlist_id": shortlist.id,
            "number": shortlist.number,
            "receipt": objection.receipt,
            "entry_no": objection.entry_no,
            "evidence": bool(evidence),
        },
    )
    return objection


def unit_name(entry: ShortlistEntry) -> str:
    """The name of the unit a listed line stands for."""
    return db.session.scalar(
        select(Organisation.name)
        .join(Application, Application.organisation_id == Organisation.id)
        .where(Application.id == entry.application_id)
    )


def entry_of(objection: Objection) -> ShortlistEntry | None:
    """The listed line an objection names by its 序号 (None when it names none)."""
    if objection.entry_no is None:
        return None
    return db.session.scalars(
        select(ShortlistEntry)
        .where(ShortlistEntry.shortlist_id == objection.shortlist_id, ShortlistEntry.selected.is_(True))
        .order_by(ShortlistEntry.position)
        .offset(objection.entry_no - 1)
        .limit(1)
    ).first()


def decide(actor: User, objection: Objection, data: dict[str, Any], at: datetime | None = None) -> Objection:
    """Uphold or dismiss an objection with a reason (flushes, audits). Upheld, the application is
    taken off the current shortlist — removed, or withheld for a re-review — by a correction that is
    published at once."""
    shortlist = db.session.get(Shortlist, objection.shortlist_id)
    lock_round(shortlist.round_id)
    db.session.refresh(objection)
    if objection.state != ObjectionState.RECEIVED:
        raise ServiceError(409, msg("This objection has been decided already."))
    correction = None
    if data["outcome"] == ObjectionState.UPHELD:
        now = service.current(shortlist.round_id)
        line = db.session.scalars(
            select(ShortlistEntry).where(
                ShortlistEntry.shortlist_id == now.id,
                ShortlistEntry.application_id == data["application_id"],
                ShortlistEntry.selected.is_(True),
            )
        ).first()
        if line is None:
            raise ServiceError(
                422,
                msg("The application is not on the current shortlist."),
                {"application_id": [msg("Choose a unit on the current shortlist.")]},
            )
        correction = publishing.correct(actor, now, data["reason"])
        entry = db.session.scalars(
            select(ShortlistEntry).where(
                ShortlistEntry.shortlist_id == correction.id,
                ShortlistEntry.application_id == data["application_id"],
            )
        ).one()
        entry.selected = False
        entry.reason = (
            EntryReason.REMOVED if data["remedy"] == Remedy.REMOVE else EntryReason.WITHHELD
        ).value
        entry.note = data["reason"]
        db.session.flush()
        publishing.publish(actor, correction, at=at)
    objection.state = data["outcome"]
    objection.remedy = data.get("remedy") if correction is not None else None
    objection.application_id = data.get("application_id") if correction is not None else None
    objection.decision_reason = data["reason"]
    objection.decided_by = actor.id
    objection.decided_at = at or utcnow()
    objection.correction_id = correction.id if correction is not None else None
    db.session.flush()
    audit.record(
        actor,
        "objection.decided",
        "round",
        shortlist.round_id,
        {
            "objection_id": objection.id,
            "receipt": objection.receipt,
            "outcome": objection.state,
            "remedy": objection.remedy,
            "application_id": objection.application_id,
            "correction": correction.number if correction is not None else None,
            "reason": objection.decision_reason,
        },
    )
    return objection
