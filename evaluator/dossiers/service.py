"""Issuing dossiers, finding them by verification code, comparing an uploaded copy, revoking and
superseding them. Services flush; the request or the command commits."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from marshmallow import Schema, fields, pre_load, validate
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core import settings
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_application, lock_round
from evaluator.dossiers import data as dossier_data
from evaluator.dossiers.documents import dossier_pdf
from evaluator.dossiers.models import Dossier
from evaluator.dossiers.render import RenderError
from evaluator.dossiers.vocab import DossierState
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.validation import Text

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand
CODE_LENGTH = 16
CODE_RE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
SKIPPED = ("Pd", "Cf")
"""What a typed code may hold besides its characters and blanks: dashes (-, －, —) and invisible
format marks (a zero-width space copied with it)."""
ZONE_CODES = {"community_governance_zone": 1, "subdistrict_service_zone": 2, "featured_community": 3}
"""The zone type's digit in a certificate number (year, zone digit, serial: 2026-3-000012)."""
MAX_REASON = 1000


class DossierReasonSchema(Schema):
    """Why a dossier is revoked or superseded: stored text (the shared rule: no control or
    direction-changing characters), shown on the public verification page."""

    reason = Text(required=True, min_length=2, max_length=MAX_REASON, multiline=True)

    @pre_load
    def _trimmed(self, data: Any, **kwargs: Any) -> Any:
        """The reason without the blanks around it: a reason of blanks only is too short."""
        if isinstance(data, Mapping) and isinstance(data.get("reason"), str):
            return {**data, "reason": data["reason"].strip()}
        return data


def new_code() -> str:
    """A fresh verification code: 16 characters of an unambiguous alphabet (about 79 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalised_code(text: str | None) -> str | None:
    """The code as typed, or None when it cannot be one: in any case, in full-width characters (a
    Chinese input method's ＡＢ２３), with blanks, dashes or invisible marks anywhere."""
    if not text or len(text) > 40:
        return None
    folded = unicodedata.normalize("NFKC", text)
    code = "".join(c for c in folded if not c.isspace() and unicodedata.category(c) not in SKIPPED).upper()
    return code if CODE_RE.fullmatch(code) else None


def shown_code(code: str) -> str:
    """The code in groups of four, as printed."""
    return "-".join(code[k : k + 4] for k in range(0, len(code), 4))


def _number(dossier: Dossier, zone_type: str, year: int) -> str:
    return f"{year}-{ZONE_CODES.get(zone_type, 0)}-{dossier.id:06d}"


def standing(application_id: int) -> Dossier | None:
    """The application's dossier that stands (issued, neither revoked nor superseded), if any."""
    return db.session.scalar(
        select(Dossier).where(
            Dossier.application_id == application_id, Dossier.state == DossierState.ISSUED.value
        )
    )


def dossiers_of(application_id: int) -> list[Dossier]:
    """Every dossier of the application, the newest first."""
    return list(
        db.session.scalars(
            select(Dossier).where(Dossier.application_id == application_id).order_by(Dossier.id.desc())
        )
    )


def withdrawn(round_id: int) -> set[int]:
    """The round's applications whose newest dossier was revoked: their recognition was withdrawn."""
    newest = select(func.max(Dossier.id)).where(Dossier.round_id == round_id).group_by(Dossier.application_id)
    return set(
        db.session.scalars(
            select(Dossier.application_id).where(
                Dossier.id.in_(newest), Dossier.state == DossierState.REVOKED.value
            )
        )
    )


def by_code(text: str | None) -> Dossier | None:
    """The dossier with this verification code, or None (also for text that cannot be a code)."""
    code = normalised_code(text)
    return None if code is None else db.session.scalar(select(Dossier).where(Dossier.code == code))


def issue(actor: User | None, app: Application, replaces: Dossier | None = None) -> Dossier:
    """Render, sign and store the application's dossier from its round's newest results.

    Refused (409) when the application is not eligible or already has a standing dossier (unless it
    ``replaces`` that one). The round is read-locked and the application locked while it is issued.
    """
    lock_round(app.round_id, shared=True)
    lock_application(app.id)
    if app.id not in dossier_data.eligible(app.round):
        raise ServiceError(409, msg("Application %(id)s is not recognised: it has no dossier.", id=app.id))
    current = standing(app.id)
    if current is not None and current is not replaces:
        raise ServiceError(409, msg("Application %(id)s already has a valid dossier.", id=app.id))
    now = utcnow()
    data = dossier_data.gather(app, now)
    code = new_code()
    dossier = Dossier(
        application_id=app.id,
        round_id=app.round_id,
        snapshot_id=data["result"]["snapshot_id"],
        number=f"pending-{code}",
        code=code,
        data_sha256=dossier_data.data_sha256(data),
        pdf_sha256="",
        pdf_size=0,
        data=data,
        issued_by=actor.id if actor else None,
        issued_at=now,
    )
    db.session.add(dossier)
    db.session.flush()
    dossier.number = _number(dossier, app.round.zone_type, now.year)
    try:
        pdf = dossier_pdf(
            data, dossier.number, code, settings.setting_or("PUBLIC_URL", "http://localhost:5000"), now
        )
    except RenderError as exc:
        if not exc.missing:
            raise
        raise ServiceError(409, exc.message) from None  # the unit's data cannot be printed as it is
    dossier.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    dossier.pdf_size = len(pdf)
    settings.storage().put(pdf, dossier.pdf_sha256)
    db.session.flush()
    audit.record(
        actor,
        "dossier.issued",
        "dossier",
        dossier.id,
        {"application_id": app.id, "number": dossier.number, "pdf_sha256": dossier.pdf_sha256},
    )
    return dossier


def pdf_of(dossier: Dossier) -> bytes:
    """The issued PDF, byte for byte."""
    return settings.storage().get(dossier.pdf_sha256)


def compare(dossier: Dossier, upload: IO[bytes]) -> dict[str, Any]:
    """Whether an uploaded file is byte-identical to the issued dossier (its SHA-256 against the
    issued one's). At most one byte more than the dossier is read: a longer file differs. 422 naming
    ``file`` for an empty one."""
    data = upload.read(dossier.pdf_size + 1)
    if not data:
        raise ServiceError(422, msg("The file is empty."), {"file": [msg("The file is empty.")]})
    digest = hashlib.sha256(data).hexdigest()
    same = len(data) == dossier.pdf_size and secrets.compare_digest(digest, dossier.pdf_sha256)
    return {"identical": same}


def _change(actor: User, dossier: Dossier, state: DossierState, reason: str) -> Dossier:
    lock_round(dossier.round_id, shared=True)
    lock_application(dossier.application_id)
    db.session.refresh(dossier)
    if dossier.state != DossierState.ISSUED:
        raise ServiceError(409, msg("The dossier %(number)s is no longer valid.", number=dossier.number))
    dossier.state = state.value
    dossier.reason = reason
    dossier.changed_at = utcnow()
    return dossier


def revoke(actor: User, dossier: Dossier, data: dict[str, Any]) -> Dossier:
    """Revoke the dossier (the recognition withdrawn, a re-check failed), with a reason; audited."""
    _change(actor, dossier, DossierState.REVOKED, data["reason"])
    db.session.flush()
    audit.record(
        actor,
        "dossier.revoked",
        "dossier",
        dossier.id,
        {"application_id": dossier.application_id, "number": dossier.number, "reason": data["reason"]},
    )
    return dossier


def supersede(actor: User, dossier: Dossier, data: dict[str, Any]) -> Dossier:
    """Issue a corrected dossier from the newest results in place of this one, with a reason; the
    old one says which replaced it. Audited. Returns the new dossier."""
    _change(actor, dossier, DossierState.SUPERSEDED, data["reason"])
    db.session.flush()
    app = db.session.get(Application, dossier.application_id)
    new = issue(actor, app, replaces=dossier)
    dossier.superseded_by = new.id
    db.session.flush()
    audit.record(
        actor,
        "dossier.superseded",
        "dossier",
        dossier.id,
        {
            "application_id": dossier.application_id,
            "number": dossier.number,
            "reason": data["reason"],
            "by": new.number,
        },
    )
    return new


def issued_on(dossier: Dossier) -> datetime:
    """When the dossier was issued."""
    return dossier.issued_at


@dataclass(frozen=True)
class DossierFile:
    """A dossier as a stored file to download."""

    id: int
    sha256: str
    size: int
    filename: str
    content_type: str = "application/pdf"


def download_of(dossier: Dossier) -> DossierFile:
    """The dossier's PDF as a download: named by its certificate number and unit."""
    unit = (dossier.data or {}).get("unit", {}).get("name", "")
    return DossierFile(dossier.id, dossier.pdf_sha256, dossier.pdf_size, f"{dossier.number}-{unit}.pdf")


class ChangeSchema(DossierReasonSchema):
    """The office's change of a valid dossier: revoke it, or supersede it by a corrected one."""

    action = fields.String(required=True, validate=validate.OneOf(("revoke", "supersede")))


def organisation_names(application_ids: list[int]) -> dict[int, str]:
    """The organisations' names of the applications."""
    if not application_ids:
        return {}
    rows = db.session.execute(
        select(Application.id, Organisation.name)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.id.in_(application_ids))
    ).all()
    return dict(rows)


