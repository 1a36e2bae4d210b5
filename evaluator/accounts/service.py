"""Accounts and organisations: the one place they are created, passwords hashed, tokens revoked and
region codes checked.

Used by the API, the spreadsheet import, the demo loader and the ``create-admin`` command. Every
creation writes its audit event. Like every service these functions only flush; the request or
command commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, func, or_, select, update

from evaluator.accounts import divisions
from evaluator.accounts.models import ROLES, ApiToken, Organisation, User
from evaluator.accounts.tokens import token_digest
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_token, lock_user
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.validation import text_problem
from evaluator.workflow import REGION_ROLES, OrgKind, Role

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,80}$"
"""A username: 3 to 80 ASCII letters, digits, '_', '.' or '-'."""
PASSWORD_LENGTH = (10, 200)
"""The shortest and longest password accepted, in characters."""
REGION_CODE_PATTERN = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"
"""A region code of any level: 6 (city or county), 9 (subdistrict) or 12 (community) digits."""

_ASCII_DIGITS = {6: re.compile(r"[0-9]{6}"), 9: re.compile(r"[0-9]{9}"), 12: re.compile(r"[0-9]{12}")}
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether the password is the user's; a missing user costs the same time."""
    if user is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_region(data: dict[str, Any]) -> dict[str, list[str]]:
    """Problems with an organisation's administrative codes, by field (empty when they are right).

    City and county codes have 6 digits (GB/T 2260) and name one of Sichuan's divisions
    (``accounts.divisions``), a subdistrict 9, a community 12, each inside the level above it.
    Digits are ASCII 0-9 only (``\\d`` would take ５ or ٥).
    """
    errors: dict[str, list[str]] = {}
    city, county = data.get("city_code") or "", data.get("county_code") or ""
    sub, community = data.get("subdistrict_code"), data.get("community_code")
    if not re.fullmatch(r"[0-9]{2}(?!00)[0-9]{2}00", city):
        errors["city_code"] = [msg("A city code has 6 digits ending in 00 (not 0000), e.g. 510100.")]
    elif not divisions.is_city(city):
        errors["city_code"] = [msg("%(code)s is not the code of a city or prefecture of Sichuan.", code=city)]
    if not _ASCII_DIGITS[6].fullmatch(county) or county.endswith("00"):
        errors["county_code"] = [msg("A county code has 6 digits not ending in 00, e.g. 510104.")]
    elif county[:4] != city[:4]:
        errors["county_code"] = [
            msg("The county code %(county)s is not inside the city %(city)s.", county=county, city=city)
        ]
    elif not divisions.is_county(county):
        errors["county_code"] = [
            msg("%(code)s is not the code of a county or district of Sichuan.", code=county)
        ]
    if sub is not None:
        if not _ASCII_DIGITS[9].fullmatch(sub):
            errors["subdistrict_code"] = [msg("A subdistrict code has 9 digits.")]
        elif not sub.startswith(county):
            errors["subdistrict_code"] = [
                msg(
                    "The subdistrict code %(subdistrict)s is not inside the county %(county)s.",
                    subdistrict=sub,
                    county=county,
                )
            ]
    if community is not None:
        if not _ASCII_DIGITS[12].fullmatch(community):
            errors["community_code"] = [msg("A community code has 12 digits.")]
        elif sub is None or not community.startswith(sub):
            errors["community_code"] = [msg("A community code needs its subdistrict code as its prefix.")]
    return errors


def user_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Problems with a new account's values, by field: the rules every way of creating one shares."""
    errors: dict[str, list[str]] = {}
    username = data.get("username")
    if not isinstance(username, str) or not re.fullmatch(USERNAME_PATTERN, username):
        errors["username"] = [msg("A username has 3 to 80 letters, digits, '_', '.' or '-'.")]
    password = data.get("password")
    if password is not None and not (
        isinstance(password, str) and PASSWORD_LENGTH[0] <= len(password) <= PASSWORD_LENGTH[1]
    ):
        errors["password"] = [
            msg(
                "A password has %(min)s to %(max)s characters.",
                min=PASSWORD_LENGTH[0],
                max=PASSWORD_LENGTH[1],
            )
        ]
    for key, required, shortest, longest in (("display_name", True, 1, 120), ("affiliation", False, 0, 200)):
        value = data.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not shortest <= len(value) <= longest:
            errors[key] = [msg("This text has %(min)s to %(max)s characters.", min=shortest, max=longest)]
        elif (problem := text_problem(value)) is not None:
            errors[key] = [problem]
    if data.get("role") not in ROLES:
        errors["role"] = [msg("The role is one of: %(roles)s.", roles=list(ROLES))]
    region = data.get("home_region_code")
    if region is not None and not (isinstance(region, str) and re.fullmatch(REGION_CODE_PATTERN, region)):
        errors["home_region_code"] = [msg("A region code has 6, 9 or 12 digits.")]
    elif data.get("role") in REGION_ROLES:
        errors.update(office_region_errors(data["role"], region))
    return errors


