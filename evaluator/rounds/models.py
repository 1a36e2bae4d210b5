"""Evaluation rounds, each with its criteria set frozen in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from evaluator.core.db import Base, Timestamped, one_of
from evaluator.workflow import Phase, ZoneType


class Round(Timestamped, Base):
    """A yearly call for one zone type (评审批次)."""

    __tablename__ = "round"
    __table_args__ = (one_of("phase", Phase, "phase"), one_of("zone_type", ZoneType, "zone_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    zone_type: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(20), default=Phase.DRAFT.value)
    criteria_id: Mapped[str] = mapped_column(String(80))
    criteria_version: Mapped[str] = mapped_column(String(40))
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    # Loaded only when read: the built set is kept per process under criteria_sha256 (round_criteria).
    criteria_content: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_days: Mapped[int] = mapped_column(default=7)
    # The review settings (region steps, quotas, panel size, conflict rules, blind mode, spread):
    # validated by ``rounds.settings``; {} means every default.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # Bumped by every UPDATE; the ETag of the round's representation.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
