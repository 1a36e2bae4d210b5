"""Load the demonstration data into the database: accounts, organisations, rounds, applications.

One open round per zone type (the bundled criteria sets frozen in), with ``applicants``
organisations each — real Sichuan cities, counties and subdistricts from
:mod:`evaluator.demo.regions` — and their applications, figures from
:func:`evaluator.demo.round.demo_round` (the same seeded data ``flask demo score`` ranks, edge
cases included). Applications go through :func:`evaluator.applications.service.create_application`
(figures validated, intake warnings, audit); submissions are back-dated into the weeks since the
round opened. Besides them: the expert roster with expertise and the region offices
(:mod:`evaluator.demo.people`), and last year's featured-community round already through review and
scored (:mod:`evaluator.demo.scored`). Like every service it only flushes: the ``demo load``
command commits once.

The demo passwords are fixed and public (printed and documented). They exist for trying the
service on one machine and must never be used anywhere else.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.accounts.service import create_organisation, create_user, hash_password
from evaluator.applications import intake
from evaluator.applications.models import Application
from evaluator.applications.service import create_application
from evaluator.applications.transitions import move_application
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import restart_order
from evaluator.criteria import CriteriaSet, load_criteria
from evaluator.criteria.model import Field
from evaluator.demo.notice import through_recognition
from evaluator.demo.people import REVIEWERS, city_offices, county_offices
from evaluator.demo.regions import COUNTIES
from evaluator.demo.round import demo_round
from evaluator.demo.scored import scored_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import Message, msg
from evaluator.rounds.models import Round
from evaluator.rounds.phases import move_round
from evaluator.rounds.service import create_round
from evaluator.workflow import ZONE_NAMES, OrgKind, Phase, ZoneType, kind_for_zone

PASSWORDS = {
    "admin": "demo-admin-2026",
    "reviewer": "demo-reviewer-2026",
    "applicant": "demo-applicant-2026",
    "county_office": "demo-office-2026",
    "city_office": "demo-office-2026",
}
"""The fixed demo passwords, one per role. For the demo only; never use them elsewhere."""

CRITERIA = ("cgz-2026", "ssz-2026", "fc-2026")
"""The bundled criteria sets, one round each."""

# Applications left in draft (by position in the round), away from the planted edge cases.
DRAFTS = (13, 26, 29)
MAX_APPLICANTS = len(COUNTIES)

# The applicant account of the README's API tour: an organisation with no application yet.
TOUR = {
    "username": "applicant",
    "county_code": "510107",
    "subdistrict": "玉林街道",
    "name": "武侯区玉林街道玉林北路社区",
}

_COUNTY = {c.county_code: c for c in COUNTIES}


class DemoLoadError(Exception):
    """The demo cannot be loaded (the database holds data, or bad options); the message is a sentence."""

    def __str__(self) -> str:
        """The sentence as given (a translatable message stays one)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else super().__str__()


@dataclass
class DemoSummary:
    """What was loaded, for printing."""

    rounds: list[Round] = field(default_factory=list)
    organisations: int = 0
    users: int = 0
    applications: Counter = field(default_factory=Counter)
    tour_organisation: str = ""


def held_rows(counts: dict[str, int]) -> list[Message]:
    """The tables that hold rows, each as a count with its noun (``3 accounts``)."""
    nouns = {
        "accounts": lambda n: msg("%(count)s accounts", count=n),
        "organisations": lambda n: msg("%(count)s organisations", count=n),
        "rounds": lambda n: msg("%(count)s rounds", count=n),
        "applications": lambda n: msg("%(count)s applications", count=n),
    }
    return [nouns[name](count) for name, count in counts.items() if count]


def existing_rows() -> dict[str, int]:
    """Rows in the tables the demo fills; all zero on an empty database."""
    counts = {}
    for name, model in (
        ("accounts", User),
        ("organisations", Organisation),
        ("rounds", Round),
        ("applications", Application),
    ):
        counts[name] = db.session.scalar(select(func.count()).select_from(model)) or 0
    return counts


def empty_tables() -> None:
    """Delete every row of every table, children first (the caller commits)."""
    db.session.flush()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.expunge_all()  # the deleted rows' objects must not shadow the new ones' ids


def figures_of(cs: CriteriaSet, row: pd.Series) -> dict[str, Any]:
    """A demo table row as the JSON figures of an application: typed values, blanks left out."""
    out: dict[str, Any] = {}
    for f in cs.fields:
        if f.key not in row.index:
            continue
        value = _typed(f, row[f.key])
        if value is not None:
            out[f.key] = value
    return out


