"""Expert score rows and bonus claims: check them against the round and encode them as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.scoring.errors import Problems

SCORE_COLUMNS = ("application_id", "reviewer_id", "indicator_id", "score")


@dataclass
class Reviews:
    """Expert scores as parallel arrays (one entry per score) plus reviewer flags."""

    app: np.ndarray
    indicator: np.ndarray
    reviewer: np.ndarray
    score: np.ndarray
    reviewer_ids: np.ndarray
    flag_app: np.ndarray
    flag_reviewer: np.ndarray
    flag_name: np.ndarray
    notes: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls) -> Reviews:
        """No reviews at all (a round scored from figures only)."""
        i, f, o = np.array([], dtype=np.int64), np.array([], dtype=float), np.array([], dtype=object)
        return cls(i, i, i, f, o, i, i, o)


def _strings(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().replace("", pd.NA)


def read_reviews(
    criteria: CriteriaSet,
    df: pd.DataFrame | None,
    app_ids: np.ndarray,
    reviewers: list[str] | None = None,
) -> Reviews:
    """Check the expert score rows and encode them; raise InputError listing every problem.

    Rows carry ``application_id, reviewer_id, indicator_id, score`` and optionally ``flag``
    (one or more veto flags separated by ``;``). A row may carry only a flag. A reviewer who
    scored some but not all of an application's expert indicators is refused, or dropped for
    that application when the criteria's ``partial_reviews`` is ``drop``.
    """
    if df is None or len(df) == 0:
        return Reviews.empty()
    problems = Problems("scores")
    missing = [c for c in SCORE_COLUMNS if c not in df.columns]
    if missing:
        problems.add(column=", ".join(missing), message="missing column(s): " + ", ".join(missing))
        problems.raise_if_any()
    df = df.reset_index(drop=True)
    app_s, rev_s, ind_s = (_strings(df[c]) for c in SCORE_COLUMNS[:3])
    flag_s = _strings(df["flag"]) if "flag" in df.columns else pd.Series(pd.NA, index=df.index)
    app_index = pd.Index(app_ids)
    app_code = app_index.get_indexer(app_s.fillna(""))
    experts = [leaf.id for leaf in criteria.expert_leaves]
    ind_code = pd.Index(experts).get_indexer(ind_s.fillna(""))
    maxima = np.array([leaf.points for leaf in criteria.expert_leaves] + [np.inf])
    raw_score = df["score"]
    score = pd.to_numeric(raw_score.where(raw_score.astype("string").str.strip() != ""),
                          errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    has_flag = flag_s.notna().to_numpy()
    has_score = ind_s.notna().to_numpy() | _strings(raw_score).notna().to_numpy()
    for i in np.flatnonzero(~has_score & ~has_flag):
        problems.cell(i, "score", "the row has neither a score nor a veto flag")

    for i in np.flatnonzero(app_code < 0):
        problems.cell(i, "application_id", f"unknown application '{app_s.iloc[i]}'")
    for i in np.flatnonzero(rev_s.isna().to_numpy()):
        problems.cell(i, "reviewer_id", "every row needs a reviewer")
    if reviewers is not None:
        for i in np.flatnonzero(~rev_s.isin(list(reviewers)).to_numpy() & rev_s.notna().to_numpy()):
            problems.cell(i, "reviewer_id", f"unknown reviewer '{rev_s.iloc[i]}'")
    auto_ids = {leaf.id for leaf in criteria.auto_leaves}
    for i in np.flatnonzero(has_score & (ind_code < 0)):
        name = ind_s.iloc[i]
        why = ("is scored automatically from the figures" if name in auto_ids
               else "is not an expert indicator of this criteria set")
        problems.cell(i, "indicator_id", f"'{name}' {why}")
    valid_ind = has_score & (ind_code >= 0)
    blank_score = _strings(raw_score).isna().to_numpy()
    for i in np.flatnonzero(valid_ind & ~np.isfinite(score)):
        problems.cell(i, "score", "the score is empty" if blank_score[i]
                      else f"'{raw_score.iloc[i]}' is not a finite number")
    with np.errstate(invalid="ignore"):
        out_of_range = valid_ind & np.isfinite(score) & ((score < 0) | (score > maxima[ind_code]))
    for i in np.flatnonzero(out_of_range):
        problems.cell(i, "score", f"{score[i]:g} is outside 0–{maxima[ind_code[i]]:g} "
                      f"for {ind_s.iloc[i]}")
    keyed = pd.DataFrame({"a": app_s, "r": rev_s, "i": ind_s})[valid_ind]
    for i in keyed.index[keyed.duplicated(keep="first")]:
        problems.cell(i, "indicator_id", f"{rev_s.iloc[i]} scored {ind_s.iloc[i]} of "
                      f"{app_s.iloc[i]} more than once")
    flag_rows, flag_names = _flags(criteria, flag_s, problems)
    rev_index, rev_code = np.unique(rev_s.fillna("").to_numpy(dtype=object), return_inverse=True)
    # Partial reviews are judged on every row that names a known application, reviewer and
    # indicator, so they are reported together with any bad score values.
    keep = valid_ind & (app_code >= 0) & rev_s.notna().to_numpy()
    if reviewers is not None:
        keep &= rev_s.isin(list(reviewers)).to_numpy(dtype=bool, na_value=False)
    notes = _partial(criteria, problems, app_code, rev_code, ind_code, keep, app_ids, rev_index)
    problems.raise_if_any()
    return Reviews(
        app=app_code[keep].astype(np.int64), indicator=ind_code[keep].astype(np.int64),
        reviewer=rev_code[keep].astype(np.int64), score=score[keep], reviewer_ids=rev_index,
        flag_app=app_code[flag_rows].astype(np.int64),
        flag_reviewer=rev_code[flag_rows].astype(np.int64), flag_name=flag_names, notes=notes,
    )


def _flags(
    criteria: CriteriaSet, flag_s: pd.Series, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Split the flag cells; return (row of each flag, flag name)."""
    rows, names = [], []
    for i in np.flatnonzero(flag_s.notna().to_numpy()):
        for name in (x.strip() for x in str(flag_s.iloc[i]).replace("；", ";").split(";")):
            if not name:
                continue
            if name not in criteria.veto_flags:
                known = ", ".join(sorted(criteria.veto_flags)) or "none"
                problems.cell(i, "flag", f"unknown veto flag '{name}' (known: {known})")
            rows.append(i)
            names.append(name)
    return np.array(rows, dtype=np.int64), np.array(names, dtype=object)


