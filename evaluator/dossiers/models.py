"""Dossiers and the batches that render them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluator.core.db import Base, one_of, utcnow
from evaluator.dossiers.vocab import DossierState, ItemState, JobState


class Dossier(Base):
    """One issued dossier: the signed PDF (in the file storage, by its SHA-256), its certificate
    number, its public verification code and the SHA-256 of the canonical result data it shows.

    A dossier is never changed but for its state: revoked (the recognition withdrawn) or superseded
    (a corrected dossier issued in its place, ``superseded_by``), each with a reason.
    """

    __tablename__ = "dossier"
    __table_args__ = (
        one_of("state", DossierState, "state"),
        Index("ix_dossier_application_id_state", "application_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("result_snapshot.id"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    data_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the canonical result data
    state: Mapped[str] = mapped_column(String(20), default=DossierState.ISSUED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DossierJob(Base):
    """A batch rendering every eligible dossier of a round; its items say how each went."""

    __tablename__ = "dossier_job"
    __table_args__ = (one_of("state", JobState, "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DossierJobItem(Base):
    """One application of a batch: waiting, issued, skipped (a standing dossier), or failed (why)."""

    __tablename__ = "dossier_job_item"
    __table_args__ = (
        one_of("state", ItemState, "state"),
        UniqueConstraint("job_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("dossier_job.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    state: Mapped[str] = mapped_column(String(20), default=ItemState.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    attempts: Mapped[int] = mapped_column(default=0)
