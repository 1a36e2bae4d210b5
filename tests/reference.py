"""A straightforward per-application scorer, written from the criteria format document.

It loops over applications, indicators and reviewers in plain Python, with no numpy
vectorisation, so the engine can be checked against it on randomised rounds.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

TOL = 1e-9


def _band(x: float, lo, hi, below, above) -> float:
    if lo is not None and x < lo:
        return max(0.0, 1 - (lo - x) / below) if below > 0 else 0.0
    if hi is not None and x > hi:
        return max(0.0, 1 - (x - hi) / above) if above > 0 else 0.0
    return 1.0


def auto_share(leaf, app: dict[str, Any], field_map) -> float | None:
    """Share of the leaf's points, or None when a needed figure is missing."""
    p, m = leaf.params, leaf.method
    if m == "range":
        x = app.get(p.field)
        if x is None:
            return None
        if p.by is None:
            b = p.band
            return _band(x, b.lo, b.hi, b.below, b.above)
        cat = app.get(p.by)
        if cat is None:
            return None
        b = p.norms.get(cat)
        return 1.0 if b is None else _band(x, b.lo, b.hi, b.below, b.above)
    if m == "threshold":
        x = app.get(p.field)
        if x is None:
            return None
        x = float(x)
        best = 0.0
        for bound, pts in p.steps:
            if (x <= bound) if p.lower_is_better else (x >= bound):
                best = max(best, pts)
        return best / leaf.points
    if m == "ratio":
        num, den = app.get(p.numerator), app.get(p.denominator)
        if num is None or den is None:
            return None
        value = num / den * p.per if den > 0 else 0.0
        return min(max(value / p.target, 0.0), 1.0)
    if m == "boolean":
        x = app.get(p.field)
        if x is None:
            return None
        return float(not x) if p.invert else float(bool(x))
    if m == "count_of":
        ticked = app.get(p.field)
        if ticked is None:
            return None
        of = p.of or field_map[p.field].choice_values
        count = sum(1 for c in ticked if c in of)
        return min(count / (p.full_at or len(of)), 1.0)
    if m == "improvement":
        cur, prev = app.get(p.current), app.get(p.previous)
        if cur is None or prev is None:
            return None
        level = min(max(cur / p.level_target, 0.0), 1.0)
        gain = min(max((cur - prev) / p.gain_target, 0.0), 1.0)
        return p.level_weight * level + p.gain_weight * gain
    raise AssertionError(m)


def holds(cond, app) -> bool:
    """Whether a condition holds for one application (never on a missing figure)."""
    x = app.get(cond.field)
    if x is None:
        return False
    v = cond.value
    ops = {
        "eq": lambda: x == v,
        "ne": lambda: x != v,
        "lt": lambda: x < v,
        "le": lambda: x <= v,
        "gt": lambda: x > v,
        "ge": lambda: x >= v,
        "in": lambda: x in v,
        "not_in": lambda: x not in v,
    }
    return bool(ops[cond.op]())


def aggregate(values: list[float], method: str, trim_from: int) -> float:
    """Aggregate one application's scores on one indicator."""
    vals = sorted(values)
    if method == "mean":
        return sum(vals) / len(vals)
    if method == "median":
        return statistics.median(vals)
    if len(vals) >= trim_from:
        vals = vals[1:-1]
    return sum(vals) / len(vals)


def calibrated(scores: list[dict], cs) -> dict[tuple, float]:
    """z-score calibration of every score row, keyed by (app, reviewer, indicator)."""
    maxima = {leaf.id: leaf.points for leaf in cs.expert_leaves}
    by_rev: dict[tuple, list[float]] = {}
    by_ind: dict[str, list[float]] = {}
    for s in scores:
        by_rev.setdefault((s["reviewer_id"], s["indicator_id"]), []).append(s["score"])
        by_ind.setdefault(s["indicator_id"], []).append(s["score"])
    out = {}
    for s in scores:
        mine = by_rev[(s["reviewer_id"], s["indicator_id"])]
        key = (s["application_id"], s["reviewer_id"], s["indicator_id"])
        if len(mine) < cs.aggregation.calibration_min_scores:
            out[key] = s["score"]
            continue
        sd = statistics.pstdev(mine)
        z = (s["score"] - statistics.fmean(mine)) / sd if sd > 0 else 0.0
        pool = by_ind[s["indicator_id"]]
        value = statistics.fmean(pool) + z * statistics.pstdev(pool)
        out[key] = min(max(value, 0.0), maxima[s["indicator_id"]])
    return out


