"""Shortlists and recognition lists, their entries, and the public's objections.

A list is a draft while the office adjusts it. Published, it holds its frozen ``content`` — the
canonical JSON that the public reads, byte for byte — and that text's SHA-256; nothing of a
published list changes afterwards. A correction is a new version whose ``supersedes_id`` names the
version it replaces, so the old row is never touched.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluator.core.db import Base, one_of, utcnow
from evaluator.workflow import EntryReason, ListKind, ListState, NoticeRule, ObjectionState, Remedy


class Shortlist(Base):
    """One version of a round's shortlist (公示名单) or recognition list (认定名单)."""

    __tablename__ = "shortlist"
    __table_args__ = (
        UniqueConstraint("round_id", "kind", "number"),
        one_of("kind", ListKind, "kind"),
        one_of("state", ListState, "state"),
        one_of("notice_rule", NoticeRule, "notice_rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]  # the version: 1, 2 … per round and kind
    state: Mapped[str] = mapped_column(String(20), default=ListState.DRAFT.value)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("shortlist.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    results_snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id"))
    results_sha256: Mapped[str] = mapped_column(String(64))  # the snapshot's input hash
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    # The quotas as drafted: cohort (default), cohorts (by number), cities (by code), cap.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notice_rule: Mapped[str] = mapped_column(String(20), default=NoticeRule.CALENDAR.value)
    notice_days: Mapped[int] = mapped_column(default=7)
    # Dates the office adds to the official calendar (ISO dates): for years it does not cover.
    extra_holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra_workdays: Mapped[list[str]] = mapped_column(JSON, default=list)
    notice_starts: Mapped[date | None] = mapped_column(Date)
    notice_ends: Mapped[date | None] = mapped_column(Date)
    content: Mapped[str | None] = mapped_column(Text, deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by every UPDATE (a draft's adjustments); the ETag of the office's view of a draft.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ShortlistEntry(Base):
    """An application's line in a list: its cohort and place, whether it is in, and why."""

    __tablename__ = "shortlist_entry"
    __table_args__ = (
        UniqueConstraint("shortlist_id", "application_id"),
        one_of("reason", EntryReason, "reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlist.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    position: Mapped[int]  # the line's order: by cohort, then place in the cohort
    cohort: Mapped[int]
    cohort_zh: Mapped[str] = mapped_column(String(200))
    cohort_en: Mapped[str] = mapped_column(String(200))
    cohort_rank: Mapped[int | None]
    cohort_size: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int | None]  # the overall rank in the results
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # the result's status: ranked, vetoed, incomplete
    n_reviews: Mapped[int] = mapped_column(default=0)
    selected: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(20))
    limit: Mapped[int | None]  # the quota or cap behind the reason
    tied: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)  # the office's words, when it adjusted the line


class Objection(Base):
    """An objection from the public to a published shortlist, with its receipt code and outcome."""

    __tablename__ = "objection"
    __table_args__ = (one_of("state", ObjectionState, "state"), one_of("remedy", Remedy, "remedy"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlist.id"), index=True)
    receipt: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200))  # never shown to the public
    text: Mapped[str] = mapped_column(Text)
    entry_no: Mapped[int | None]  # the 序号 of the line it is about, if the objector named one
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(120))
    evidence_size: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(20), default=ObjectionState.RECEIVED.value)
    remedy: Mapped[str | None] = mapped_column(String(20))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("shortlist.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
