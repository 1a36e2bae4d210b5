"""Applications and their evidence materials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.accounts.models import Organisation
from evaluator.core.db import Base, Timestamped, one_of, utcnow
from evaluator.rounds.models import Round
from evaluator.workflow import Status


class Application(Timestamped, Base):
    """One organisation's application in one round."""

    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("round_id", "organisation_id"), one_of("status", Status, "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    self_assessment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bonus items (ids of the criteria's items without a condition) the applicant claims; reviewers
    # verify each claim.
    bonus_claims: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    # The region offices' word: why it was returned or declined, and the city's ranking.
    office_note: Mapped[str | None] = mapped_column(String(2000))
    city_rank: Mapped[int | None]
    # Bumped by every UPDATE; the ETag of the application's representation.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    round: Mapped[Round] = relationship()
    organisation: Mapped[Organisation] = relationship()
    materials: Mapped[list[Material]] = relationship(back_populates="application")


class Material(Base):
    """An uploaded evidence file; the content lives in storage under its SHA-256."""

    __tablename__ = "material"
    # Ids are never reused after a deletion (SQLite would otherwise hand the highest free id out
    # again): a download link or an audit event always names one file.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(80))
    material_key: Mapped[str | None] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="materials")
