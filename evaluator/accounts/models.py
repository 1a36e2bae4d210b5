"""Organisations, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from evaluator.core.db import Base, Timestamped, one_of
from evaluator.workflow import REGION_ROLES, OrgKind, RegionLevel, Role

ROLES = tuple(r.value for r in Role)


class Organisation(Timestamped, Base):
    """An applicant organisation with its place in the administrative hierarchy."""

    __tablename__ = "organisation"
    __table_args__ = (one_of("kind", OrgKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # an OrgKind
    city: Mapped[str] = mapped_column(String(100))
    city_code: Mapped[str] = mapped_column(String(6))
    county: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(String(6))
    subdistrict: Mapped[str | None] = mapped_column(String(100))
    subdistrict_code: Mapped[str | None] = mapped_column(String(9))
    community_code: Mapped[str | None] = mapped_column(String(12))

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Timestamped, Base):
    """A person who signs in: an admin of the provincial office, a reviewer or an applicant."""

    __tablename__ = "user_account"
    __table_args__ = (one_of("role", Role, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    # A reviewer's home region (conflict rule); a region office's scope: its county or city code.
    home_region_code: Mapped[str | None] = mapped_column(String(12))
    # A reviewer's expertise: ids of level-1 criteria sections (of any zone type's criteria).
    expertise: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    active: Mapped[bool] = mapped_column(default=True)
    # The pages' language the user chose (zh or en); None: the browser's Accept-Language decides.
    language: Mapped[str | None] = mapped_column(String(5))
    # Set by an office's password reset: the pages ask for a new password before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        """Every loaded user is authenticated."""
        return True

    @property
    def is_active(self) -> bool:
        """Whether the account may sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in a session."""
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        """Whether this is the provincial office."""
        return self.role == Role.ADMIN

    @property
    def region_level(self) -> RegionLevel | None:
        """``county`` or ``city`` for a region office, else None."""
        return REGION_ROLES.get(self.role)  # type: ignore[call-overload]

    def in_region(self, county_code: str | None) -> bool:
        """Whether a county code lies in this region office's scope (False for other roles)."""
        scope, level = self.home_region_code or "", self.region_level
        if level is None or not county_code or len(scope) != 6:
            return False
        return county_code[:6] == scope if level == RegionLevel.COUNTY else county_code[:4] == scope[:4]


class IssuedCredential:
    """What a bearer token and a browser session share: whose it is, the SHA-256 of its secret (the
    secret itself is never stored), when it was issued and expires, and when it was revoked."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr
    def user(cls) -> Mapped[User]:  # noqa: N805 (a declared attribute takes the class)
        """The account it signs in."""
        return relationship(User)


class ApiToken(IssuedCredential, Base):
    """A bearer token for the API."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)


class WebSession(IssuedCredential, Base):
    """A signed-in browser: the session cookie names it by a random token.

    Signing out revokes it, so a copied cookie is worthless afterwards; a password change or reset
    revokes every session of the user.
    """

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
