"""A reviewer's scores for one assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.assignments.models import Assignment
from evaluator.core.db import Base, Timestamped, one_of
from evaluator.workflow import ReviewStatus


class Review(Timestamped, Base):
    """The review of one assignment: a draft until submitted.

    ``scores`` holds float64 values (little-endian) aligned with the round's expert indicators
    (``criteria.expert_leaves`` of the frozen criteria), NaN where not scored: the engine reads it
    as an array, never as text. Comments, veto flags and bonus verifications are JSON.
    """

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.DRAFT.value)
    scores: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    # indicator id → comment; "" → the overall comment
    comments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"flag": veto flag, "reason": text}]
    vetoes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # bonus item id → true (verified) / false (not verified)
    bonus_verified: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __table_args__ = (one_of("status", ReviewStatus, "status"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    assignment: Mapped[Assignment] = relationship()
