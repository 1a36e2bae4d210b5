#!/usr/bin/env python
"""Benchmark of the scoring engine on seeded synthetic rounds.

    python scripts/bench_scoring.py [--quick] [--only NAME[,NAME]] [--repeats R] [--json PATH] [--profile]

Cases (targets are for the 2-core benchmark machine):

  expert_round  score_round on 5,000 applications x 40 expert indicators x 7 reviewers
                (1.4M score rows) plus 11 auto leaves, vetoes, bonus, grades, rank: <= 1 s
  monitoring    score_round on 600,000 units x 60 auto leaves over 40 fields: <= 3 s, <= 2 GB
  reference     engine vs tests/reference.py per application, extrapolated to 5,000: >= 50x,
                and the engine's results equal to the reference's to 1e-9
  topsis        mcda.topsis on 100,000 x 60 vs pymcdm's TOPSIS (>= 5x faster, equal to 1e-12)
                and vs a bare numpy TOPSIS (within 1.5x)
  sensitivity   weight_sensitivity, 30,000 ranked applications x 40 leaves, 1,000 draws: <= 5 s

Each case runs in a fresh subprocess (this script with the hidden ``--case`` flag) so that its
peak memory can be read from ``getrusage(RUSAGE_SELF).ru_maxrss``. Wall times are the best of
R repeats of ``time.perf_counter``. ``--quick`` shrinks every case about tenfold, the monitoring
case a hundredfold (a smoke run; time and memory targets are then not judged). ``--profile``
prints a cProfile of each case's main call after the timed runs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

CASES = ("expert_round", "monitoring", "reference", "topsis", "sensitivity")
GB = 1e9
MB = 1e6


# --------------------------------------------------------------------------- measuring


def _status_kib(key: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` figure from /proc/self/status, in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def maxrss_bytes() -> int:
    """Peak RSS of this process so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_bytes() -> int:
    """Current RSS (falls back to the peak where /proc is not available)."""
    kib = _status_kib("VmRSS")
    return kib * 1024 if kib is not None else maxrss_bytes()


class Memory:
    """RSS at the start, after the data is built, and the peak during the timed calls.

    After the data is built the kernel's peak-RSS mark is reset (``echo 5 >
    /proc/self/clear_refs``, Linux >= 4.0; it resets ``ru_maxrss`` too) so that the peak read
    after the timed calls belongs to them alone. Where the reset is refused, the peak after the
    calls may still be the data build's: ``hwm_reset`` is then False and the increase is a
    lower bound.
    """

    def __init__(self) -> None:
        gc.collect()
        self.start_rss = rss_bytes()
        self.start_peak = maxrss_bytes()
        self.data_rss = self.data_peak = self.data_bytes = 0
        self.hwm_reset = False
        self.marks: dict[str, int] = {}

    def data_built(self, data_bytes: int) -> None:
        gc.collect()
        self.data_bytes = data_bytes
        self.data_rss = rss_bytes()
        self.data_peak = maxrss_bytes()
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False

    def mark(self, label: str) -> int:
        """Record the peak RSS so far (since the reset) under ``label``."""
        self.marks[label] = maxrss_bytes()
        return self.marks[label]

    def report(self) -> dict[str, Any]:
        peak_calls = max(self.marks.values(), default=maxrss_bytes())
        return {
            "start_rss": self.start_rss,
            "data_bytes": self.data_bytes,
            "data_rss": self.data_rss,
            "data_rss_growth": self.data_rss - self.start_rss,
            "data_build_peak": self.data_peak,
            "calls_peak": peak_calls,
            "process_peak": max(peak_calls, self.data_peak),
            "calls_increase": peak_calls - self.data_rss,
            "increase_over_start": max(peak_calls, self.data_peak) - self.start_rss,
            "hwm_reset": self.hwm_reset,
            "marks": self.marks,
        }