def _typed(f: Field, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if f.type == "int":
        return int(value)
    if f.type == "float":
        return float(value)
    if f.type == "bool":
        return bool(value)
    if f.type == "multi":
        items = value if isinstance(value, list | tuple) else str(value).split(";")
        return [str(item).strip() for item in items if str(item).strip()]
    return str(value)


def _user(actor: User | None, summary: DemoSummary, hashes: dict[str, str], **values: Any) -> User:
    user = create_user(actor, values, password_hash=hashes[values["role"]])
    summary.users += 1
    return user


def _organisation(
    actor: User,
    summary: DemoSummary,
    kind: str,
    name: str,
    county_code: str,
    sub: tuple[str, str] | None,
    seq: Counter,
) -> Organisation:
    county = _COUNTY[county_code]
    values: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "city": county.city,
        "city_code": county.city_code,
        "county": county.county,
        "county_code": county.county_code,
        "subdistrict": None,
        "subdistrict_code": None,
        "community_code": None,
    }
    if sub is not None:
        values["subdistrict_code"], values["subdistrict"] = sub
    if kind == OrgKind.COMMUNITY:  # a residents' committee code below its subdistrict (001–199)
        seq[values["subdistrict_code"]] += 1
        values["community_code"] = f"{values['subdistrict_code']}{seq[values['subdistrict_code']]:03d}"
    try:
        org = create_organisation(actor, values)
    except ServiceError as exc:
        raise DemoLoadError(
            msg("The demo organisation %(name)s cannot be created: %(errors)s", name=name, errors=exc.errors)
        ) from None
    summary.organisations += 1
    return org


def _submit(user: User, app: Application, cs: CriteriaSet, at: datetime) -> None:
    """Submit a demo draft at a time in the past (``applications.service.submit`` uses now)."""
    _, errors = intake.figures_errors(cs, app.figures, partial=False)
    if errors:
        raise DemoLoadError(
            msg(
                "demo figures of application %(id)s do not fit %(criteria)s: %(errors)s",
                id=app.id,
                criteria=cs.id,
                errors=errors,
            )
        )
    app.warnings = intake.intake_warnings(cs, app.figures)
    move_application(user, app, "submit", at=at, warnings=len(app.warnings))


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}（{k}）"
    taken.add(candidate)
    return candidate


