"""Seeded synthetic criteria sets and rounds for ``scripts/bench_scoring.py``, and the schema
reset the benchmarks on a database share.

Everything is built in code: criteria sets as plain dicts (what ``build_criteria`` takes after
YAML parsing), applications and score tables as pandas DataFrames shaped like a spreadsheet
import (ids and choices as strings, multi-choice cells as ``a;b;c``, optional figures empty),
and, for the reference scorer, the same data as lists of plain-Python dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

GRADES = [
    {
        "code": "excellent",
        "label": "优秀",
        "label_en": "Excellent",
        "min_total": 90,
        "min_section_share": 0.6,
        "recognised": True,
    },
    {
        "code": "recognisable",
        "label": "达标",
        "label_en": "Recognisable",
        "min_total": 80,
        "min_section_share": 0.6,
        "recognised": True,
    },
    {"code": "qualified", "label": "合格", "label_en": "Qualified", "min_total": 70},
    {"code": "failed", "label": "不合格", "label_en": "Failed"},
]

MATERIALS = [
    {"key": "plan", "name": "实施方案", "name_en": "Plan"},
    {"key": "photos", "name": "现场照片", "name_en": "Photos"},
    {"key": "ledger", "name": "工作台账", "name_en": "Ledger"},
]


# --------------------------------------------------------------------------- field helpers


def num(
    key: str, kind: str = "float", required: bool = False, lo: float | None = 0, hi: float | None = None
) -> dict[str, Any]:
    f: dict[str, Any] = {"key": key, "label": f"{key}数", "label_en": key, "type": kind, "required": required}
    if lo is not None:
        f["min"] = lo
    if hi is not None:
        f["max"] = hi
    return f


def flag(key: str, required: bool = False) -> dict[str, Any]:
    return {"key": key, "label": f"是否{key}", "label_en": key, "type": "bool", "required": required}


def choice_field(key: str, kind: str, values: list[str], required: bool = False) -> dict[str, Any]:
    return {
        "key": key,
        "label": f"{key}类",
        "label_en": key,
        "type": kind,
        "required": required,
        "choices": [{"value": v, "label": f"{v}项", "label_en": f"{v} item"} for v in values],
    }


def leaf(
    leaf_id: str, points: float, method: str, params: dict[str, Any] | None = None, check: str = "data"
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": leaf_id,
        "name": f"指标{leaf_id}",
        "name_en": f"Indicator {leaf_id}",
        "points": points,
        "method": method,
        "check": [check],
    }
    if params is not None:
        node["params"] = params
    return node


def section(sid: str, points: float, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": sid,
        "name": f"部分{sid}",
        "name_en": f"Section {sid}",
        "points": points,
        "children": children,
    }


def criteria_shell(
    set_id: str, fields: list[dict[str, Any]], indicators: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "id": set_id,
        "version": "bench",
        "title": "基准测试指标",
        "title_en": "Benchmark criteria",
        "zone_type": "community_governance_zone",
        "scale": 100,
        "fields": fields,
        "materials": MATERIALS,
        "indicators": indicators,
        "grades": GRADES,
        **extra,
    }


# --------------------------------------------------------------------------- value helpers


def _with_missing(rng: np.random.Generator, values: np.ndarray, p: float) -> np.ndarray:
    """Float copy with a share ``p`` of NaN (an optional figure left empty)."""
    out = values.astype(float)
    out[rng.random(values.size) < p] = np.nan
    return out


def _choices(rng: np.random.Generator, values: list[str], n: int, p_missing: float = 0.0) -> np.ndarray:
    out = np.array(values, dtype=object)[rng.integers(0, len(values), n)]
    if p_missing:
        out[rng.random(n) < p_missing] = None
    return out


def _multi(
    rng: np.random.Generator, values: list[str], n: int, p_tick: float, p_missing: float
) -> np.ndarray:
    """``a;b`` cells; an application with nothing ticked (or a missing cell) is empty."""
    k = len(values)
    combos = np.array(
        [";".join(v for b, v in enumerate(values) if m >> b & 1) or None for m in range(1 << k)], dtype=object
    )
    mask = ((rng.random((n, k)) < p_tick) * (1 << np.arange(k))).sum(axis=1)
    out = combos[mask]
    out[rng.random(n) < p_missing] = None
    return out


def _bools(rng: np.random.Generator, n: int, p_true: float, p_missing: float) -> np.ndarray:
    hit = rng.random(n) < p_true
    if not p_missing:
        return hit
    out = hit.astype(object)
    out[rng.random(n) < p_missing] = None
    return out


def _timestamps(rng: np.random.Generator, n: int, p_missing: float) -> np.ndarray:
    """``YYYY-MM-DD HH:MM`` strings in March 2026 (as a spreadsheet export writes them)."""
    minutes = rng.integers(0, 28 * 24 * 60, n)
    stamps = pd.Series(np.datetime64("2026-03-01T00:00") + minutes.astype("timedelta64[m]"))
    out = stamps.dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)
    out[rng.random(n) < p_missing] = None
    return out


def _py(value: Any) -> Any:
    """A DataFrame cell as the plain Python value the reference scorer expects."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


