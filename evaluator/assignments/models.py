"""Reviewer assignments and the conflicts reviewers declare."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.core.db import Base, Timestamped, one_of, utcnow
from evaluator.workflow import AssignmentKind, AssignmentSource, AssignmentStatus


class Assignment(Timestamped, Base):
    """One reviewer on one application's panel, for the materials review or the on-site inspection.

    A recusal or a removal keeps the row (its status says which, with the reason), so the same
    reviewer is never silently put back; the panel is the active rows.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id", "kind"),
        one_of("kind", AssignmentKind, "kind"),
        one_of("status", AssignmentStatus, "status"),
        one_of("source", AssignmentSource, "source"),
        Index("ix_assignment_round_id_status", "round_id", "status"),
        Index("ix_assignment_reviewer_id_status", "reviewer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20), default=AssignmentKind.MATERIALS.value)
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.ACTIVE.value)
    source: Mapped[str] = mapped_column(String(20), default=AssignmentSource.AUTO.value)
    # Why the office assigned despite a conflict rule (None: no rule was overridden).
    override_reason: Mapped[str | None] = mapped_column(String(1000))
    # Why the reviewer recused or the office removed the assignment.
    end_reason: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class ConflictDeclaration(Base):
    """A reviewer's declared conflict of interest with an application (never assigned to it)."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("reviewer_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
