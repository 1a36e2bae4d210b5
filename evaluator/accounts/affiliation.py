"""A reviewer's affiliation as people choose and read it.

The account stores the affiliation as one text, compared as it is with an application's affiliation
keys (``assignments.data.application_keys``): a registered organisation's name, ``bureau:<county
code>`` for a county's civil-affairs bureau, or any other body's name (a university, a think tank).
The office's pages never ask for that text: they offer the kind of affiliation as a choice and the
county or the organisation from a list by name (``AffiliationForm``), and show the stored text in
words (``describe``). The API keeps the text.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema
from sqlalchemy import select

from evaluator.accounts.models import Organisation
from evaluator.accounts.places import counties
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.validation import QueryId, Text

BUREAU = "bureau:"
_BUREAU_CODE = re.compile(r"bureau:([0-9]{6})")
_COUNTY_CODE = re.compile(r"[0-9]{4}(?!00)[0-9]{2}")
KINDS = {
    "bureau": N_("A county's civil-affairs bureau"),
    "organisation": N_("A registered organisation"),
    "other": N_("Another body (a university, a research institute …)"),
}
"""The kinds of affiliation the pages offer, with their labels (no choice: no affiliation)."""
REQUIRED = N_("This field is required.")
NOT_VALID = N_("Some entries need correcting: see the messages beside the fields.")


class AffiliationForm(Schema):
    """The affiliation pickers (``kind``, then ``county``, ``organisation`` or ``name``) read into the
    stored text: ``bureau:<county code>``, the organisation's name, the name typed, or None."""

    kind = fields.String(
        load_default="", validate=validate.OneOf(["", *KINDS], error=N_("Choose an entry of the list."))
    )
    county = fields.String(load_default=None)
    organisation = QueryId(load_default=None)
    name = Text(load_default=None, max_length=200)

    @pre_load
    def _blank_is_missing(self, data: dict, **kwargs: object) -> dict:
        """An empty input is a value not given (a blank kind: no affiliation)."""
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}

    @validates_schema
    def _chosen(self, data: dict, **kwargs: object) -> None:
        """The kind chosen needs its county, organisation or name: a county among those known."""
        kind = data.get("kind")
        needed = {"bureau": "county", "organisation": "organisation", "other": "name"}.get(kind or "")
        if needed and data.get(needed) is None:
            raise ValidationError(msg(REQUIRED), needed)
        if kind == "bureau" and not _COUNTY_CODE.fullmatch(data["county"]):
            raise ValidationError(msg("Choose a county from the list."), "county")
        if kind == "organisation" and organisation_name(data["organisation"]) is None:
            raise ValidationError(msg("Choose an organisation from the list."), "organisation")

    @post_load
    def _text(self, data: dict, **kwargs: object) -> str | None:
        """The affiliation as the account stores it."""
        kind = data.get("kind")
        if kind == "bureau":
            return BUREAU + data["county"]
        if kind == "organisation":
            return organisation_name(data["organisation"])
        if kind == "other":
            return data["name"]
        return None


def organisation_name(ident: int | None) -> str | None:
    """A registered organisation's name by its id (None when there is none)."""
    if ident is None:
        return None
    return db.session.scalar(select(Organisation.name).where(Organisation.id == ident))


def posted_affiliation(form: Any, prefix: str = "affiliation.") -> str | None:
    """The affiliation chosen in a page's pickers (fields ``affiliation.kind`` …); a 422 naming the
    picker (``affiliation.county`` …) that is missing or wrong."""
    raw = {k[len(prefix) :]: v for k, v in form.items() if k.startswith(prefix)}
    try:
        return AffiliationForm().load(raw)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"kind": exc.messages}
        raise ServiceError(422, msg(NOT_VALID), {prefix.rstrip("."): errors}) from None


def picker_values(affiliation: str | None, prefix: str = "affiliation.") -> dict[str, Any]:
    """The pickers' values for a stored affiliation: a bureau by its county, a registered
    organisation by its id, any other text as a name."""
    text = (affiliation or "").strip()
    if not text:
        return {f"{prefix}kind": ""}
    found = _BUREAU_CODE.fullmatch(text)
    if found:
        return {f"{prefix}kind": "bureau", f"{prefix}county": found.group(1)}
    ident = db.session.scalar(select(Organisation.id).where(Organisation.name == text))
    if ident is not None:
        return {f"{prefix}kind": "organisation", f"{prefix}organisation": str(ident)}
    return {f"{prefix}kind": "other", f"{prefix}name": text}


def county_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The counties a bureau can be chosen from, as (code, city and county name), and the county of
    ``current`` (a stored affiliation) when no registered organisation names it any more."""
    choices = [(code, f"{city}{county}") for code, county, city in counties()]
    if current and current not in {code for code, _ in choices}:
        choices.append((current, current))
    return choices


def describe(affiliation: str | None, names: dict[str, str] | None = None) -> str:
    """A stored affiliation in the reader's words: a bureau by its county's name (``names``: place
    names by code, as ``places.place_names`` gives them); any other text as it is; '—' for none."""
    text = (affiliation or "").strip()
    if not text:
        return "—"
    found = _BUREAU_CODE.fullmatch(text)
    if found is None:
        return text
    code = found.group(1)
    place = (names or {}).get(code)
    if place is None:
        return gettext("The civil-affairs bureau of the county %(code)s", code=code)
    return gettext("The civil-affairs bureau of %(county)s", county=place)
