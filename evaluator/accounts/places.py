"""The places people choose from by name: Sichuan's cities and prefectures (市州) and counties (区县),
as ``accounts.divisions`` lists them, and any other place a registered organisation lies in.

Pages that ask for a city or a county offer these by name, never a code to type: the quotas of single
cities, a reviewer's affiliation with a county's civil-affairs bureau. The codes are those of GB/T 2260.
"""

from __future__ import annotations

from sqlalchemy import select

from evaluator.accounts import divisions
from evaluator.accounts.models import Organisation
from evaluator.extensions import db


def cities() -> list[tuple[str, str]]:
    """Every city as (code, name), by code: the province's 21 and any other city a registered
    organisation lies in."""
    known = dict(divisions.CITIES)
    rows = db.session.execute(select(Organisation.city_code, Organisation.city).distinct())
    for code, name in rows:
        known.setdefault(code, name)
    return sorted(known.items())


def counties() -> list[tuple[str, str, str]]:
    """Every county as (code, county name, city name), by code: the province's 183 and any other
    county a registered organisation lies in."""
    found: dict[str, tuple[str, str]] = {
        code: (county, divisions.CITIES.get(divisions.city_of(code), ""))
        for code, county in divisions.COUNTIES.items()
    }
    rows = db.session.execute(
        select(Organisation.county_code, Organisation.county, Organisation.city).distinct()
    )
    for code, county, city in rows:
        found.setdefault(code, (county, city))
    return [(code, county, city) for code, (county, city) in sorted(found.items())]


def place_names() -> dict[str, str]:
    """The names of the cities and counties known, by code (a county as its city and county name)."""
    names = dict(cities())
    names.update({code: f"{city}{county}" for code, county, city in counties()})
    return names


def region_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The regions an account's home region is chosen from, as (code, name): each city, then its
    counties (named with their city), by code; and ``current`` (a stored code) when it is none of
    them (a subdistrict's or community's code an expert was given through the API)."""
    choices = []
    by_city: dict[str, list[tuple[str, str]]] = {}
    for code, county, city in counties():
        by_city.setdefault(divisions.city_of(code), []).append((code, f"{city}{county}"))
    for code, name in cities():
        choices.append((code, name))
        choices += by_city.pop(code, [])
    for rest in by_city.values():
        choices += rest
    if current and current not in {code for code, _ in choices}:
        choices.append((current, place_names().get(current, current)))
    return choices