class Timing:
    """Wall (``perf_counter``) and CPU (``process_time``, all threads) times of repeated calls."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.out: Any = None

    @property
    def best(self) -> float:
        return min(self.walls)

    def text(self, scale: float = 1.0, unit: str = "s") -> str:
        """``wall (cpu)`` per call: a CPU time well below the wall time means a busy machine."""
        return (
            ", ".join(
                f"{w * scale:.3f} (cpu {c * scale:.3f})" for w, c in zip(self.walls, self.cpus, strict=True)
            )
            + f" {unit}"
        )


def best_of(fn: Callable[[], Any], repeats: int) -> Timing:
    """Time ``repeats`` calls; the previous result is dropped before each call."""
    timing = Timing()
    for _ in range(max(1, repeats)):
        timing.out = None
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        timing.out = fn()
        timing.walls.append(time.perf_counter() - t0)
        timing.cpus.append(time.process_time() - c0)
    return timing


def profile_call(label: str, fn: Callable[[], Any], top: int = 30) -> str:
    """cProfile one call; return the top functions by cumulative time as text."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    text = f"--- profile: {label} (sorted by cumulative time) ---\n" + buf.getvalue()
    print(text, flush=True)
    return text


# --------------------------------------------------------------------------- results


class Case:
    """What one case measured: table rows, details and memory."""

    def __init__(self, name: str, quick: bool, repeats: int, profile: bool):
        self.name = name
        self.quick = quick
        self.repeats = repeats
        self.profile = profile
        self.rows: list[dict[str, Any]] = []
        self.details: dict[str, Any] = {}
        self.notes: list[str] = []
        self.memory = Memory()

    def row(
        self,
        metric: str,
        value: float,
        unit: str,
        target: str | None = None,
        ok: bool | None = None,
        timing: bool = True,
    ) -> None:
        """A table row; time and memory targets are not judged in a quick run."""
        if target is None:
            result = "info"
        elif self.quick and timing:
            result = "n/a (quick)"
        else:
            result = "HIT" if ok else "MISS"
        self.rows.append(
            {
                "case": self.name,
                "metric": metric,
                "value": value,
                "unit": unit,
                "measured": fmt_value(value, unit),
                "target": target or "—",
                "result": result,
            }
        )

    def say(self, text: str) -> None:
        print(f"[{self.name}] {text}", flush=True)

    def result(self) -> dict[str, Any]:
        return {
            "case": self.name,
            "quick": self.quick,
            "repeats": self.repeats,
            "rows": self.rows,
            "details": self.details,
            "notes": self.notes,
            "memory": self.memory.report(),
        }


