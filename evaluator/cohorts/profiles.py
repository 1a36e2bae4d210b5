"""Each cohort described in Chinese and English: its make-up, its figures' ranges and its centre.

A numeric feature with a profile text shows the interquartile range (25th to 75th percentile) of its
members' own values — figures as reported, not imputed ones — each end rounded to two significant
figures (halves away from zero) and written with thousands separators ("3,000–4,200"); one number
when both ends round alike.
A category shows its most common choice alone when at least 90 % of the members share it, otherwise
its choices from the most common down, with their shares, until they cover 80 % (at most three, then
"等" / "and others"). The labels are the criteria set's own.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from evaluator.cohorts.features import FeatureMatrix
from evaluator.cohorts.settings import Feature

SEPARATOR = " · "
DASH = "–"
NO_FIGURES = "—"
ALONE_SHARE = 0.9
COVER_SHARE = 0.8
MAX_CHOICES = 3
LIST_WORDS = {"zh": ("、", "等"), "en": (", ", " and others")}


def round_significant(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant figures, halves away from zero (12,500 → 13,000)
    as people round, on the decimal the float stands for (not on its binary approximation)."""
    if value == 0 or not math.isfinite(value):
        return value
    step = Decimal(1).scaleb(math.floor(math.log10(abs(value))) - digits + 1)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def format_number(value: float) -> str:
    """Two significant figures with thousands separators and no trailing zero after the point:
    4213 → "4,200", 0.483 → "0.48", 7 → "7"."""
    rounded = round_significant(float(value))
    if rounded == 0:
        return "0"
    decimals = max(0, 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text  # 7.0 → 7, 0.50 → 0.5


def range_text(low: float, high: float) -> str:
    """``"3,000–4,200"``, one number when both ends round alike, a dash when there is nothing."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NO_FIGURES
    a, b = format_number(low), format_number(high)
    return a if a == b else f"{a}{DASH}{b}"


def category_text(feature: Feature, shares: np.ndarray, language: str) -> str:
    """The make-up of a cohort in one category (``shares`` per choice, in the feature's order)."""
    if not np.isfinite(shares).all() or shares.sum() == 0:
        return NO_FIGURES
    order = np.argsort(-shares, kind="stable")
    label = [feature.choice_label(feature.order[i], language) for i in order]
    if shares[order[0]] >= ALONE_SHARE:
        return label[0]
    joiner, others = LIST_WORDS[language]
    parts, covered = [], 0.0
    for i, name in zip(order, label, strict=True):
        if covered >= COVER_SHARE or len(parts) == MAX_CHOICES or shares[i] == 0:
            break
        parts.append(f"{name} {round(shares[i] * 100):d}%")
        covered += shares[i]
    return joiner.join(parts) + (others if covered < COVER_SHARE else "")


def cohort_table(
    fm: FeatureMatrix, labels: np.ndarray, numbers: np.ndarray, centres: np.ndarray
) -> pd.DataFrame:
    """One row per cohort (by number): size, profiles, and per feature its centre and interquartile
    range in its own units (numeric features) or its shares of choices (categories)."""
    k = len(centres)
    features = fm.settings.features
    original = fm.original(centres)
    rows: list[dict[str, object]] = [{} for _ in range(k)]
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1) - 0.5)
    for c in range(k):
        members = order[bounds[c] : bounds[c + 1]]
        row = rows[c]
        row["size"] = len(members)
        texts: dict[str, list[str]] = {"zh": [], "en": []}
        for j, f in enumerate(features):
            seen = fm.values[members, j]
            seen = seen[~np.isnan(seen)]
            if f.kind == "category":
                counts = np.bincount(seen.astype(np.int64), minlength=len(f.order)).astype(float)
                shares = counts / counts.sum() if counts.sum() else np.full(len(f.order), np.nan)
                for i, choice in enumerate(f.order):
                    row[f"share.{f.key}.{choice}"] = shares[i]
                pieces = {lang: category_text(f, shares, lang) for lang in texts}
            else:
                low, high = np.percentile(seen, [25, 75]) if seen.size else (np.nan, np.nan)
                row[f"centre.{f.key}"] = original[c, j]
                row[f"low.{f.key}"], row[f"high.{f.key}"] = float(low), float(high)
                pieces = {lang: range_text(low, high) for lang in texts}
            if f.profile_zh is not None:
                texts["zh"].append(f.profile_zh.replace("{value}", pieces["zh"]))
                texts["en"].append(f.profile_en.replace("{value}", pieces["en"]))
        row["profile_zh"] = SEPARATOR.join(texts["zh"])
        row["profile_en"] = SEPARATOR.join(texts["en"])
    table = pd.DataFrame(rows, index=pd.Index(numbers, name="cohort")).sort_index()
    first = ["size", "profile_zh", "profile_en"]
    return table[first + [c for c in table.columns if c not in first]]