def _partial(
    criteria: CriteriaSet,
    problems: Problems,
    app_code: np.ndarray,
    rev_code: np.ndarray,
    ind_code: np.ndarray,
    keep: np.ndarray,
    app_ids: np.ndarray,
    rev_index: np.ndarray,
) -> list[str]:
    """Find reviewers who scored only part of an application; refuse or drop them."""
    n_ind = len(criteria.expert_leaves)
    if n_ind == 0 or not keep.any():
        return []
    pair = app_code[keep].astype(np.int64) * len(rev_index) + rev_code[keep]
    uniq, counts = np.unique(pair, return_counts=True)
    partial = uniq[counts < n_ind]
    notes = []
    experts = [leaf.id for leaf in criteria.expert_leaves]
    for p in partial:
        a, r = divmod(int(p), len(rev_index))
        scored = set(ind_code[keep][pair == p])
        lacking = [experts[k] for k in range(n_ind) if k not in scored]
        message = (f"reviewer {rev_index[r]} scored {len(scored)} of {n_ind} expert indicators "
                   f"of {app_ids[a]}; missing: {', '.join(lacking)}")
        if criteria.aggregation.partial_reviews == "error":
            problems.add(application_id=str(app_ids[a]), column="indicator_id", message=message)
        else:
            notes.append(message + " — this reviewer's scores for it were dropped")
    if partial.size and criteria.aggregation.partial_reviews == "drop":
        full_pair = app_code.astype(np.int64) * len(rev_index) + rev_code
        keep &= ~np.isin(full_pair, partial)
    return notes


def read_claims(criteria: CriteriaSet, df: pd.DataFrame | None, app_ids: np.ndarray) -> np.ndarray:
    """Bonus claims as an (applications × bonus items) boolean matrix; raise on bad rows."""
    claimed = np.zeros((len(app_ids), len(criteria.bonus_items)), dtype=bool)
    if df is None or len(df) == 0:
        return claimed
    problems = Problems("bonus claims")
    for col in ("application_id", "bonus_id"):
        if col not in df.columns:
            problems.add(column=col, message=f"missing column {col}")
    problems.raise_if_any()
    df = df.reset_index(drop=True)
    app_code = pd.Index(app_ids).get_indexer(_strings(df["application_id"]).fillna(""))
    item_ids = [b.id for b in criteria.bonus_items]
    item_code = pd.Index(item_ids).get_indexer(_strings(df["bonus_id"]).fillna(""))
    for i in np.flatnonzero(app_code < 0):
        problems.cell(i, "application_id", f"unknown application '{df['application_id'].iloc[i]}'")
    for i in np.flatnonzero(item_code < 0):
        problems.cell(i, "bonus_id", f"unknown bonus item '{df['bonus_id'].iloc[i]}' "
                      f"(known: {', '.join(item_ids) or 'none'})")
    problems.raise_if_any()
    claimed[app_code, item_code] = True
    return claimed