# --------------------------------------------------------------------------- case 1: expert round

EXPERT_LEAVES = 40
EXPERT_POINTS = [2.0, 1.5, 1.5, 1.5, 2.0]  # per expert leaf, by section (8 leaves per section)


def expert_criteria(calibration: str = "zscore") -> dict[str, Any]:
    """5 sections of 20 points: 40 expert leaves (8 per section) and 11 auto leaves."""
    fields = [
        choice_field("category", "enum", ["urban", "rural", "relocation", "mixed"], required=True),
        num("households", "int", required=True),
        num("residents", "int", required=True),
        num("workers", "int"),
        num("volunteers", "int"),
        num("fund"),
        flag("platform"),
        flag("grid_system"),
        choice_field(
            "services", "multi", ["employment", "elderly", "health", "culture", "childcare", "legal"]
        ),
        num("online_rate", hi=100),
        num("online_rate_prev", hi=100),
        num("participation_rate", hi=100),
        num("participation_rate_prev", hi=100),
        num("complaints", "int"),
        num("satisfaction", required=True, hi=100),
        num("national_honours", "int"),
        {"key": "theme", "label": "主题", "label_en": "Theme", "type": "text"},
    ]
    autos = [
        [
            leaf("a_grid", 2, "boolean", {"field": "grid_system"}, "on_site"),
            leaf("a_services", 2, "count_of", {"field": "services", "full_at": 4}),
        ],
        [
            leaf(
                "a_size",
                4,
                "range",
                {
                    "field": "households",
                    "by": "category",
                    "norms": {
                        "urban": {"lo": 1500, "hi": 4000, "below": 1000, "above": 2000},
                        "rural": {"lo": 300, "hi": 1500, "below": 200, "above": 1000},
                        "relocation": None,
                        "mixed": {"lo": 800, "hi": 3000, "below": 500, "above": 1500},
                    },
                },
            ),
            leaf(
                "a_staffing",
                4,
                "ratio",
                {"numerator": "workers", "denominator": "residents", "per": 10000, "target": 18},
            ),
        ],
        [
            leaf(
                "a_fund",
                4,
                "threshold",
                {"field": "fund", "steps": [{"min": 50000, "points": 2}, {"min": 100000, "points": 4}]},
                "materials",
            ),
            leaf(
                "a_participation",
                4,
                "improvement",
                {
                    "current": "participation_rate",
                    "previous": "participation_rate_prev",
                    "level_target": 60,
                    "gain_target": 10,
                },
            ),
        ],
        [
            leaf("a_platform", 3, "boolean", {"field": "platform"}, "on_site"),
            leaf("a_online", 3, "range", {"field": "online_rate", "lo": 60, "hi": None, "below": 30}),
            leaf(
                "a_complaints",
                2,
                "threshold",
                {"field": "complaints", "steps": [{"max": 50, "points": 1}, {"max": 10, "points": 2}]},
            ),
        ],
        [
            leaf(
                "a_online_gain",
                2,
                "improvement",
                {
                    "current": "online_rate",
                    "previous": "online_rate_prev",
                    "level_target": 80,
                    "gain_target": 10,
                    "level_weight": 0.3,
                    "gain_weight": 0.7,
                },
            ),
            leaf(
                "a_volunteers",
                2,
                "ratio",
                {"numerator": "volunteers", "denominator": "households", "per": 100, "target": 5},
            ),
        ],
    ]
    sections = []
    k = 0
    for s, (pts, auto) in enumerate(zip(EXPERT_POINTS, autos, strict=True)):
        experts = []
        for _ in range(8):
            k += 1
            node = leaf(f"e{k:02d}", pts, "expert", check="materials")
            node["evidence"] = ["plan"]
            experts.append(node)
        sections.append(section(f"s{s + 1}", 20, experts + auto))
    return criteria_shell(
        "bench_expert",
        fields,
        sections,
        vetoes=[
            {
                "id": "falsified",
                "reason": "材料造假",
                "reason_en": "Falsified materials",
                "flag": "falsified_materials",
                "min_flags": 2,
            },
            {
                "id": "unhappy",
                "reason": "满意度低于70%",
                "reason_en": "Satisfaction below 70%",
                "when": {"field": "satisfaction", "op": "lt", "value": 70},
            },
        ],
        bonus={
            "cap": 6,
            "items": [
                {
                    "id": "national",
                    "name": "国家级表彰",
                    "name_en": "National honour",
                    "points": 5,
                    "when": {"field": "national_honours", "op": "ge", "value": 1},
                },
                {"id": "meeting", "name": "现场会", "name_en": "Working meeting", "points": 4},
                {"id": "innovation", "name": "创新案例", "name_en": "Innovation case", "points": 3},
            ],
        },
        aggregation={"method": "trimmed_mean", "trim_from": 5, "min_reviews": 3, "calibration": calibration},
    )