def fmt_value(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 100 else f"{value:,.0f} s"
    if unit == "x":
        return f"{value:,.1f}×" if value >= 10 else f"{value:.2f}×"
    if unit == "GB":
        return f"{value / GB:.2f} GB"
    if unit == "MB":
        return f"{value / MB:,.0f} MB"
    if unit == "abs":
        return f"{value:.1e}"
    if unit == "ms":
        return f"{value * 1e3:.2f} ms"
    return f"{value:g}"


def data_text(m: dict[str, Any]) -> str:
    return (
        f"inputs: RSS +{m['data_rss_growth'] / MB:,.0f} MB while building, "
        f"pandas deep size {m['data_bytes'] / MB:,.0f} MB"
    )


def memory_row(case: Case, label: str = "peak RSS") -> None:
    m = case.memory.report()
    case.row(
        f"{label} of the process (+{m['calls_increase'] / MB:,.0f} MB during the timed calls "
        f"over {m['data_rss'] / MB:,.0f} MB after the data was built; {data_text(m)})",
        m["process_peak"],
        "MB",
    )


# --------------------------------------------------------------------------- cases


def case_expert_round(case: Case) -> None:
    import bench_data as bd

    from evaluator.criteria import build_criteria
    from evaluator.scoring.engine import score_round

    n = 500 if case.quick else 5000
    cs = build_criteria(bd.expert_criteria("zscore"), "bench")
    er = bd.expert_round(n)
    apps, scores, claims = er.frames()
    case.memory.data_built(bd.frame_bytes(apps, scores, claims))
    case.say(
        f"{n:,} applications, {len(scores):,} score rows "
        f"({len(cs.expert_leaves)} expert + {len(cs.auto_leaves)} auto leaves), "
        f"{len(claims):,} bonus claims; calibration {cs.aggregation.calibration}"
    )

    run = best_of(lambda: score_round(cs, apps, scores, claims), case.repeats)
    best, result = run.best, run.out
    case.memory.mark("score_round")
    case.say("score_round: " + run.text())
    trun = best_of(result.table, case.repeats)
    tbest, table = trun.best, trun.out
    case.memory.mark("table")
    case.say("result.table(): " + trun.text())
    status = table["status"].value_counts().to_dict()
    case.details.update(
        n_apps=n,
        score_rows=len(scores),
        times=run.walls,
        cpu_times=run.cpus,
        table_times=trun.walls,
        status=status,
        grades=table["grade"].value_counts().to_dict(),
        input_dtypes={c: str(t) for c, t in scores.dtypes.items()},
    )
    case.say(f"status {status}")
    case.row(
        f"score_round, {n:,} apps × 40 expert × 7 reviewers ({len(scores):,} score rows) "
        "+ 11 auto leaves, zscore, trimmed mean, vetoes, bonus, grades, rank",
        best,
        "s",
        "≤ 1 s",
        best <= 1.0,
    )
    case.row("result.table() of that round", tbest, "s")
    memory_row(case)
    if case.profile:
        case.details["profile"] = profile_call("score_round", lambda: score_round(cs, apps, scores, claims))


def case_monitoring(case: Case) -> None:
    import bench_data as bd

    from evaluator.criteria import build_criteria
    from evaluator.scoring.engine import score_round

    n = 6_000 if case.quick else 600_000
    cs = build_criteria(bd.monitoring_criteria(60), "bench")
    units = bd.monitoring_units(n)
    case.memory.data_built(bd.frame_bytes(units))
    methods: dict[str, int] = {}
    for leaf in cs.leaves:
        methods[leaf.method] = methods.get(leaf.method, 0) + 1
    case.say(
        f"{n:,} units × {len(cs.leaves)} auto leaves {methods} over {len(cs.fields)} fields; "
        f"input {units.shape}, {bd.frame_bytes(units) / MB:,.0f} MB"
    )

    run = best_of(lambda: score_round(cs, units), case.repeats)
    best, result = run.best, run.out
    case.memory.mark("score_round")
    case.say("score_round: " + run.text())
    ranked = int((result.rank > 0).sum())
    case.details.update(
        n_units=n,
        times=run.walls,
        cpu_times=run.cpus,
        ranked=ranked,
        methods=methods,
        vetoed=int(result.vetoed.sum()),
        mean_total=float(result.total.mean()),
    )
    m = case.memory.report()
    case.row(f"score_round, {n:,} units × 60 auto leaves over 40 fields", best, "s", "≤ 3 s", best <= 3.0)
    case.row(
        f"peak RSS increase during score_round over the RSS after the data was built "
        f"({m['data_rss'] / MB:,.0f} MB; {data_text(m)})",
        m["calls_increase"],
        "GB",
        "≤ 2 GB",
        m["calls_increase"] <= 2 * GB,
    )
    case.row(
        "peak RSS of the process (total, baseline + data + score_round)",
        m["process_peak"],
        "GB",
        "≤ 2 GB",
        m["process_peak"] <= 2 * GB,
    )
    if case.profile:
        case.details["profile"] = profile_call("score_round", lambda: score_round(cs, units))


def _compare(result: Any, reference: dict[str, dict], cs: Any, with_rank: bool) -> dict[str, Any]:
    """Max abs difference of every figure; counts of differing grades, vetoes and ranks."""
    import numpy as np
    import pandas as pd

    table = result.table()
    worst = 0.0
    worst_total = 0.0
    mismatches = {"vetoed": 0, "grade": 0, "n_reviews": 0, "rank": 0, "nan": 0}

    def diff(a: float, b: float) -> float:
        a = float("nan") if a is None else float(a)
        b = float("nan") if b is None else float(b)
        if np.isnan(a) or np.isnan(b):
            if np.isnan(a) != np.isnan(b):
                mismatches["nan"] += 1
            return 0.0
        return abs(a - b)

    for aid, ref in reference.items():
        row = table.loc[aid]
        values = [diff(row[f"score.{leaf.id}"], ref["leaf_points"][leaf.id]) for leaf in cs.leaves]
        values += [diff(row[f"section.{s.id}"], ref["sections"][s.id]) for s in cs.indicators]
        values += [diff(row["base"], ref["base"]), diff(row["bonus"], ref["bonus"])]
        d_total = diff(row["total"], ref["total"])
        worst_total = max(worst_total, d_total)
        worst = max(worst, d_total, *values)
        mismatches["vetoed"] += bool(row["vetoed"]) != ref["vetoed"]
        grade = None if pd.isna(row["grade"]) else row["grade"]
        mismatches["grade"] += grade != ref["grade"]
        mismatches["n_reviews"] += int(row["n_reviews"]) != ref["n_reviews"]
        if with_rank:
            rank = None if pd.isna(row["rank"]) else int(row["rank"])
            mismatches["rank"] += rank != ref["rank"]
    return {
        "max_abs_diff_total": worst_total,
        "max_abs_diff_any": worst,
        "mismatches": mismatches,
        "apps": len(reference),
    }


def case_reference(case: Case) -> None:
    import bench_data as bd
    import numpy as np

    from evaluator.criteria import build_criteria
    from evaluator.scoring.engine import read_inputs, score_parsed, score_round
    from tests.reference import reference_round

    n, k = (500, 10) if case.quick else (5000, 50)
    cs_z = build_criteria(bd.expert_criteria("zscore"), "bench")
    cs_n = build_criteria(bd.expert_criteria("none"), "bench")
    er = bd.expert_round(n)
    full = er.frames()
    subset = np.random.default_rng(3).choice(n, size=k, replace=False)
    sub_frames = er.frames(subset)
    apps, scores, claims = er.records(subset)
    case.memory.data_built(bd.frame_bytes(*full))
    case.notes += [
        f"reference_round gets a random subsample of {k} applications with only their own "
        f"{len(scores):,} score rows (it filters the score list once per application, which "
        "is quadratic in the round's size); its per-application time is extrapolated "
        f"linearly to {n:,}. Its per-application cost still grows with the round (that filter "
        "and, with zscore, the per-score pstdev over the reviewer's and the indicator's "
        "pools), so the extrapolation understates the reference: the speed-up is a lower bound.",
        "The engine is timed end to end on all applications from DataFrames (parsing "
        "included); the reference is timed on ready-made Python dicts (no parsing).",
        "Equality A (zscore, criteria identical to case 1): the subsample scored as its own "
        "round by both, so the calibration statistics are the same on both sides; every leaf, "
        "section, base, bonus and total compared, plus vetoes, grades, reviewer counts and ranks.",
        "Equality B (calibration none): the engine on the whole round vs the reference on the "
        "subsample; per-application figures are comparable (ranks are not: different rounds).",
    ]
    for note in case.notes:
        case.say(note)

    eng_z = best_of(lambda: score_round(cs_z, *full), case.repeats)
    eng_z.out = None
    case.say(f"engine zscore, all {n:,}: " + eng_z.text())
    eng_n = best_of(lambda: score_round(cs_n, *full), case.repeats)
    res_full_n = eng_n.out
    case.say(f"engine none, all {n:,}: " + eng_n.text())
    parsed = read_inputs(cs_n, *full, None)
    eng_p = best_of(lambda: score_parsed(cs_n, *parsed), case.repeats)
    eng_p.out = None
    case.say(f"engine none, scoring only (inputs already parsed), all {n:,}: " + eng_p.text())
    ref_z_run = best_of(lambda: reference_round(cs_z, apps, scores, claims), 1)
    ref_z = ref_z_run.out
    case.say(f"reference zscore, {k} apps: {ref_z_run.text()} ({ref_z_run.best / k * 1e3:.1f} ms/app)")
    ref_n_run = best_of(lambda: reference_round(cs_n, apps, scores, claims), case.repeats)
    ref_n = ref_n_run.out
    case.say(f"reference none, {k} apps: " + ref_n_run.text())
    t_eng_z, t_eng_n, t_ref_z, t_ref_n = eng_z.best, eng_n.best, ref_z_run.best, ref_n_run.best
    case.memory.mark("timed")

    extrap_z = t_ref_z / k * n
    extrap_n = t_ref_n / k * n
    speed_z = extrap_z / t_eng_z
    speed_n = extrap_n / t_eng_n

    sub_result = score_round(cs_z, *sub_frames)
    eq_a = _compare(sub_result, ref_z, cs_z, with_rank=True)
    eq_b = _compare(res_full_n, ref_n, cs_n, with_rank=False)
    case.say(f"equality A (zscore, subsample as its own round): {eq_a}")
    case.say(f"equality B (none, engine whole round vs reference subsample): {eq_b}")
    case.details.update(
        n_apps=n,
        subsample=k,
        subsample_score_rows=len(scores),
        engine_zscore_times=eng_z.walls,
        engine_none_times=eng_n.walls,
        reference_zscore_times=ref_z_run.walls,
        reference_none_times=ref_n_run.walls,
        reference_zscore_per_app=t_ref_z / k,
        reference_none_per_app=t_ref_n / k,
        reference_zscore_extrapolated=extrap_z,
        reference_none_extrapolated=extrap_n,
        equality_a=eq_a,
        equality_b=eq_b,
    )
    ok_a = eq_a["max_abs_diff_any"] <= 1e-9 and not any(eq_a["mismatches"].values())
    ok_b = eq_b["max_abs_diff_any"] <= 1e-9 and not any(eq_b["mismatches"].values())
    case.row(
        f"speed-up, zscore (as case 1): reference {t_ref_z / k * 1e3:.1f} ms/app × {n:,} = "
        f"{extrap_z:,.0f} s vs engine {t_eng_z:.3f} s",
        speed_z,
        "x",
        "≥ 50×",
        speed_z >= 50,
    )
    case.row(
        f"speed-up, calibration none: reference {t_ref_n / k * 1e3:.1f} ms/app × {n:,} = "
        f"{extrap_n:,.1f} s vs engine {t_eng_n:.3f} s",
        speed_n,
        "x",
        "≥ 50×",
        speed_n >= 50,
    )
    case.row(
        f"speed-up, calibration none, scoring only (both sides given parsed inputs): "
        f"reference {extrap_n:,.1f} s vs engine score_parsed {eng_p.best:.3f} s",
        extrap_n / eng_p.best,
        "x",
    )
    case.row(
        f"equality A, zscore, {k}-app subsample as its own round: max |Δ| over leaves, "
        f"sections, base, bonus, total (vetoes/grades/ranks differing: "
        f"{sum(eq_a['mismatches'].values())})",
        eq_a["max_abs_diff_any"],
        "abs",
        "≤ 1e-9",
        ok_a,
        timing=False,
    )
    case.row(
        f"equality B, calibration none, engine on all {n:,} vs reference on the subsample: "
        f"max |Δ| (vetoes/grades differing: {sum(eq_b['mismatches'].values())})",
        eq_b["max_abs_diff_any"],
        "abs",
        "≤ 1e-9",
        ok_b,
        timing=False,
    )
    memory_row(case)
    if case.profile:
        case.details["profile"] = profile_call(
            "reference_round (calibration none)", lambda: reference_round(cs_n, apps, scores, claims)
        )


def bare_topsis(x: Any, w: Any) -> Any:
    """Textbook TOPSIS, vector normalisation, all criteria benefits."""
    import numpy as np

    v = x / np.sqrt((x * x).sum(axis=0)) * w
    best, worst = v.max(axis=0), v.min(axis=0)
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus)


