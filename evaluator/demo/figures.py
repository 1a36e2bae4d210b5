"""Plausible application figures for the demo round, driven by each applicant's quality.

Every applicant gets a latent quality q in [0, 1]; its figures follow q with noise and stay
consistent with each other (residents follow households, disputes resolved never exceed those
received, last year's rate sits below this year's). Keys the bundled criteria sets use have
their own rules; any other field gets a generic value within its bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from evaluator.criteria.model import Field

Ctx = dict[str, Any]
Rule = Callable[[np.random.Generator, float, Ctx], Any]

# Households per category for featured communities (the plan's norms, with some outliers).
HOUSEHOLDS = {
    "traditional_urban": (1200, 5200),
    "market_town": (500, 3000),
    "urban_rural_fringe": (1500, 6000),
    "relocation": (250, 750),
}
THEMES = (
    "党建引领小区治理",
    "社区服务项目化",
    "五社联动助力基层治理",
    "智慧社区场景建设",
    "老旧小区改造与共建共享",
    "社区基金与社区经济",
    "公园城市社区营造",
    "矛盾纠纷多元化解",
)
CORE_INDICATORS = (
    "小区党组织覆盖率",
    "居民议事协商参与率",
    "社区服务项目群众满意率",
    "网上可办服务事项占比",
)


def _pct(rng: np.random.Generator, q: float, lo: float = 55.0, span: float = 44.0) -> float:
    return float(np.clip(lo + span * q + rng.normal(0, 3), 0, 100).round(1))


def _residents(rng: np.random.Generator, q: float, ctx: Ctx) -> int:
    if "households_resident" in ctx:
        return int(ctx["households_resident"] * rng.uniform(2.5, 3.1))
    return int(ctx["_size"] * rng.uniform(0.8, 1.2))


def _households(rng: np.random.Generator, q: float, ctx: Ctx) -> int:
    if ctx.get("category") in HOUSEHOLDS:
        return int(rng.uniform(*HOUSEHOLDS[ctx["category"]]))
    return int(ctx["_size"] / rng.uniform(2.6, 2.9))


def _population(ctx: Ctx) -> float:
    if "residents_resident" in ctx:
        return ctx["residents_resident"]
    if "households_resident" in ctx:
        return ctx["households_resident"] * 2.8
    return ctx["_size"]


def _share(key: str, lo: float, hi: float) -> Rule:
    return lambda rng, q, ctx: int(_population(ctx) * rng.uniform(lo, hi))


def _money(lo: float, hi: float) -> Rule:
    return lambda rng, q, ctx: float(round((lo + (hi - lo) * q) * rng.uniform(0.8, 1.2), -2))


RULES: dict[str, Rule] = {
    "area_km2": lambda rng, q, ctx: float(round(ctx["_area"] * rng.uniform(0.5, 1.5), 2)),
    "subdistricts": lambda rng, q, ctx: int(rng.integers(8, 26)),
    "communities": lambda rng, q, ctx: int(ctx["_communities"] * rng.uniform(0.7, 1.3)) or 1,
    "households_resident": _households,
    "residents_resident": _residents,
    "residents_registered": _share("residents_registered", 0.75, 0.95),
    "residents_floating": _share("residents_floating", 0.05, 0.3),
    "urban_residents": _share("urban_residents", 0.55, 0.9),
    "aged_60_plus": _share("aged_60_plus", 0.16, 0.26),
    "children_0_14": _share("children_0_14", 0.1, 0.17),
    "disabled_persons": _share("disabled_persons", 0.015, 0.03),
    "low_income_residents": _share("low_income_residents", 0.005, 0.03),
    "residential_compounds": lambda rng, q, ctx: max(
        1, int(ctx.get("households_resident", 3000) / rng.uniform(120, 260))
    ),
    "compounds_managed": lambda rng, q, ctx: int(ctx["residential_compounds"] * (0.4 + 0.55 * q)),
    "grids": lambda rng, q, ctx: max(1, int(ctx["households_resident"] / rng.uniform(250, 400))),
    "grid_workers_fulltime": lambda rng, q, ctx: int(
        ctx.get("grids", _population(ctx) / 1000) * (0.7 + 0.5 * q)
    ),
    "party_members": _share("party_members", 0.03, 0.06),
    "in_service_party_members": _share("in_service_party_members", 0.015, 0.03),
    "registered_party_members": lambda rng, q, ctx: int(
        ctx["in_service_party_members"] * min(1.0, 0.6 + 0.4 * q)
    ),
    "consultations_per_year": lambda rng, q, ctx: int(4 + 20 * q + rng.integers(0, 4)),
    "community_workers": lambda rng, q, ctx: (
        int(ctx.get("urban_residents", _population(ctx)) / 10000 * (9 + 12 * q)) + 1
    ),
    "certified_social_workers": lambda rng, q, ctx: int(ctx["community_workers"] * (0.12 + 0.3 * q)),
    "registered_volunteers": _share("registered_volunteers", 0.05, 0.16),
    "volunteer_service_hours": lambda rng, q, ctx: float(int(ctx["registered_volunteers"] * (6 + 20 * q))),
    "service_facility_area": lambda rng, q, ctx: float(int(ctx["households_resident"] / 100 * (18 + 22 * q))),
    "certificate_items": lambda rng, q, ctx: int(max(0, 32 - 26 * q + rng.normal(0, 2))),
    "duty_list_items": lambda rng, q, ctx: int(rng.integers(80, 200)),
    "one_window_items": lambda rng, q, ctx: int(60 + 90 * q),
    "funds_provincial": _money(500_000, 5_000_000),
    "funds_city": _money(1_000_000, 10_000_000),
    "funds_county": _money(5_000_000, 50_000_000),
    "funds_government": _money(200_000, 2_000_000),
    "funds_per_community": _money(40_000, 160_000),
    "community_fund": _money(20_000, 180_000),
    "community_economy_income": _money(50_000, 900_000),
    "charity_social_funds": _money(100_000, 5_000_000),
    "purchased_services_value": _money(300_000, 8_000_000),
    "disputes_received": lambda rng, q, ctx: int(_population(ctx) / rng.uniform(150, 300)),
    "disputes_resolved": lambda rng, q, ctx: int(ctx["disputes_received"] * min(1.0, 0.85 + 0.15 * q)),
    "survey_sample": lambda rng, q, ctx: int(rng.integers(200, 1500)),
    "satisfaction_rate": lambda rng, q, ctx: _pct(rng, q, 76, 22),
    "national_honours": lambda rng, q, ctx: int(rng.random() < 0.15 * q),
    "provincial_honours": lambda rng, q, ctx: int(rng.poisson(0.9 * q)),
    "site_visits": lambda rng, q, ctx: int(2 + 30 * q * rng.uniform(0.5, 1.5)),
    "theme": lambda rng, q, ctx: str(rng.choice(THEMES)),
    "core_indicator": lambda rng, q, ctx: str(rng.choice(CORE_INDICATORS)),
    "duration_years": lambda rng, q, ctx: int(rng.integers(2, 4)),
    "core_indicator_baseline": lambda rng, q, ctx: float(round(rng.uniform(35, 70), 1)),
    "core_indicator_target": lambda rng, q, ctx: float(
        min(100.0, round(ctx["core_indicator_baseline"] + rng.uniform(10, 30), 1))
    ),
    "attainment_target": lambda rng, q, ctx: float(round(rng.uniform(90, 100), 1)),
    "online_service_rate_target": lambda rng, q, ctx: float(
        min(100.0, round(ctx["online_service_rate"] + rng.uniform(5, 15), 1))
    ),
}
# Veto figures stay false; the demo plants its veto cases on purpose.
RARE_TRUE = ("major_incident_3y", "leadership_discipline_violation", "already_holding_title")


def figure(f: Field, rng: np.random.Generator, q: float, ctx: Ctx) -> Any:
    """A plausible value of one field for an applicant of quality ``q``."""
    if f.key in RULES:
        value = RULES[f.key](rng, q, ctx)
    elif f.key.endswith("_prev") and f.key[:-5] in ctx:
        value = float(max(0.0, round(ctx[f.key[:-5]] - rng.uniform(0, 14) * q, 1)))
    elif f.type == "bool":
        value = False if f.key in RARE_TRUE else bool(rng.random() < 0.35 + 0.6 * q)
    elif f.type == "enum":
        value = f.choice_values[int(rng.choice(len(f.choices), p=_enum_weights(len(f.choices))))]
    elif f.type == "multi":
        value = [c for c in f.choice_values if rng.random() < 0.4 + 0.55 * q]
    elif f.type == "text":
        value = ""
    elif f.unit == "%" or f.max == 100:
        value = _pct(rng, q)
    else:
        value = float(round((f.min or 0) + 50 * q * rng.uniform(0.5, 1.5), 1))
    if f.type == "int":
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        lo = f.min if f.min is not None else value
        hi = f.max if f.max is not None else value
        value = type(value)(min(max(value, lo), hi))
    return value


def _enum_weights(n: int) -> np.ndarray:
    w = np.array([0.5, 0.2, 0.2, 0.1][:n] + [0.1] * max(0, n - 4))
    return w / w.sum()
