"""The names an audit event's sentence needs, looked up at once for a page of events: the accounts'
display names, each application's organisation and round, the rounds' titles, the organisations',
the places' (cities and counties) and the criteria sections' (a reviewer's expertise).

An event stores ids; people read names. Whatever was deleted since is named by what the event
itself recorded (a deleted material by its file name), or said to be gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.places import place_names
from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria

USER_KEYS = ("reviewer_id",)
APPLICATION_KEYS = ("application_id",)
ROUND_KEYS = ("round_id",)
ORGANISATION_KEYS = ("organisation_id",)


@dataclass
class Names:
    """Names by id: ``users`` (display names), ``applications`` (organisation name, round id),
    ``rounds`` (titles), ``organisations``, ``places`` (by code) and ``sections`` (by id: the
    Chinese and English names)."""

    users: dict[int, str] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)
    applications: dict[int, tuple[str, int]] = field(default_factory=dict)
    rounds: dict[int, str] = field(default_factory=dict)
    organisations: dict[int, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    sections: dict[str, tuple[str, str]] = field(default_factory=dict)


def _ids(values: Iterable[Any]) -> set[int]:
    out = set()
    for value in values:
        if isinstance(value, dict):  # a change: both sides
            out |= _ids(value.values())
        elif isinstance(value, int) and not isinstance(value, bool):
            out.add(value)
        elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
            out.add(int(value))
    return out


def _from(events: list[AuditEvent], object_type: str, keys: tuple[str, ...]) -> set[int]:
    found = _ids(e.object_id for e in events if e.object_type == object_type)
    return found | _ids((e.summary or {}).get(k) for e in events for k in keys)


def names_for(events: list[AuditEvent]) -> Names:
    """Every name the events' sentences use, in a few queries."""
    names = Names()
    users = _from(events, "user", USER_KEYS) | {e.actor_id for e in events if e.actor_id is not None}
    if users:
        for ident, display, username in db.session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(users))
        ):
            names.users[ident], names.usernames[ident] = display, username
    applications = _from(events, "application", APPLICATION_KEYS)
    if applications:
        rows = db.session.execute(
            select(Application.id, Organisation.name, Application.round_id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(Application.id.in_(applications))
        )
        names.applications = {ident: (name, round_id) for ident, name, round_id in rows}
    rounds = _from(events, "round", ROUND_KEYS) | {r for _, r in names.applications.values()}
    if rounds:
        names.rounds = dict(
            db.session.execute(select(Round.id, Round.title).where(Round.id.in_(rounds))).all()
        )
    organisations = _from(events, "organisation", ORGANISATION_KEYS)
    if organisations:
        names.organisations = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(organisations))
            ).all()
        )
    if any(e.action in ("round.settings_changed", "reviewer.profile") for e in events):
        names.places = place_names()
    if any(e.action == "reviewer.profile" for e in events):
        for rnd in db.session.scalars(select(Round)):
            for section in round_criteria(rnd).indicators:
                names.sections.setdefault(section.id, (section.name, section.name_en))
    return names
