"""Clustering runs of a round: the settings and quality of each run, its cohorts, every application's
place (members) and the office's moves of an application to another cohort."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluator.core.db import Base, utcnow


class CohortRun(Base):
    """One clustering of a round's applications. The newest is the round's cohorts.

    ``settings`` is the normalised settings mapping (every default written out), validated again by
    the engine's schema whenever it is loaded; ``settings_sha256`` its hash and ``data_hash`` the
    SHA-256 of the figures the run read (docs/cohorts.md); ``quality`` the silhouette and the other
    measures, the k tried and the merges; ``features`` the features as people read them.
    """

    __tablename__ = "cohort_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    engine_version: Mapped[str] = mapped_column(String(20))
    data_hash: Mapped[str] = mapped_column(String(64))
    settings_sha256: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    features: Mapped[list[Any]] = mapped_column(JSON, default=list)
    k: Mapped[int]
    applications: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Cohort(Base):
    """A cohort of a run: its number (1-based, the engine's numbering rule), size, profile and centre
    in the figures' own units."""

    __tablename__ = "cohort"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cohort_run.id", ondelete="CASCADE"))
    number: Mapped[int]
    size: Mapped[int]
    profile_zh: Mapped[str] = mapped_column(String(400))
    profile_en: Mapped[str] = mapped_column(String(800))
    centre: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # feature key → centre, or shares
    ranges: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # feature key → [low, high]
    stability: Mapped[float | None] = mapped_column(Float)
    unstable: Mapped[int] = mapped_column(default=0)


class CohortMember(Base):
    """An application's place in a run: the engine's cohort (None when it could not be placed), the
    distances to its own and the next-nearest cohort, the features that place it there, its
    stability and imputed figures, its nearest peers; ``moved_to`` the cohort the office moved it to
    (None: where the engine put it). ``version`` is bumped by every change (the ETag of a move)."""

    __tablename__ = "cohort_member"
    __table_args__ = (
        UniqueConstraint("run_id", "application_id"),
        Index("ix_cohort_member_application_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cohort_run.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    cohort: Mapped[int | None]
    distance: Mapped[float | None] = mapped_column(Float)
    next_cohort: Mapped[int | None]
    next_distance: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    contributions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    missing: Mapped[list[Any]] = mapped_column(JSON, default=list)
    imputed: Mapped[bool] = mapped_column(default=False)
    stability: Mapped[float | None] = mapped_column(Float)
    unstable: Mapped[bool] = mapped_column(default=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # feature key → own units
    pc1: Mapped[float | None] = mapped_column(Float)
    pc2: Mapped[float | None] = mapped_column(Float)
    peers: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[application id, distance], …]
    moved_to: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def current(self) -> int | None:
        """The cohort it is in now: the office's move, else the engine's."""
        return self.moved_to if self.moved_to is not None else self.cohort


class CohortMove(Base):
    """The office moved an application to another cohort of a run, with a reason."""

    __tablename__ = "cohort_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cohort_run.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    from_cohort: Mapped[int | None]
    to_cohort: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    moved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
