"""The region offices' checks of applications (县级申报、市级把关), one row per act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluator.accounts.models import User
from evaluator.core.db import Base, one_of, utcnow
from evaluator.workflow import RegionAct, RegionLevel


class RegionCheck(Base):
    """What a county or city office did with an application: endorsed, returned, declined, checked,
    recommended or unrecommended, with its note. History: a later act adds a row."""

    __tablename__ = "region_check"
    __table_args__ = (one_of("level", RegionLevel, "level"), one_of("action", RegionAct, "action"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool | None]  # the city's check: whether the application passed it
    note: Mapped[str | None] = mapped_column(String(2000))
    checked_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()