def reference_round(cs, apps: list[dict], scores: list[dict], claims: list[tuple]) -> dict[str, dict]:
    """Score every application one by one; return {app id: result dict}."""
    field_map = cs.field_map
    experts = [leaf.id for leaf in cs.expert_leaves]
    agg = cs.aggregation
    # Partial reviews are dropped per (application, reviewer) when the set says so.
    flag_rows = [s for s in scores if s.get("flag")]
    scores = [s for s in scores if s.get("indicator_id")]
    per_pair: dict[tuple, set] = {}
    for s in scores:
        per_pair.setdefault((s["application_id"], s["reviewer_id"]), set()).add(s["indicator_id"])
    full = {k for k, v in per_pair.items() if len(v) == len(experts)}
    scores = [s for s in scores if (s["application_id"], s["reviewer_id"]) in full]
    cal = calibrated(scores, cs) if agg.calibration == "zscore" else None
    out: dict[str, dict] = {}
    for app in apps:
        aid = app["id"]
        mine = [s for s in scores if s["application_id"] == aid]
        reviewers = {s["reviewer_id"] for s in mine}
        complete = len(reviewers) >= agg.min_reviews if experts else True
        leaf_points = {}
        for leaf in cs.leaves:
            if leaf.method == "expert":
                vals = [s for s in mine if s["indicator_id"] == leaf.id]
                if not complete or not vals:
                    leaf_points[leaf.id] = math.nan
                    continue
                use = [cal[(aid, s["reviewer_id"], leaf.id)] if cal else s["score"] for s in vals]
                leaf_points[leaf.id] = aggregate(use, agg.method, agg.trim_from)
            else:
                share = auto_share(leaf, app, field_map)
                leaf_points[leaf.id] = 0.0 if share is None else share * leaf.points
        sections = {}
        for sec in cs.indicators:
            sections[sec.id] = sum(leaf_points[n.id] for n in sec.walk() if n.is_leaf)
        base = sum(sections.values())
        flags: dict[str, set] = {}
        for s in (f for f in flag_rows if f["application_id"] == aid):
            for name in s["flag"].split(";"):
                flags.setdefault(name, set()).add(s["reviewer_id"])
        vetoes = []
        for v in cs.vetoes:
            if v.when is not None and holds(v.when, app):
                vetoes.append(v.id)
            if v.flag is not None and len(flags.get(v.flag, ())) >= v.min_flags:
                vetoes.append(v.id)
        awarded = [
            b for b in cs.bonus_items if (aid, b.id) in claims or (b.when is not None and holds(b.when, app))
        ]
        bonus = min(sum(b.points for b in awarded), cs.bonus_cap)
        total = base + bonus
        vetoed = bool(vetoes)
        if math.isnan(total) and not vetoed:
            grade = None
        elif vetoed:
            grade = cs.grades[-1].code
        else:
            grade = cs.grades[-1].code
            for g in cs.grades[:-1]:
                ok = g.min_total is None or total >= g.min_total - TOL
                if g.min_section_share is not None:
                    ok = ok and all(
                        sections[s.id] / s.points >= g.min_section_share - TOL
                        for s in cs.indicators
                        if s.points > 0
                    )
                if ok:
                    grade = g.code
                    break
        out[aid] = dict(
            leaf_points=leaf_points,
            sections=sections,
            base=base,
            bonus=bonus,
            total=total,
            vetoed=vetoed,
            vetoes=sorted(vetoes),
            grade=grade,
            complete=complete,
            n_reviews=len(reviewers),
            submitted_at=app.get("submitted_at"),
        )
    _rank(cs, out)
    return out


def _rank(cs, out: dict[str, dict]) -> None:
    eligible = [a for a, r in out.items() if r["complete"] and not r["vetoed"]]

    def key(aid: str):
        r = out[aid]
        parts = []
        for k in cs.ranking.tie_break:
            if k == "total":
                parts.append(-round(r["total"], 9))
            elif k == "sections":
                parts.extend(-round(r["sections"][s.id], 9) for s in cs.indicators)
            elif k == "submitted_at":
                parts.append(r["submitted_at"] or "9999")
            elif k == "id":
                parts.append(aid)
            elif k.startswith("section:"):
                parts.append(-round(r["sections"][k[8:]], 9))
            else:
                parts.append(-round(r[k], 9))
        return tuple(parts)

    ordered = sorted(eligible, key=key)
    n = len(ordered)
    for r in out.values():
        r["rank"] = None
        r["percentile"] = None
    for i, aid in enumerate(ordered, start=1):
        out[aid]["rank"] = i
        out[aid]["percentile"] = 100.0 if n == 1 else 100.0 * (n - i) / (n - 1)