def case_topsis(case: Case) -> None:
    import warnings

    import numpy as np
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization

    from evaluator.scoring.mcda import topsis

    m, n = (10_000, 60) if case.quick else (100_000, 60)
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 10.0, (m, n))
    w = rng.uniform(0.5, 2.0, n)
    w /= w.sum()
    types = np.ones(n)
    method = TOPSIS(vector_normalization)
    case.memory.data_built(x.nbytes)
    repeats = 5
    case.say(
        f"{m:,} × {n} uniform(0.5, 10), weights summing to 1, all benefits; best of {repeats} "
        "(runs interleaved); pymcdm called with validation=False"
    )

    # Interleaved (engine, pymcdm, bare, engine, ...) so that all three see the same machine.
    runs: dict[str, Callable[[], Any]] = {
        "engine": lambda: topsis(x, w, True, normalization="vector"),
        "pymcdm": lambda: method(x, w, types, validation=False),
        "bare": lambda: bare_topsis(x, w),
    }
    timings: dict[str, list[float]] = {k: [] for k in runs}
    outputs: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            for label, fn in runs.items():
                run = best_of(fn, 1)
                timings[label].append(run.walls[0])
                outputs[label] = run.out
    case.memory.mark("all")
    times_eng, times_pym, times_bare = timings["engine"], timings["pymcdm"], timings["bare"]
    t_eng, t_pym, t_bare = min(times_eng), min(times_pym), min(times_bare)
    c_eng, c_pym, c_bare = outputs["engine"], outputs["pymcdm"], outputs["bare"]
    for label, times in (("engine", times_eng), ("pymcdm", times_pym), ("bare numpy", times_bare)):
        case.say(f"{label}: " + ", ".join(f"{t * 1e3:.1f}" for t in times) + " ms")
    d_pym = float(np.max(np.abs(c_eng - c_pym)))
    d_bare = float(np.max(np.abs(c_eng - c_bare)))
    case.details.update(
        shape=[m, n],
        engine_times=times_eng,
        pymcdm_times=times_pym,
        bare_times=times_bare,
        max_abs_diff_pymcdm=d_pym,
        max_abs_diff_bare=d_bare,
    )
    speed = t_pym / t_eng
    ratio = t_eng / t_bare
    case.row(
        f"topsis {m:,} × {n} vs pymcdm TOPSIS(vector_normalization): "
        f"{t_eng * 1e3:.1f} ms vs {t_pym * 1e3:.1f} ms",
        speed,
        "x",
        "≥ 5×",
        speed >= 5,
    )
    case.row("topsis vs pymcdm: max |Δ closeness|", d_pym, "abs", "≤ 1e-12", d_pym <= 1e-12, timing=False)
    case.row(
        f"topsis time / bare numpy TOPSIS time ({t_eng * 1e3:.1f} ms / {t_bare * 1e3:.1f} ms; "
        f"max |Δ| {d_bare:.1e})",
        ratio,
        "x",
        "≤ 1.5×",
        ratio <= 1.5,
    )
    memory_row(case, "peak RSS (engine, pymcdm and bare runs)")
    if case.profile:
        case.details["profile"] = profile_call("topsis", lambda: topsis(x, w, True))


