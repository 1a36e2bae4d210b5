"""Who may do what: every authorisation rule of the service, in one table.

A rule is named after the one action it guards (``material.delete`` is not ``material.upload``).
Each rule says whether it admits anonymous callers: most do not, and for those an anonymous caller
gets 401 before the rule is asked. A rule that admits them (public pages: shortlists, verification)
is asked with ``None`` as the user and must decide for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evaluator.accounts.models import User
from evaluator.errors import STATUS_MESSAGES, ServiceError
from evaluator.workflow import AssignmentStatus, Role, Status

SIGN_IN_FIRST = STATUS_MESSAGES[401]
NOT_ALLOWED = STATUS_MESSAGES[403]


@dataclass(frozen=True)
class Rule:
    """One action's rule: a check on (user, object); ``anonymous`` if it may pass a ``None`` user."""

    check: Callable[[Any, Any], bool]
    anonymous: bool = False
    on_object: bool = False  # whether the check needs the object (else it judges the caller alone)


def _own_organisation(user: User, obj: Any) -> bool:
    return user.organisation_id is not None and obj.organisation_id == user.organisation_id


def _admin(user: User, obj: Any) -> bool:
    return user.is_admin


def _signed_in(user: User, obj: Any) -> bool:
    return True


def _applicant_with_organisation(user: User) -> bool:
    return user.role == Role.APPLICANT and user.organisation_id is not None


def _region_office(user: User, obj: Any = None) -> bool:
    return user.region_level is not None and user.active


def _in_scope(user: User, app: Any) -> bool:
    """A region office's application: in its region, and past the applicant's draft."""
    return (
        _region_office(user)
        and app.status not in (Status.DRAFT, Status.WITHDRAWN)
        and user.in_region(app.organisation.county_code)
    )


def _reviewer(user: User, obj: Any = None) -> bool:
    return user.role == Role.REVIEWER


def _assigned(user: User, app: Any) -> bool:
    """Whether the reviewer holds an active assignment for the application (asked of the database)."""
    if user.role != Role.REVIEWER:
        return False
    from sqlalchemy import select

    from evaluator.assignments.models import Assignment
    from evaluator.extensions import db

    found = db.session.execute(
        select(Assignment.id)
        .where(
            Assignment.application_id == app.id,
            Assignment.reviewer_id == user.id,
            Assignment.status == AssignmentStatus.ACTIVE.value,
        )
        .limit(1)
    ).first()
    return found is not None


def _blind(app: Any) -> bool:
    from evaluator.rounds.settings import settings_of

    return settings_of(app.round).blind


def _assigned_in_the_open(user: User, app: Any) -> bool:
    """An assigned reviewer, in a round that is not blind: in a blind round reviewers read the
    application only through their review sheet and its inline materials, which hide who applied."""
    return _assigned(user, app) and not _blind(app)


def _own_assignment(user: User, assignment: Any) -> bool:
    return user.role == Role.REVIEWER and assignment.reviewer_id == user.id


def _sees_application(user: User, app: Any) -> bool:
    return (
        user.is_admin
        or _own_organisation(user, app)
        or _in_scope(user, app)
        or _assigned_in_the_open(user, app)
    )


RULES: dict[str, Rule] = {
    "account.view_self": Rule(_signed_in),
    "user.create": Rule(_admin),
    "user.list": Rule(_admin),
    "user.update": Rule(_admin),
    "user.reset_password": Rule(_admin),
    "organisation.create": Rule(_admin),
    "organisation.list": Rule(_admin),
    "criteria.view": Rule(_signed_in),
    "criteria.validate": Rule(_admin),
    "round.create": Rule(_admin),
    "round.transition": Rule(_admin),
    "round.edit": Rule(_admin),
    "dashboard.view": Rule(_admin),
    "round.view": Rule(_signed_in),
    "application.create": Rule(lambda u, o: _applicant_with_organisation(u)),
    "application.list": Rule(lambda u, o: u.is_admin or _applicant_with_organisation(u)),
    "application.view": Rule(_sees_application, on_object=True),
    "application.edit": Rule(_own_organisation, on_object=True),
    "application.submit": Rule(_own_organisation, on_object=True),
    "application.withdraw": Rule(_own_organisation, on_object=True),
    "application.import": Rule(_admin),
    "application.template": Rule(_admin),
    "application.export": Rule(_admin),
    # Material rules take the application, except download and delete, which take the material.
    "material.list": Rule(_sees_application, on_object=True),
    "material.checklist": Rule(lambda u, o: u.is_admin or _own_organisation(u, o), on_object=True),
    "material.upload": Rule(_own_organisation, on_object=True),
    "material.download": Rule(lambda u, o: _sees_application(u, o.application), on_object=True),
    "material.delete": Rule(lambda u, o: _own_organisation(u, o.application), on_object=True),
    # A material shown inside the scoring page: its assigned reviewers, blind round or not.
    "material.inline": Rule(lambda u, o: _assigned(u, o.application), on_object=True),
    # The region offices (县级申报、市级把关): rules on an application take the application.
    "vetting.list": Rule(_region_office),
    "vetting.act": Rule(_in_scope, on_object=True),
    "round.settings": Rule(_admin),
    # Assignments and reviews: the office assigns; a reviewer acts on their own assignments.
    "assignment.auto": Rule(_admin),
    "assignment.manage": Rule(_admin),
    "assignment.list": Rule(lambda u, o: u.is_admin or _reviewer(u)),
    "assignment.recuse": Rule(_own_assignment, on_object=True),
    "conflict.declare": Rule(_reviewer),
    "reviewer.profile": Rule(
        lambda u, o: u.is_admin or (_reviewer(u) and (o is None or o.id == u.id)), on_object=True
    ),
    # A reviewer who recused or was removed no longer reads the application through the assignment.
    "review.view": Rule(
        lambda u, o: u.is_admin or (_own_assignment(u, o) and o.status == AssignmentStatus.ACTIVE),
        on_object=True,
    ),
    "review.save": Rule(_own_assignment, on_object=True),
    # Results: computed and read by the office.
    "results.compute": Rule(_admin),
    "results.view": Rule(_admin),
    "results.export": Rule(_admin),
    "audit.view": Rule(_admin),
    "audit.verify": Rule(_admin),
}


def allowed(user: User | None, action: str, obj: Any = None) -> bool:
    """Whether the user (``None``: an anonymous caller) may do the action (on the object)."""
    rule = RULES[action]
    if user is None and not rule.anonymous:
        return False
    return rule.check(user, obj)


def check_caller(user: User | None, action: str) -> None:
    """What can be decided before the request is read: 401 for an anonymous caller of a rule that
    needs one, 403 for a caller a rule refuses whatever the object. So nobody learns an endpoint's
    rules for its input without being allowed to use it."""
    rule = RULES[action]
    if user is None and not rule.anonymous:
        raise ServiceError(401, SIGN_IN_FIRST)
    if not rule.on_object and not rule.check(user, None):
        raise ServiceError(403, NOT_ALLOWED)


def authorize(user: User | None, action: str, obj: Any = None) -> User | None:
    """The caller if allowed; 401 for an anonymous caller of a rule that needs one, else 403."""
    rule = RULES[action]
    if user is None and not rule.anonymous:
        raise ServiceError(401, SIGN_IN_FIRST)
    if not rule.check(user, obj):
        raise ServiceError(403, NOT_ALLOWED)
    return user