def round_overview(rnd: Any) -> list[dict[str, Any]]:
    """The round's recognised applications, in order of rank, each with its organisation's name and
    its dossiers (the newest first)."""
    ids = dossier_data.eligible(rnd)
    names = organisation_names(ids)
    issued: dict[int, list[Dossier]] = {}
    for d in db.session.scalars(
        select(Dossier).where(Dossier.round_id == rnd.id).order_by(Dossier.id.desc())
    ):
        issued.setdefault(d.application_id, []).append(d)
    listed = ids + [a for a in issued if a not in ids]
    names.update(organisation_names([a for a in listed if a not in names]))
    return [{"application_id": a, "name": names.get(a, ""), "dossiers": issued.get(a, [])} for a in listed]


def public_facts(dossier: Dossier) -> dict[str, Any]:
    """What the public verification page shows of a dossier: the key facts it was issued with, and
    what replaced it."""
    data = dossier.data or {}
    result = data.get("result", {})
    replaced = db.session.get(Dossier, dossier.superseded_by) if dossier.superseded_by else None
    return {
        "number": dossier.number,
        "code": shown_code(dossier.code),
        "unit": data.get("unit", {}).get("name"),
        "region": "".join(
            x for x in (data.get("unit", {}).get(k) for k in ("city", "county", "subdistrict")) if x
        ),
        "round": data.get("round", {}).get("title"),
        "zone_type": data.get("round", {}).get("zone_type"),
        "grade": (result.get("grade") or {}),
        "total": result.get("total"),
        "issued_at": dossier.issued_at,
        "changed_at": dossier.changed_at,
        "reason": dossier.reason,
        "replaced_by": replaced.number if replaced else None,
        "replaced_code": replaced.code if replaced else None,
        "pdf_sha256": dossier.pdf_sha256,
        "data_sha256": dossier.data_sha256,
    }
