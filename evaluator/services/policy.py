"""Who may do what: every authorisation rule of the service, in one table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_login import current_user

from evaluator.errors import ServiceError
from evaluator.models import User


def _own_organisation(user: User, obj: Any) -> bool:
    return user.organisation_id is not None and obj.organisation_id == user.organisation_id


RULES: dict[str, Callable[[User, Any], bool]] = {
    "user.create": lambda u, o: u.is_admin,
    "user.list": lambda u, o: u.is_admin,
    "organisation.create": lambda u, o: u.is_admin,
    "round.create": lambda u, o: u.is_admin,
    "round.transition": lambda u, o: u.is_admin,
    "round.view": lambda u, o: True,
    "application.create": lambda u, o: u.role == "applicant" and u.organisation_id is not None,
    "application.view": lambda u, o: u.is_admin or _own_organisation(u, o),
    "application.edit": lambda u, o: _own_organisation(u, o),
    "application.import": lambda u, o: u.is_admin,
    "application.list": lambda u, o: u.is_admin or (u.role == "applicant" and u.organisation_id is not None),
    "application.submit": lambda u, o: _own_organisation(u, o),
    "application.withdraw": lambda u, o: _own_organisation(u, o),
    "application.template": lambda u, o: u.is_admin,
    "material.upload": lambda u, o: _own_organisation(u, o),
    "material.download": lambda u, o: u.is_admin or _own_organisation(u, o.application),
    "audit.view": lambda u, o: u.is_admin,
}


def allowed(user: User, action: str, obj: Any = None) -> bool:
    """Whether the user may do the action (on the object)."""
    return RULES[action](user, obj)


def authorize(action: str, obj: Any = None) -> User:
    """The signed-in user if allowed; 401 when nobody is signed in, 403 when not allowed."""
    if not current_user.is_authenticated:
        raise ServiceError(401, "Sign in first: send 'Authorization: Bearer <token>'.")
    if not allowed(current_user, action, obj):
        raise ServiceError(403, "You are not allowed to do this.")
    return current_user
