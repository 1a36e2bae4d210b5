"""Reviewer assignments and the declared conflicts of interest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.core.db import Base, Timestamped, one_of
from evaluator.rounds.models import Round
from evaluator.workflow import (
    AssignmentKind,
    AssignmentSource,
    AssignmentStatus,
    ConflictSide,
    ConflictStatus,
)


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


class ConflictDeclaration(Timestamped, Base):
    """A declared conflict of interest between a reviewer and an organisation, for one round.

    Declared by the reviewer (``side`` reviewer), who names the organisation as they know it
    (``organisation_name``; never an application, so nothing ties a blind application to its
    organisation), or by an applicant (``side`` applicant) against a reviewer of the roster. It binds
    the assignment only once the office accepts it (``status``), naming the organisation
    (``organisation_id``); each decision carries the office's reason.
    """

    __tablename__ = "conflict_declaration"
    __table_args__ = (
        UniqueConstraint(
            "round_id", "side", "reviewer_id", "organisation_name", name="uq_conflict_declaration_pair"
        ),
        one_of("side", ConflictSide, "side"),
        one_of("status", ConflictStatus, "status"),
        Index("ix_conflict_declaration_round_id_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    side: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The organisation as the declarer named it (a reviewer's words; an applicant's own name).
    organisation_name: Mapped[str] = mapped_column(String(200))
    # The registered organisation it concerns: found by its exact name, else chosen by the office.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    declared_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default=ConflictStatus.PENDING.value)
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    round: Mapped[Round] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    organisation: Mapped[Organisation | None] = relationship()
