"""A demonstration round for one criteria set: applicants, expert scores and bonus claims.

Seeded, so the same seed gives the same round. Besides ordinary applicants it holds the edge
cases a reviewer should see handled: a veto by a figure, a veto by a reviewer flag, resident
satisfaction under the veto line, an application still short of reviews, a featured community
outside its category's scale norm, and a missing optional figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.demo.figures import figure
from evaluator.demo.regions import COUNTIES
from evaluator.workflow import ZoneType

COMMUNITY_STEMS = (
    "玉林",
    "红星",
    "新华",
    "和平",
    "光华",
    "锦城",
    "桂溪",
    "芳草",
    "望江",
    "双楠",
    "金沙",
    "府河",
    "东光",
    "五福",
    "长寿",
    "翠湖",
    "清泉",
    "滨江",
    "文庙",
    "书院",
    "映山",
    "凤凰",
    "龙潭",
    "青杠",
    "丰收",
    "幸福",
    "团结",
    "柳荫",
    "石桥",
    "白鹭",
    "银杏",
    "朝阳",
)
# Scale of an applicant by zone type: residents, area (km²), communities.
SCALE = {
    ZoneType.COMMUNITY_GOVERNANCE_ZONE: (700_000, 900.0, 220),
    ZoneType.SUBDISTRICT_SERVICE_ZONE: (80_000, 25.0, 12),
    ZoneType.FEATURED_COMMUNITY: (9_000, 2.0, 1),
}
REVIEWERS = tuple(f"专家{k:02d}" for k in range(1, 10))


@dataclass(frozen=True)
class DemoRound:
    """Input tables of a demo round, ready for the scoring engine."""

    criteria: CriteriaSet
    applications: pd.DataFrame
    scores: pd.DataFrame
    claims: pd.DataFrame


PLACES = tuple((county, sub) for county in COUNTIES for sub in county.subdistricts)


def _applicant(cs: CriteriaSet, i: int, order: np.ndarray, rng: np.random.Generator) -> dict:
    """Identity of applicant ``i``: a distinct real place, with its codes."""
    if cs.zone_type == ZoneType.COMMUNITY_GOVERNANCE_ZONE:
        county = COUNTIES[order[i % len(order)]]
        name, code, sub = f"{county.city}{county.county}", None, None
    elif cs.zone_type == ZoneType.SUBDISTRICT_SERVICE_ZONE:
        county, (code, sub) = PLACES[order[i % len(order)]]
        name = f"{county.county}{sub}"
    else:
        county, (code, sub) = PLACES[order[i % len(order)]]
        name = f"{county.county}{sub}{COMMUNITY_STEMS[i % len(COMMUNITY_STEMS)]}社区"
    return {
        "id": f"{cs.id}-{i + 1:03d}",
        "name": name,
        "city": county.city,
        "county": county.county,
        "county_code": county.county_code,
        "subdistrict": sub,
        "subdistrict_code": code,
        "submitted_at": pd.Timestamp("2026-04-01 09:00") + pd.Timedelta(hours=int(rng.integers(0, 600))),
    }


def demo_round(cs: CriteriaSet, applicants: int = 30, seed: int = 2026) -> DemoRound:
    """Build a seeded demo round of ``applicants`` applicants for the criteria set."""
    rng = np.random.default_rng([seed, sum(map(ord, cs.id))])
    size, area, communities = SCALE[cs.zone_type]
    quality = np.clip(rng.beta(5, 2, size=applicants), 0.05, 0.99)
    places = len(COUNTIES) if cs.zone_type == ZoneType.COMMUNITY_GOVERNANCE_ZONE else len(PLACES)
    order = rng.permutation(places)
    rows = []
    for i in range(applicants):
        row = _applicant(cs, i, order, rng)
        ctx = {"_size": size * rng.uniform(0.5, 1.6), "_area": area, "_communities": communities}
        for f in cs.fields:
            ctx[f.key] = figure(f, rng, float(quality[i]), ctx)
        row.update({k: v for k, v in ctx.items() if not k.startswith("_")})
        rows.append(row)
    _edge_cases(cs, rows)
    apps = pd.DataFrame(rows)
    for f in cs.fields:
        if f.type == "multi":  # as a spreadsheet cell holds it
            apps[f.key] = apps[f.key].map(lambda v: None if v is None else ";".join(v))
    apps["submitted_at"] = apps["submitted_at"].dt.strftime("%Y-%m-%d %H:%M")
    scores = _scores(cs, apps, quality, rng)
    claims = pd.DataFrame(
        [
            {"application_id": apps["id"][k], "bonus_id": b.id}
            for k, b in zip((2, 5), [b for b in cs.bonus_items if b.when is None], strict=False)
            if k < len(apps)
        ],
        columns=["application_id", "bonus_id"],
    )
    return DemoRound(cs, apps, scores, claims)


def _edge_cases(cs: CriteriaSet, rows: list[dict]) -> None:
    """Plant the cases a demo should show; each only where the set has the field."""
    keys = cs.field_map
    n = len(rows)
    if n > 8 and "major_incident_3y" in keys:
        rows[7]["major_incident_3y"] = True
    if n > 11 and "satisfaction_rate" in keys:
        rows[11]["satisfaction_rate"] = 66.5
    if n > 4 and "category" in keys:
        rows[4]["category"] = "traditional_urban"
        rows[4]["households_resident"] = 6800
        rows[4]["residents_resident"] = 19500
    optional = [f.key for f in cs.fields if not f.required and f.numeric]
    if n > 15 and optional:
        rows[15][optional[0]] = None


def _scores(
    cs: CriteriaSet, apps: pd.DataFrame, quality: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Seven reviewers per applicant, each with a leniency of their own; one falsified flag."""
    leniency = rng.normal(0, 0.06, size=len(REVIEWERS))
    out = []
    for i, app_id in enumerate(apps["id"]):
        panel = rng.choice(len(REVIEWERS), size=2 if i == 19 else 7, replace=False)
        for r in panel:
            for leaf in cs.expert_leaves:
                share = quality[i] + leniency[r] + rng.normal(0, 0.07)
                score = float(np.clip(np.round(share * leaf.points * 2) / 2, 0, leaf.points))
                out.append((app_id, REVIEWERS[r], leaf.id, score, None))
        if i == 23 and "falsified_materials" in cs.veto_flags:
            out.append((app_id, REVIEWERS[panel[0]], None, None, "falsified_materials"))
    return pd.DataFrame(out, columns=["application_id", "reviewer_id", "indicator_id", "score", "flag"])
