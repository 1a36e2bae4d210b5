"""Results snapshots: what the engine computed for a round, frozen with the hashes of its inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.applications.models import Application
from evaluator.core.db import Base, one_of, utcnow
from evaluator.workflow import ResultStatus


class ResultSnapshot(Base):
    """One computation of a round's results. The newest is the round's current result.

    ``engine_version``, ``criteria_sha256`` and ``input_sha256`` (the SHA-256 of the encoded
    inputs) say exactly what was computed from; ``arrays`` holds the engine's per-indicator arrays
    (an ``.npz``), read for an application's breakdown; ``summary`` the round-level figures
    (distribution, reviewer statistics, disagreement, notes).
    """

    __tablename__ = "result_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    engine_version: Mapped[str] = mapped_column(String(40))
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    arrays: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApplicationResult(Base):
    """One application's line in a snapshot: what the results table lists, filters and sorts."""

    __tablename__ = "application_result"
    __table_args__ = (
        Index("ix_application_result_snapshot_id_rank", "snapshot_id", "rank"),
        one_of("status", ResultStatus, "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    position: Mapped[int]  # row in the snapshot's arrays
    status: Mapped[str] = mapped_column(String(20))  # a ResultStatus
    rank: Mapped[int | None]
    total: Mapped[float | None] = mapped_column(Float)
    base: Mapped[float | None] = mapped_column(Float)
    bonus: Mapped[float | None] = mapped_column(Float)
    raw_total: Mapped[float | None] = mapped_column(Float)  # the total without calibration
    grade: Mapped[str | None] = mapped_column(String(40))
    recognised: Mapped[bool] = mapped_column(default=False)
    n_reviews: Mapped[int] = mapped_column(default=0)
    disagreement: Mapped[bool] = mapped_column(default=False)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    application: Mapped[Application] = relationship()