def office_region_errors(role: str, region: Any) -> dict[str, list[str]]:
    """A region office's scope: a county office's county code (6 digits not ending in 00), a city
    office's city code (6 digits ending in 00, not 0000)."""
    code = region if isinstance(region, str) else ""
    if role == Role.COUNTY_OFFICE and not (_ASCII_DIGITS[6].fullmatch(code) and not code.endswith("00")):
        return {
            "home_region_code": [
                msg("A county office's region is its county code: 6 digits not ending in 00, e.g. 510107.")
            ]
        }
    if role == Role.CITY_OFFICE and not re.fullmatch(r"[0-9]{2}(?!00)[0-9]{2}00", code):
        return {
            "home_region_code": [
                msg("A city office's region is its city code: 6 digits ending in 00, e.g. 510100.")
            ]
        }
    return {}


def create_user(actor: User | None, data: dict[str, Any], *, password_hash: str | None = None) -> User:
    """Create an account and its ``user.created`` event (flushes); 409 or 422 when it cannot be.

    ``data`` holds ``username``, ``display_name``, ``role``, optionally ``organisation_id``,
    ``affiliation``, ``home_region_code``, and ``password`` — or pass ``password_hash`` already
    made (the demo hashes each of its shared passwords once). ``actor`` None: the command line.
    """
    values = dict(data)
    password = values.pop("password", None)
    if (password is None) == (password_hash is None):
        raise ValueError("give either a password or a password hash")
    errors = user_errors({**values, "password": password})
    if errors:
        raise ServiceError(422, msg("The account's values are not valid."), errors)
    if db.session.scalar(select(User.id).where(User.username == values["username"])) is not None:
        raise ServiceError(409, msg("This username is taken."), {"username": [msg("already exists")]})
    organisation_id = values.get("organisation_id")
    if values["role"] == Role.APPLICANT and organisation_id is None:
        raise ServiceError(
            422,
            msg("An applicant belongs to an organisation."),
            {"organisation_id": [msg("required for applicants")]},
        )
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        raise ServiceError(422, msg("No such organisation."), {"organisation_id": [msg("unknown")]})
    user = User(**values, password_hash=password_hash or hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id, {"username": user.username, "role": user.role})
    return user


def create_organisation(actor: User | None, data: dict[str, Any], **context: Any) -> Organisation:
    """Create an applicant organisation and its ``organisation.created`` event (flushes).

    The region codes are checked (422 naming the field) and the name must be new (409).
    ``context`` goes into the audit event beside the name (e.g. the import's source file).
    """
    values = {"subdistrict": None, "subdistrict_code": None, "community_code": None, **data}
    if values.get("kind") not in set(OrgKind):
        raise ServiceError(
            422,
            msg("The organisation's kind is not valid."),
            {"kind": [msg("The kind is one of: %(kinds)s.", kinds=[str(kind) for kind in OrgKind])]},
        )
    errors = check_region(values)
    if errors:
        raise ServiceError(422, msg("The organisation's region codes are not valid."), errors)
    if db.session.scalar(select(Organisation.id).where(Organisation.name == values["name"])) is not None:
        raise ServiceError(
            409, msg("An organisation of this name exists."), {"name": [msg("already exists")]}
        )
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.created", "organisation", org.id, {"name": org.name, **context})
    return org


def revoke_token(user: User, token: str) -> ApiToken:
    """Revoke one of the user's live bearer tokens and audit it (flushes); 401 for any other token.

    The token's row is locked first, so of two requests revoking the same token exactly one
    succeeds and one event is written.
    """
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if record is not None:
        record = lock_token(record.id)
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        raise ServiceError(401, msg("This token is not valid."))
    record.revoked_at = utcnow()
    db.session.flush()
    audit.record(user, "auth.token_revoked", "user", user.id, {"token_id": record.id})
    return record