def case_sensitivity(case: Case) -> None:
    import bench_data as bd

    from evaluator.criteria import build_criteria
    from evaluator.scoring.engine import score_round
    from evaluator.scoring.sensitivity import weight_sensitivity

    n, draws = (3_000, 100) if case.quick else (30_000, 1000)
    cs = build_criteria(bd.monitoring_criteria(40), "bench")
    units = bd.monitoring_units(n, seed=5, with_submitted_at=False)
    result = score_round(cs, units)
    ranked = int((result.rank > 0).sum())
    case.memory.data_built(bd.frame_bytes(units))
    case.say(f"{n:,} units × {len(cs.leaves)} auto leaves, {ranked:,} ranked; {draws:,} draws")

    run = best_of(lambda: weight_sensitivity(result, draws=draws), case.repeats)
    best, sens = run.best, run.out
    case.memory.mark("sensitivity")
    case.say("weight_sensitivity: " + run.text())
    case.details.update(
        n_units=n,
        ranked=ranked,
        draws=draws,
        times=run.walls,
        cpu_times=run.cpus,
        p_top_k_nonzero=int((sens.table["p_top_k"] > 0).sum()),
    )
    case.row(
        f"weight_sensitivity, {ranked:,} ranked applications × {len(cs.leaves)} leaves, {draws:,} draws",
        best,
        "s",
        "≤ 5 s",
        best <= 5.0,
    )
    memory_row(case)
    if case.profile:
        case.details["profile"] = profile_call(
            "weight_sensitivity", lambda: weight_sensitivity(result, draws=draws)
        )