@dataclass
class ExpertRound:
    """Applications and expert scores of a round, as arrays (one entry per score row)."""

    apps: dict[str, np.ndarray]
    app_ids: np.ndarray
    reviewer_ids: np.ndarray
    indicator_ids: np.ndarray
    s_app: np.ndarray
    s_rev: np.ndarray
    s_ind: np.ndarray
    s_score: np.ndarray
    s_flag: np.ndarray
    claims: list[tuple[str, str]]

    @property
    def n(self) -> int:
        return self.app_ids.size

    def frames(self, subset: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(applications, scores, bonus claims) DataFrames, for all or some applications."""
        take = np.arange(self.n) if subset is None else np.sort(subset)
        rows = np.isin(self.s_app, take) if subset is not None else slice(None)
        apps = pd.DataFrame({k: v[take] for k, v in self.apps.items()})
        scores = pd.DataFrame(
            {
                "application_id": self.app_ids[self.s_app[rows]],
                "reviewer_id": self.reviewer_ids[self.s_rev[rows]],
                "indicator_id": self.indicator_ids[self.s_ind[rows]],
                "score": self.s_score[rows],
                "flag": self.s_flag[rows],
            }
        )
        keep = set(self.app_ids[take])
        claims = pd.DataFrame(
            [c for c in self.claims if c[0] in keep], columns=["application_id", "bonus_id"]
        )
        return apps, scores, claims

    def records(self, subset: np.ndarray) -> tuple[list[dict], list[dict], set[tuple[str, str]]]:
        """The same applications as plain dicts for ``tests.reference.reference_round``.

        Only the subset's own score rows are included (the reference filters the score list
        once per application, so passing every row of the round would make it quadratic).
        """
        take = np.sort(subset)
        apps = []
        for i in take:
            app = {k: _py(v[i]) for k, v in self.apps.items()}
            if app["services"] is not None:
                app["services"] = app["services"].split(";")
            apps.append(app)
        rows = np.flatnonzero(np.isin(self.s_app, take))
        scores = [
            {
                "application_id": self.app_ids[self.s_app[r]],
                "reviewer_id": self.reviewer_ids[self.s_rev[r]],
                "indicator_id": self.indicator_ids[self.s_ind[r]],
                "score": float(self.s_score[r]),
                "flag": self.s_flag[r],
            }
            for r in rows
        ]
        keep = set(self.app_ids[take])
        return apps, scores, {c for c in self.claims if c[0] in keep}


def expert_round(n_apps: int = 5000, per_app: int = 7, pool: int = 35, seed: int = 1) -> ExpertRound:
    """A fully scored round: every application by ``per_app`` reviewers out of ``pool``."""
    rng = np.random.default_rng(seed)
    n = n_apps
    households = rng.integers(200, 8000, n)
    apps = {
        "id": np.array([f"SC2026-{i:05d}" for i in range(n)], dtype=object),
        "submitted_at": _timestamps(rng, n, 0.05),
        "category": _choices(rng, ["urban", "rural", "relocation", "mixed"], n),
        "households": households,
        "residents": (households * rng.uniform(2.2, 3.2, n)).astype(np.int64),
        "workers": _with_missing(rng, rng.integers(0, 40, n), 0.03),
        "volunteers": _with_missing(rng, rng.integers(0, 600, n), 0.03),
        "fund": _with_missing(rng, np.round(rng.uniform(0, 300000, n), -2), 0.03),
        "platform": _bools(rng, n, 0.7, 0.03),
        "grid_system": _bools(rng, n, 0.8, 0.0),
        "services": _multi(
            rng, ["employment", "elderly", "health", "culture", "childcare", "legal"], n, 0.5, 0.03
        ),
        "online_rate": _with_missing(rng, np.round(rng.uniform(20, 100, n), 1), 0.03),
        "online_rate_prev": _with_missing(rng, np.round(rng.uniform(10, 95, n), 1), 0.03),
        "participation_rate": _with_missing(rng, np.round(rng.uniform(10, 90, n), 1), 0.03),
        "participation_rate_prev": _with_missing(rng, np.round(rng.uniform(5, 85, n), 1), 0.03),
        "complaints": _with_missing(rng, rng.integers(0, 80, n), 0.03),
        "satisfaction": np.round(np.clip(rng.normal(86, 7, n), 50, 100), 1),
        "national_honours": _with_missing(rng, rng.choice([0, 0, 0, 0, 0, 0, 1, 2], n), 0.1),
        "theme": np.array([f"主题{i % 7}" for i in range(n)], dtype=object),
    }
    app_ids = apps["id"]
    reviewer_ids = np.array([f"R{r:03d}" for r in range(pool)], dtype=object)
    indicator_ids = np.array([f"e{k:02d}" for k in range(1, EXPERT_LEAVES + 1)], dtype=object)
    maxima = np.repeat(EXPERT_POINTS, 8)

    panel = np.argsort(rng.random((n, pool)), axis=1)[:, :per_app]  # (n, per_app) reviewers
    s_app = np.repeat(np.arange(n), per_app * EXPERT_LEAVES)
    s_rev = np.repeat(panel.ravel(), EXPERT_LEAVES)
    s_ind = np.tile(np.arange(EXPERT_LEAVES), n * per_app)
    quality = rng.uniform(0.45, 0.95, n)
    leniency = rng.normal(0.0, 0.08, pool)
    spread = rng.uniform(0.6, 1.4, pool)
    share = quality[s_app] + leniency[s_rev] + rng.normal(0, 0.07, s_app.size) * spread[s_rev]
    s_score = np.clip(np.round(share * maxima[s_ind], 1), 0.0, maxima[s_ind])

    # Veto flags on the first indicator row of a reviewer: 2% of applications get two
    # reviewers' flags (vetoed: min_flags 2), 3% one reviewer's flag (not enough).
    s_flag = np.full(s_app.size, None, dtype=object)
    picked = rng.permutation(n)
    two, one = picked[: n // 50], picked[n // 50 : n // 50 + 3 * n // 100]
    for a, k in [(a, 2) for a in two] + [(a, 1) for a in one]:
        for j in range(k):
            s_flag[(a * per_app + j) * EXPERT_LEAVES] = "falsified_materials"

    claims = [(app_ids[i], "meeting") for i in np.flatnonzero(rng.random(n) < 0.10)]
    claims += [(app_ids[i], "innovation") for i in np.flatnonzero(rng.random(n) < 0.05)]
    return ExpertRound(
        apps, app_ids, reviewer_ids, indicator_ids, s_app, s_rev, s_ind, s_score, s_flag, claims
    )


# --------------------------------------------------------------------------- case 2: monitoring

ENUMS = {
    "category": ["urban", "rural", "relocation", "mixed"],
    "region_type": ["plain", "hill", "plateau"],
    "building_type": ["old", "commercial", "resettled", "mixed", "other"],
    "stage": ["pilot", "growing", "mature"],
    "governance_model": ["party_led", "grid", "autonomy", "joint"],
}
MULTIS = {
    "services": ["employment", "elderly", "health", "culture", "childcare", "legal"],
    "facilities": ["hall", "library", "clinic", "gym", "canteen", "station", "garden", "studio"],
    "activities": ["festival", "lecture", "sport", "cleanup", "volunteer", "market"],
    "channels": ["wechat", "app", "hotline", "board", "visits"],
    "partners": ["ngo", "enterprise", "school", "hospital", "police"],
}
BOOLS = ["platform", "grid_system", "volunteer_team", "emergency_plan", "public_account", "incident"]
NUMBERS = {  # key: (kind, required, low, high, upper bound of the field or None)
    "households": ("int", True, 200, 8000, None),
    "residents": ("int", True, 500, 25000, None),
    "workers": ("int", False, 0, 40, None),
    "volunteers": ("int", False, 0, 600, None),
    "fund": ("float", False, 0, 300000, None),
    "fund_prev": ("float", False, 0, 250000, None),
    "online_rate": ("float", False, 20, 100, 100),
    "online_rate_prev": ("float", False, 10, 95, 100),
    "participation_rate": ("float", False, 10, 90, 100),
    "participation_rate_prev": ("float", False, 5, 85, 100),
    "satisfaction": ("float", True, 58, 100, 100),
    "satisfaction_prev": ("float", False, 50, 100, 100),
    "complaints": ("int", False, 0, 80, None),
    "complaints_resolved": ("int", False, 0, 80, None),
    "meetings": ("int", False, 0, 36, None),
    "events": ("int", False, 0, 40, None),
    "events_prev": ("int", False, 0, 36, None),
    "area_km2": ("float", False, 0.1, 6, None),
    "elderly": ("int", False, 50, 3000, None),
    "elderly_served": ("int", False, 0, 3000, None),
    "children": ("int", False, 50, 3000, None),
    "children_served": ("int", False, 0, 3000, None),
    "green_rate": ("float", False, 5, 60, 100),
    "green_rate_prev": ("float", False, 5, 55, 100),
}


def _templates(f: float, pts: float) -> list[tuple[str, dict[str, Any]]]:
    """34 auto-leaf specs; ``f`` scales the targets (for a second round of variants)."""

    def steps(field: str, bounds: list[float], key: str = "min") -> dict[str, Any]:
        k = len(bounds)
        return {
            "field": field,
            "steps": [{key: b * f, "points": pts * (i + 1) / k} for i, b in enumerate(bounds)],
        }

    def band(lo, hi, below, above):
        return {"lo": lo, "hi": hi, "below": below, "above": above}

    return [
        (
            "range",
            {
                "field": "households",
                "by": "category",
                "norms": {
                    "urban": band(1500 * f, 4000 * f, 1000, 2000),
                    "rural": band(300 * f, 1500 * f, 200, 1000),
                    "relocation": None,
                    "mixed": band(800 * f, 3000 * f, 500, 1500),
                },
            },
        ),
        ("range", {"field": "area_km2", **band(0.5 * f, 3 * f, 0.4, 2)}),
        ("range", {"field": "satisfaction", **band(min(85 * f, 99), None, 15, 0)}),
        ("range", {"field": "green_rate", **band(30 * f, None, 20, 0)}),
        (
            "range",
            {
                "field": "residents",
                "by": "region_type",
                "norms": {
                    "plain": band(3000 * f, 15000 * f, 2000, 8000),
                    "hill": band(1500 * f, 9000 * f, 1000, 5000),
                    "plateau": None,
                },
            },
        ),
        ("range", {"field": "meetings", **band(4 * f, 24 * f, 4, 0)}),
        ("threshold", steps("fund", [50000, 100000])),
        ("threshold", steps("events", [6, 12, 24])),
        ("threshold", steps("complaints", [50, 20, 5], key="max")),
        ("threshold", steps("volunteers", [50, 200])),
        ("threshold", steps("meetings", [4, 12])),
        ("ratio", {"numerator": "workers", "denominator": "residents", "per": 10000, "target": 18 * f}),
        ("ratio", {"numerator": "volunteers", "denominator": "residents", "per": 100, "target": 5 * f}),
        (
            "ratio",
            {"numerator": "complaints_resolved", "denominator": "complaints", "target": min(0.95 * f, 1.0)},
        ),
        ("ratio", {"numerator": "elderly_served", "denominator": "elderly", "target": 0.8 * f}),
        ("ratio", {"numerator": "children_served", "denominator": "children", "target": 0.7 * f}),
        ("ratio", {"numerator": "fund", "denominator": "households", "target": 50 * f}),
        ("boolean", {"field": "platform"}),
        ("boolean", {"field": "grid_system"}),
        ("boolean", {"field": "volunteer_team"}),
        ("boolean", {"field": "emergency_plan"}),
        ("boolean", {"field": "public_account"}),
        ("boolean", {"field": "incident", "invert": True}),
        ("count_of", {"field": "services", "full_at": 4}),
        ("count_of", {"field": "facilities", "of": ["hall", "library", "clinic", "gym"]}),
        ("count_of", {"field": "activities", "full_at": 3}),
        ("count_of", {"field": "channels"}),
        ("count_of", {"field": "partners", "full_at": 2}),
        (
            "improvement",
            {
                "current": "online_rate",
                "previous": "online_rate_prev",
                "level_target": 80 * f,
                "gain_target": 10 * f,
            },
        ),
        (
            "improvement",
            {
                "current": "participation_rate",
                "previous": "participation_rate_prev",
                "level_target": 60 * f,
                "gain_target": 10 * f,
            },
        ),
        (
            "improvement",
            {
                "current": "satisfaction",
                "previous": "satisfaction_prev",
                "level_target": min(90 * f, 100),
                "gain_target": 5 * f,
            },
        ),
        (
            "improvement",
            {
                "current": "events",
                "previous": "events_prev",
                "level_target": 24 * f,
                "gain_target": 6 * f,
                "level_weight": 0.5,
                "gain_weight": 0.5,
            },
        ),
        (
            "improvement",
            {
                "current": "green_rate",
                "previous": "green_rate_prev",
                "level_target": 40 * f,
                "gain_target": 5 * f,
            },
        ),
        (
            "improvement",
            {
                "current": "fund",
                "previous": "fund_prev",
                "level_target": 150000 * f,
                "gain_target": 30000 * f,
            },
        ),
    ]


def monitoring_fields() -> list[dict[str, Any]]:
    fields = [choice_field(k, "enum", v, required=k == "category") for k, v in ENUMS.items()]
    fields += [choice_field(k, "multi", v) for k, v in MULTIS.items()]
    fields += [flag(k, required=k == "incident") for k in BOOLS]
    fields += [num(k, kind, req, hi=top) for k, (kind, req, _, _, top) in NUMBERS.items()]
    return fields


def monitoring_criteria(n_leaves: int = 60, n_sections: int = 5) -> dict[str, Any]:
    """Auto-scored leaves only, spread round-robin over sections of equal points."""
    per_section: list[list[int]] = [[] for _ in range(n_sections)]
    for j in range(n_leaves):
        per_section[j % n_sections].append(j)
    sec_points = 100 / n_sections
    sections = []
    for s, members in enumerate(per_section):
        base, extra = divmod(int(sec_points), len(members))
        children = []
        for i, j in enumerate(members):
            pts = float(base + (1 if i < extra else 0))
            templates = _templates(1 + 0.25 * (j // 34), pts)
            method, params = templates[j % len(templates)]
            children.append(leaf(f"m{j + 1:02d}", pts, method, params))
        sections.append(section(f"s{s + 1}", sec_points, children))
    return criteria_shell(
        "bench_monitoring",
        monitoring_fields(),
        sections,
        vetoes=[
            {
                "id": "unhappy",
                "reason": "满意度低于60%",
                "reason_en": "Satisfaction below 60%",
                "when": {"field": "satisfaction", "op": "lt", "value": 60},
            },
            {
                "id": "incident",
                "reason": "重大事故",
                "reason_en": "Major incident",
                "when": {"field": "incident", "op": "eq", "value": True},
            },
        ],
        bonus={
            "cap": 5,
            "items": [
                {
                    "id": "many_meetings",
                    "name": "议事会频繁",
                    "name_en": "Frequent meetings",
                    "points": 3,
                    "when": {"field": "meetings", "op": "ge", "value": 24},
                },
                {
                    "id": "platform",
                    "name": "智慧平台",
                    "name_en": "Platform",
                    "points": 2,
                    "when": {"field": "platform", "op": "eq", "value": True},
                },
            ],
        },
    )


def monitoring_units(
    n: int, seed: int = 2, p_missing: float = 0.02, with_submitted_at: bool = True
) -> pd.DataFrame:
    """``n`` units with every monitoring field; optional figures are empty with ``p_missing``."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {"id": np.char.add("U", np.arange(n).astype("U7")).astype(object)}
    if with_submitted_at:
        cols["submitted_at"] = _timestamps(rng, n, 0.05)
    for k, values in ENUMS.items():
        cols[k] = _choices(rng, values, n, 0.0 if k == "category" else p_missing)
    for k, values in MULTIS.items():
        cols[k] = _multi(rng, values, n, 0.45, p_missing)
    for k in BOOLS:
        cols[k] = _bools(rng, n, 0.01 if k == "incident" else 0.7, 0.0 if k == "incident" else p_missing)
    for k, (kind, req, lo, hi, _) in NUMBERS.items():
        x = rng.integers(lo, hi + 1, n) if kind == "int" else np.round(rng.uniform(lo, hi, n), 2)
        cols[k] = x if req else _with_missing(rng, x, p_missing)
    return pd.DataFrame(cols)


def frame_bytes(*frames: pd.DataFrame | None) -> int:
    """Deep memory of the input DataFrames (strings included)."""
    return int(sum(f.memory_usage(deep=True).sum() for f in frames if f is not None))


# --------------------------------------------------------------------------- the database


def migrate_afresh() -> None:
    """Drop every table of the app's database and the migrations' own, then build the schema by the
    migrations (within an app context)."""
    from flask_migrate import upgrade

    from evaluator.extensions import db

    db.drop_all()
    db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    upgrade()