def load_demo(
    applicants: int = 30, seed: int = 2026, criteria_folder: Path | None = None, now: datetime | None = None
) -> DemoSummary:
    """Load the demo into an empty database (flushes only; the caller commits once).

    Raises :class:`DemoLoadError` when the database already holds accounts, organisations,
    rounds or applications: empty it first (``demo load --reset``).
    """
    if not 1 <= applicants <= MAX_APPLICANTS:
        raise DemoLoadError(
            msg(
                "--applicants must be between 1 and %(max)s (the demo's distinct Sichuan counties).",
                max=MAX_APPLICANTS,
            )
        )
    held = held_rows(existing_rows())
    if held:
        raise DemoLoadError(
            msg(
                "The database already holds data (%(held)s); nothing was changed. Run "
                "'flask --app wsgi demo load --reset' to empty it and load the demo "
                "again.",
                held=held,
            )
        )
    sets = [load_criteria(ref, criteria_folder) for ref in CRITERIA]
    now = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    opened = now - timedelta(days=30)
    summary = DemoSummary()
    hashes = {pw: hash_password(pw) for pw in set(PASSWORDS.values())}  # one argon2 hash per password
    hashes = {role: hashes[pw] for role, pw in PASSWORDS.items()}

    admin = _user(
        None,
        summary,
        hashes,
        username="admin",
        role="admin",
        display_name="四川省民政厅基层政权建设和社区治理处",
        affiliation="四川省民政厅",
    )
    for username, name, affiliation, region, expertise in REVIEWERS:
        reviewer = _user(
            admin,
            summary,
            hashes,
            username=username,
            display_name=name,
            role="reviewer",
            affiliation=affiliation,
            home_region_code=region,
        )
        reviewer.expertise = list(expertise)
    for role, offices in (("city_office", city_offices()), ("county_office", county_offices())):
        for username, name, code in offices:
            _user(
                admin,
                summary,
                hashes,
                username=username,
                display_name=name,
                role=role,
                affiliation=name,
                home_region_code=code,
            )

    taken: set[str] = set()
    seq: Counter = Counter()
    entries: dict[str, list[tuple[User, Organisation, dict]]] = {}
    for cs in sets:
        zone_name, kind = ZONE_NAMES[ZoneType(cs.zone_type)], kind_for_zone(cs.zone_type)
        rnd = create_round(
            admin,
            f"{now.year}年度四川省{zone_name}评审（演示）",
            cs,
            opens_at=opened,
            submission_deadline=now + timedelta(days=30),
            review_deadline=now + timedelta(days=75),
            notice_days=7,
        )
        move_round(admin, rnd, Phase.OPEN)
        summary.rounds.append(rnd)
        demo = demo_round(cs, applicants=applicants, seed=seed)
        prefix = cs.id.split("-")[0]
        for i, row in demo.applications.iterrows():
            sub = None if kind == OrgKind.COUNTY else (row["subdistrict_code"], row["subdistrict"])
            org = _organisation(
                admin, summary, kind, _unique(row["name"], taken), row["county_code"], sub, seq
            )
            username = f"{prefix}-{i + 1:03d}"
            user = _user(
                admin,
                summary,
                hashes,
                username=username,
                display_name=f"{org.name}申报账号",
                role="applicant",
                organisation_id=org.id,
            )
            app = create_application(user, rnd, figures_of(cs, row), {})
            entries.setdefault(cs.id, []).append((user, org, figures_of(cs, row)))
            if i not in DRAFTS:
                offset = pd.Timestamp(row["submitted_at"]) - pd.Timestamp("2026-04-01 00:00")
                _submit(user, app, cs, opened + offset.to_pytimedelta())
            summary.applications[app.status] += 1

    featured = next(cs for cs in sets if cs.zone_type == ZoneType.FEATURED_COMMUNITY)
    # Last year's round went through the notice and the recognition; this year's first round is
    # reviewed and computed, its shortlist not drafted yet (the office does that in the tour).
    zone = ZONE_NAMES[ZoneType.FEATURED_COMMUNITY]
    last = scored_round(
        admin,
        featured,
        entries[featured.id],
        now,
        seed + 1,
        _submit,
        title=f"{now.year - 1}年度四川省{zone}评审（演示，已认定）",
        days_ago=430,
    )
    through_recognition(admin, last, now)
    restart_order()  # the demo writes alone: the next round's steps take their locks afresh
    scored = scored_round(
        admin,
        featured,
        entries[featured.id],
        now,
        seed,
        _submit,
        title=f"{now.year}年度四川省{zone}评审（第一批，演示，已评分）",
        days_ago=120,
    )
    summary.rounds += [last, scored]
    for rnd in (last, scored):
        summary.applications.update(
            a.status for a in db.session.scalars(select(Application).where(Application.round_id == rnd.id))
        )

    tour_sub = next(s for s in _COUNTY[TOUR["county_code"]].subdistricts if s[1] == TOUR["subdistrict"])
    tour = _organisation(
        admin,
        summary,
        OrgKind.COMMUNITY.value,
        _unique(TOUR["name"], taken),
        TOUR["county_code"],
        tour_sub,
        seq,
    )
    _user(
        admin,
        summary,
        hashes,
        username=TOUR["username"],
        display_name=f"{tour.name}申报账号",
        role="applicant",
        organisation_id=tour.id,
    )
    summary.tour_organisation = tour.name
    audit.record(
        admin,
        "demo.loaded",
        "demo",
        None,
        {"applicants": applicants, "seed": seed, "rounds": [r.id for r in summary.rounds]},
    )
    return summary


LOGINS_HEADING = msg("Demo logins (fixed demo passwords: for this demo only, never use them anywhere else):")


def demo_logins(summary: DemoSummary | None = None) -> list[tuple[str, str, Message]]:
    """The demo logins as (usernames, password, who), for printing after a load (or when the demo
    is already there)."""
    if summary:
        tour = msg(
            "%(organisation)s, for the README's API tour (its community had not applied when "
            "the demo was loaded)",
            organisation=summary.tour_organisation,
        )
    else:
        tour = msg("for the README's API tour (its community had not applied when the demo was loaded)")
    return [
        ("admin", PASSWORDS["admin"], msg("provincial office (admin)")),
        ("reviewer1 … reviewer12", PASSWORDS["reviewer"], msg("expert reviewers")),
        (
            "city-510100 …",
            PASSWORDS["city_office"],
            msg("city civil-affairs offices, one per city (510100: Chengdu)"),
        ),
        (
            "county-510107 …",
            PASSWORDS["county_office"],
            msg("county civil-affairs offices, one per county (510107: Wuhou district)"),
        ),
        ("applicant", PASSWORDS["applicant"], tour),
        (
            "cgz-001 … / ssz-001 … / fc-001 …",
            PASSWORDS["applicant"],
            msg("one applicant account per demo organisation"),
        ),
    ]