def _password_problem(password: str) -> str | None:
    if not isinstance(password, str) or not PASSWORD_LENGTH[0] <= len(password) <= PASSWORD_LENGTH[1]:
        return msg(
            "A password has %(min)s to %(max)s characters.", min=PASSWORD_LENGTH[0], max=PASSWORD_LENGTH[1]
        )
    return None


def change_password(user: User, current: str, new: str) -> User:
    """The user changes their own password: the current one must be right and the new one valid
    and different. Every other session and token of the user is revoked (flushes)."""
    errors: dict[str, list[str]] = {}
    if not check_password(user, current):
        errors["current_password"] = [msg("This is not your current password.")]
    if (problem := _password_problem(new)) is not None:
        errors["new_password"] = [problem]
    elif new == current:
        errors["new_password"] = [msg("The new password must differ from the current one.")]
    if errors:
        raise ServiceError(422, msg("The password was not changed."), errors)
    user = lock_user(user.id)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    _revoke_credentials(user)
    audit.record(user, "user.password_changed", "user", user.id, {})
    return user


def generate_password() -> str:
    """A random password to hand over, e.g. ``3fa9c1-07be42-d9e011`` (72 bits)."""
    return "-".join(secrets.token_hex(3) for _ in range(3))


def reset_password(actor: User, user: User) -> str:
    """The office sets a new random password for a user, who must change it at the next sign-in;
    the user's sessions and tokens are revoked. Returns the new password, to hand over (flushes)."""
    password = generate_password()
    user = lock_user(user.id)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    _revoke_credentials(user)
    audit.record(actor, "user.password_reset", "user", user.id, {"username": user.username})
    return password


def set_active(actor: User, user: User, active: bool) -> User:
    """Activate or deactivate an account; a deactivated one loses its sessions and tokens at once.
    An office may not deactivate itself (flushes)."""
    if not active and actor.id == user.id:
        raise ServiceError(
            422, msg("You cannot deactivate your own account."), {"active": [msg("not for your own account")]}
        )
    user = lock_user(user.id)
    if user.active == active:
        return user
    user.active = active
    if not active:
        _revoke_credentials(user)
    audit.record(
        actor,
        "user.activated" if active else "user.deactivated",
        "user",
        user.id,
        {"username": user.username},
    )
    return user


def set_language(user: User, language: str) -> User:
    """Remember the pages' language the user chose (flushes; not audited: it changes no data)."""
    user.language = language
    db.session.flush()
    return user


def _revoke_credentials(user: User) -> None:
    from evaluator.accounts.sessions import revoke_sessions

    revoke_sessions(user)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()


def user_by_username(username: str) -> User | None:
    """The account of a username (None: there is none)."""
    return db.session.scalar(select(User).where(User.username == username))


def find_user(ident: int) -> User | None:
    """An account by id (None: there is none)."""
    return db.session.get(User, ident)


def users_by_id(ids: Collection[int]) -> dict[int, User]:
    """The accounts with these ids, by id (one query; none for no ids)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(ids))))}


def users_query(role: str | None = None, active: bool | None = None, q: str | None = None) -> Select:
    """Accounts matching the filters, in username order (the API's list and the accounts page).

    ``q`` matches part of the username, the display name or the affiliation.
    """
    query = select(User)
    if role:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    if q and q.strip():
        text = q.strip()
        query = query.where(
            or_(
                User.username.icontains(text, autoescape=True),
                User.display_name.icontains(text, autoescape=True),
                User.affiliation.icontains(text, autoescape=True),
            )
        )
    return query.order_by(User.username, User.id)


def organisations_query(q: str | None = None) -> Select:
    """Organisations whose name holds ``q`` (all without it), in id order."""
    query = select(Organisation)
    if q and q.strip():
        query = query.where(Organisation.name.icontains(q.strip(), autoescape=True))
    return query.order_by(Organisation.id)


def organisation_choices(q: str | None, limit: int) -> list[Organisation]:
    """At most ``limit`` organisations whose name holds ``q`` (all without it), by name: the choice
    of an applicant account's organisation."""
    query = organisations_query(q).order_by(None).order_by(Organisation.name)
    return list(db.session.scalars(query.limit(limit)))


def user_counts(organisation_ids: list[int]) -> dict[int, int]:
    """How many accounts each of these organisations has (organisations without any: absent)."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        select(User.organisation_id, func.count())
        .where(User.organisation_id.in_(organisation_ids))
        .group_by(User.organisation_id)
    )
    return {org_id: n for org_id, n in rows}
