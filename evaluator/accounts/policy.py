"""Who may do what: every authorisation rule of the service, in one table.

A rule is named after the one action it guards (``material.delete`` is not ``material.upload``).
Each rule says whether it admits anonymous callers: most do not, and for those an anonymous caller
gets 401 before the rule is asked. A rule that admits them (public pages: shortlists, verification)
is asked with ``None`` as the user and must decide for it.

A rule about one object names the kind of object it judges (``on``) and what it asks of the caller
whatever the object (``caller``). The answers come in one order: 401 for an anonymous caller, 403
for a caller the rule refuses whatever the object, 404 for an object the caller may not know of
(outside their scope, :data:`SCOPES`: the same answer as for an id that does not exist, so ids
cannot be probed), 403 for an object in the caller's scope the rule refuses; only then is the
request's input read.
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


def _anyone(user: User) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One action's rule: a check on (user, object); ``anonymous`` if it may pass a ``None`` user.

    ``on`` names the kind of object the check takes (a key of :data:`SCOPES`), None when it judges
    the caller alone; ``caller`` is what a rule on an object asks of the caller whatever the object.
    """

    check: Callable[[Any, Any], bool]
    anonymous: bool = False
    on: str | None = None
    caller: Callable[[Any], bool] = _anyone

    @property
    def on_object(self) -> bool:
        """Whether the check needs the object (else it judges the caller alone)."""
        return self.on is not None


def _everybody(user: User | None, obj: Any) -> bool:
    return True


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


def _reviewer_or_admin(user: User) -> bool:
    return user.is_admin or _reviewer(user)


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


def _knows_application(user: User, app: Any) -> bool:
    """Whether the caller may know the application exists: those who read it, and its assigned
    reviewers in a blind round too (their sheet shows its id)."""
    return user.is_admin or _own_organisation(user, app) or _in_scope(user, app) or _assigned(user, app)


