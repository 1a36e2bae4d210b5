"""The places people choose from by name: Sichuan's cities and prefectures (市州), and the counties
(区县) of the registered organisations.

Pages that ask for a city or a county offer these by name, never a code to type: the quotas of single
cities, a reviewer's affiliation with a county's civil-affairs bureau. The codes are those of GB/T 2260.
"""

from __future__ import annotations

from sqlalchemy import select

from evaluator.accounts.models import Organisation
from evaluator.extensions import db

SICHUAN_CITIES: tuple[tuple[str, str], ...] = (
    ("510100", "成都市"),
    ("510300", "自贡市"),
    ("510400", "攀枝花市"),
    ("510500", "泸州市"),
    ("510600", "德阳市"),
    ("510700", "绵阳市"),
    ("510800", "广元市"),
    ("510900", "遂宁市"),
    ("511000", "内江市"),
    ("511100", "乐山市"),
    ("511300", "南充市"),
    ("511400", "眉山市"),
    ("511500", "宜宾市"),
    ("511600", "广安市"),
    ("511700", "达州市"),
    ("511800", "雅安市"),
    ("511900", "巴中市"),
    ("512000", "资阳市"),
    ("513200", "阿坝藏族羌族自治州"),
    ("513300", "甘孜藏族自治州"),
    ("513400", "凉山彝族自治州"),
)
"""The province's 21 cities and autonomous prefectures, by their codes."""


def cities() -> list[tuple[str, str]]:
    """Every city as (code, name), by code: the province's 21 and any other city a registered
    organisation lies in."""
    known = dict(SICHUAN_CITIES)
    rows = db.session.execute(select(Organisation.city_code, Organisation.city).distinct())
    for code, name in rows:
        known.setdefault(code, name)
    return sorted(known.items())


def counties() -> list[tuple[str, str, str]]:
    """The counties of the registered organisations as (code, county name, city name), by code."""
    rows = db.session.execute(
        select(Organisation.county_code, Organisation.county, Organisation.city).distinct()
    )
    found: dict[str, tuple[str, str]] = {}
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
        by_city.setdefault(code[:4] + "00", []).append((code, f"{city}{county}"))
    for code, name in cities():
        choices.append((code, name))
        choices += by_city.pop(code, [])
    for rest in by_city.values():
        choices += rest
    if current and current not in {code for code, _ in choices}:
        choices.append((current, place_names().get(current, current)))
    return choices