RUNNERS: dict[str, Callable[[Case], None]] = {
    "expert_round": case_expert_round,
    "monitoring": case_monitoring,
    "reference": case_reference,
    "topsis": case_topsis,
    "sensitivity": case_sensitivity,
}


def run_child(args: argparse.Namespace) -> int:
    """Run one case in this (fresh) process and write its result as JSON to ``--out``."""
    # Import what the cases use before the baseline, so the baseline is the loaded process.
    import bench_data  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    import evaluator.criteria.methods
    import evaluator.scoring.engine
    import evaluator.scoring.sensitivity  # noqa: F401

    if args.case == "topsis":
        import pymcdm  # noqa: F401
    case = Case(args.case, args.quick, args.repeats, args.profile)
    case.details["loadavg_at_start"] = os.getloadavg()
    RUNNERS[args.case](case)
    case.details["loadavg_at_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(case.result(), default=str), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- parent


def environment() -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
    }
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if key in os.environ:
            env[key] = os.environ[key]
    try:
        env["pymcdm"] = importlib.metadata.version("pymcdm")
    except importlib.metadata.PackageNotFoundError:
        env["pymcdm"] = "(not installed)"
    try:
        env["nproc"] = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        env["nproc"] = str(len(os.sched_getaffinity(0)))
    env["cpu_count"] = os.cpu_count()
    env["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            env["mem_total"] = fh.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    env["cpu_model"] = model
    try:
        import threadpoolctl

        env["threadpools"] = [
            {
                k: info.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "num_threads",
                    "version",
                    "threading_layer",
                    "architecture",
                )
            }
            for info in threadpoolctl.threadpool_info()
        ]
    except ImportError:
        env["threadpools"] = "(threadpoolctl not installed)"
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout.strip()
        env["git"] = head + (" (work tree has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        env["git"] = "?"
    return env


def print_header(env: dict[str, Any], args: argparse.Namespace) -> None:
    print("# scoring benchmark" + (" (--quick: sizes reduced, timings not judged)" if args.quick else ""))
    for key, value in env.items():
        if key != "threadpools":
            print(f"  {key}: {value}")
    pools = env.get("threadpools")
    if isinstance(pools, list):
        for p in pools:
            print("  threadpool: " + ", ".join(f"{k}={v}" for k, v in p.items() if v is not None))
    else:
        print(f"  threadpools: {pools}")
    print(f"  repeats: best of {args.repeats} (topsis: best of 5; reference zscore run: 1)")
    print(flush=True)


def spawn(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--case",
            name,
            "--out",
            str(out),
            "--repeats",
            str(args.repeats),
        ]
        cmd += ["--quick"] if args.quick else []
        cmd += ["--profile"] if args.profile else []
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            return {
                "case": name,
                "error": f"exit status {proc.returncode}",
                "rows": [
                    {
                        "case": name,
                        "metric": "(case failed)",
                        "value": None,
                        "unit": "",
                        "measured": "—",
                        "target": "—",
                        "result": f"ERROR (exit {proc.returncode})",
                    }
                ],
            }
        result = json.loads(out.read_text(encoding="utf-8"))
    result["subprocess_wall"] = wall
    return result


def print_case(result: dict[str, Any]) -> None:
    mem = result.get("memory")
    if mem:
        reset = "" if mem["hwm_reset"] else " (peak mark could not be reset: lower bound)"
        print(
            f"[{result['case']}] memory: RSS at start {mem['start_rss'] / MB:,.0f} MB, after the data "
            f"was built {mem['data_rss'] / MB:,.0f} MB (peak while building "
            f"{mem['data_build_peak'] / MB:,.0f} MB; {data_text(mem)}); "
            f"peak during the timed calls {mem['calls_peak'] / MB:,.0f} MB = "
            f"+{mem['calls_increase'] / MB:,.0f} MB over the data{reset}; process peak "
            f"{mem['process_peak'] / MB:,.0f} MB (+{mem['increase_over_start'] / MB:,.0f} MB "
            "over the start)"
        )
    for row in result["rows"]:
        print(
            f"[{row['case']}] {row['result']:>11}  {row['measured']:>12}  target {row['target']:<9} "
            f"{row['metric']}"
        )
    if "subprocess_wall" in result:
        load = result.get("details", {}).get("loadavg_at_start")
        load_text = f"; load average at its start {load[0]:.2f}" if load else ""
        print(f"[{result['case']}] (case subprocess took {result['subprocess_wall']:.1f} s{load_text})")
    print(flush=True)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| case | measured | target | result |", "|---|---|---|---|"]
    for row in rows:
        metric = row["metric"].replace("|", "\\|")
        lines.append(f"| {row['case']}: {metric} | {row['measured']} | {row['target']} | {row['result']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="about tenfold smaller; no verdicts")
    parser.add_argument("--only", help=f"comma-separated case names: {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=3, help="best of R (default 3)")
    parser.add_argument("--json", help="write the results as JSON to this path")
    parser.add_argument(
        "--profile", action="store_true", help="after timing, print a cProfile of each case's main call"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case:
        return run_child(args)

    names = list(CASES)
    if args.only:
        names = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in names if s not in CASES]
        if unknown:
            parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    env = environment()
    print_header(env, args)
    return run_cases(names, args, env, spawn)


def run_cases(names: list[str], args: argparse.Namespace, env: dict, spawn: Callable) -> int:
    """Run each case in a process of its own (``spawn``), print its rows and the whole table, write
    the JSON report when asked; 1 when a case failed (the benchmark scripts' shared ending)."""
    results = []
    for name in names:
        result = spawn(name, args)
        print_case(result)
        results.append(result)
    rows = [row for r in results for row in r["rows"]]
    table = markdown(rows)
    print(table)
    if args.json:
        payload = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "environment": env,
            "quick": args.quick,
            "repeats": args.repeats,
            "table": rows,
            "markdown": table,
            "cases": results,
        }
        Path(args.json).write_text(
            json.dumps(payload, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        print(f"\nJSON written to {args.json}")
    return 1 if any(r.get("error") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
