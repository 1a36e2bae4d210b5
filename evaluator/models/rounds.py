"""Evaluation rounds, each with its criteria set frozen in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from evaluator.models.base import Base, Timestamped

PHASES = ("draft", "open", "review", "scoring_closed", "notice", "final")


class Round(Timestamped, Base):
    """A yearly call for one zone type (评审批次)."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    zone_type: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(20), default="draft")
    criteria_id: Mapped[str] = mapped_column(String(80))
    criteria_version: Mapped[str] = mapped_column(String(40))
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    criteria_content: Mapped[dict[str, Any]] = mapped_column(JSON)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_days: Mapped[int] = mapped_column(default=7)