SCOPES: dict[str, Callable[[Any, Any], bool]] = {
    "application": _knows_application,
    "material": lambda u, m: _knows_application(u, m.application),
    "assignment": lambda u, a: u.is_admin or _own_assignment(u, a),
    "user": lambda u, o: u.is_admin or o.id == u.id,
}
"""Which objects of each kind a caller may know of. Outside it, an object is answered as missing
(404); inside it, a rule's refusal is a 403."""


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
    "application.view": Rule(_sees_application, on="application"),
    "application.edit": Rule(_own_organisation, on="application", caller=_applicant_with_organisation),
    "application.submit": Rule(_own_organisation, on="application", caller=_applicant_with_organisation),
    "application.withdraw": Rule(_own_organisation, on="application", caller=_applicant_with_organisation),
    "application.import": Rule(_admin),
    "application.template": Rule(_admin),
    "application.export": Rule(_admin),
    # Material rules take the application, except download and delete, which take the material.
    "material.list": Rule(_sees_application, on="application"),
    "material.checklist": Rule(
        lambda u, o: u.is_admin or _own_organisation(u, o),
        on="application",
        caller=lambda u: u.is_admin or _applicant_with_organisation(u),
    ),
    "material.upload": Rule(_own_organisation, on="application", caller=_applicant_with_organisation),
    "material.download": Rule(lambda u, o: _sees_application(u, o.application), on="material"),
    "material.delete": Rule(
        lambda u, o: _own_organisation(u, o.application), on="material", caller=_applicant_with_organisation
    ),
    # A material shown inside the scoring page: its assigned reviewers, blind round or not.
    "material.inline": Rule(lambda u, o: _assigned(u, o.application), on="material", caller=_reviewer),
    # The region offices (县级申报、市级把关): rules on an application take the application.
    "vetting.list": Rule(_region_office),
    "vetting.act": Rule(_in_scope, on="application", caller=_region_office),
    "round.settings": Rule(_admin),
    # Assignments and reviews: the office assigns; a reviewer acts on their own assignments.
    "assignment.auto": Rule(_admin),
    "assignment.manage": Rule(_admin),
    "assignment.list": Rule(lambda u, o: u.is_admin or _reviewer(u)),
    "assignment.recuse": Rule(_own_assignment, on="assignment", caller=_reviewer),
    # Declared conflicts: a reviewer against an organisation, an applicant against a reviewer; the
    # office decides. A declarer reads only their own (the services say which are whose).
    "conflict.declare": Rule(lambda u, o: _reviewer(u) or _applicant_with_organisation(u)),
    "conflict.list": Rule(lambda u, o: u.is_admin or _reviewer(u) or _applicant_with_organisation(u)),
    "conflict.roster": Rule(lambda u, o: u.is_admin or _applicant_with_organisation(u)),
    "conflict.decide": Rule(_admin),
    "reviewer.profile": Rule(
        lambda u, o: u.is_admin or (_reviewer(u) and (o is None or o.id == u.id)),
        on="user",
        caller=_reviewer_or_admin,
    ),
    # A reviewer who recused or was removed no longer reads the application through the assignment.
    "review.view": Rule(
        lambda u, o: u.is_admin or (_own_assignment(u, o) and o.status == AssignmentStatus.ACTIVE),
        on="assignment",
        caller=_reviewer_or_admin,
    ),
    "review.save": Rule(_own_assignment, on="assignment", caller=_reviewer),
    # Results: computed and read by the office.
    "results.compute": Rule(_admin),
    "results.view": Rule(_admin),
    "results.export": Rule(_admin),
    # Cohorts: formed, read and adjusted by the office; an application's peers also by its applicant
    # (what of them it sees: cohort_runs.peers).
    "cohorts.run": Rule(_admin),
    "cohorts.view": Rule(_admin),
    "cohorts.move": Rule(_admin),
    "cohorts.peers": Rule(
        lambda u, o: u.is_admin or _own_organisation(u, o),
        on="application",
        caller=lambda u: u.is_admin or _applicant_with_organisation(u),
    ),
    # Shortlists: the office drafts, adjusts, publishes, corrects, decides objections and recognises;
    # everybody, signed in or not, reads a published list and objects during its notice period.
    "shortlist.manage": Rule(_admin),
    "shortlist.view": Rule(_admin),
    "objection.decide": Rule(_admin),
    "recognition.publish": Rule(_admin),
    "shortlist.public": Rule(_everybody, anonymous=True),
    "objection.submit": Rule(_everybody, anonymous=True),
    "objection.status": Rule(_everybody, anonymous=True),
    "audit.view": Rule(_admin),
    "audit.verify": Rule(_admin),
    # Dossiers: the office issues, revokes, supersedes and renders them in batches; the applicant
    # downloads its own; anybody verifies one by its code.
    "dossier.issue": Rule(_admin),
    "dossier.manage": Rule(_admin),
    "dossier.download": Rule(
        lambda u, o: u.is_admin or _own_organisation(u, o),
        on="application",
        caller=lambda u: u.is_admin or _applicant_with_organisation(u),
    ),
    "dossier.verify": Rule(lambda u, o: True, anonymous=True),
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
    if not (rule.caller(user) if rule.on_object else rule.check(user, None)):
        raise ServiceError(403, NOT_ALLOWED)


def knows(user: User | None, action: str, obj: Any) -> bool:
    """Whether the object of a rule on an object is in the caller's scope (:data:`SCOPES`): when it
    is not, the caller is answered as for an object that does not exist. True for a rule that
    judges the caller alone."""
    rule = RULES[action]
    if rule.on is None:
        return True
    return user is not None and SCOPES[rule.on](user, obj)


def authorize(user: User | None, action: str, obj: Any = None) -> User | None:
    """The caller if allowed; 401 for an anonymous caller of a rule that needs one, else 403."""
    rule = RULES[action]
    if user is None and not rule.anonymous:
        raise ServiceError(401, SIGN_IN_FIRST)
    if not rule.check(user, obj):
        raise ServiceError(403, NOT_ALLOWED)
    return user
