"""Expert score rows and bonus claims: check them against the round and encode them as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.messages import msg
from evaluator.scoring.cells import TextColumn, number_column, text_column
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
    # Reviewing groups (encoded inputs only): each score's group and the groups × indicators matrix
    # of what each group scores; None: one panel scores every expert indicator.
    scope: np.ndarray | None = None
    scopes: np.ndarray | None = None

    @classmethod
    def empty(cls) -> Reviews:
        """No reviews at all (a round scored from figures only)."""
        i, f, o = np.array([], dtype=np.int64), np.array([], dtype=float), np.array([], dtype=object)
        return cls(i, i, i, f, o, i, i, o)


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
        problems.add(
            column=", ".join(missing), message=msg("missing column(s): %(columns)s", columns=missing)
        )
        problems.raise_if_any()
    df = df.reset_index(drop=True)
    apps, revs, inds = (text_column(df[c]) for c in SCORE_COLUMNS[:3])
    flags = text_column(df["flag"]) if "flag" in df.columns else None
    experts = [leaf.id for leaf in criteria.expert_leaves]
    app_code, ind_code = apps.lookup(app_ids), inds.lookup(experts)
    rev_index, rev_code = revs.values, revs.codes
    maxima = np.array([leaf.points for leaf in criteria.expert_leaves] + [np.inf])
    score, blank_score, score_text = number_column(df["score"])
    has_flag = ~flags.blank if flags is not None else np.zeros(len(df), dtype=bool)
    has_score = ~inds.blank | ~blank_score
    for i in np.flatnonzero(~has_score & ~has_flag):
        problems.cell(i, "score", msg("the row has neither a score nor a veto flag"))

    for i in np.flatnonzero((app_code < 0) & ~apps.blank):
        problems.cell(i, "application_id", msg("unknown application '%(id)s'", id=apps.text(i)))
    for i in np.flatnonzero(apps.blank):
        problems.cell(i, "application_id", msg("every row needs an application"))
    for i in np.flatnonzero(revs.blank):
        problems.cell(i, "reviewer_id", msg("every row needs a reviewer"))
    on_roster = ~revs.blank
    if reviewers is not None:
        on_roster &= revs.lookup(list(reviewers)) >= 0
        for i in np.flatnonzero(~on_roster & ~revs.blank):
            problems.cell(i, "reviewer_id", msg("unknown reviewer '%(id)s'", id=revs.text(i)))
    auto_ids = {leaf.id for leaf in criteria.auto_leaves}
    for i in np.flatnonzero(has_score & (ind_code < 0)):
        name = inds.text(i)
        if name in auto_ids:
            problems.cell(
                i, "indicator_id", msg("'%(id)s' is scored automatically from the figures", id=name)
            )
        else:
            problems.cell(
                i, "indicator_id", msg("'%(id)s' is not an expert indicator of this criteria set", id=name)
            )
    valid_ind = has_score & (ind_code >= 0)
    for i in np.flatnonzero(valid_ind & ~np.isfinite(score)):
        problems.cell(
            i,
            "score",
            msg("the score is empty")
            if blank_score[i]
            else msg("'%(value)s' is not a finite number", value=score_text(i)),
        )
    with np.errstate(invalid="ignore"):
        out_of_range = valid_ind & np.isfinite(score) & ((score < 0) | (score > maxima[ind_code]))
    for i in np.flatnonzero(out_of_range):
        problems.cell(
            i,
            "score",
            msg(
                "%(score)s is outside 0–%(max)s for %(indicator)s",
                score=format(score[i], "g"),
                max=format(maxima[ind_code[i]], "g"),
                indicator=inds.text(i),
            ),
        )
    # Partial reviews are judged on every row that names a known application, reviewer and
    # indicator, so they are reported together with any bad score values.
    keep = valid_ind & (app_code >= 0) & on_roster
    n_rev, n_ind = max(1, len(rev_index)), max(1, len(experts))
    key = (app_code.astype(np.int64) * n_rev + rev_code) * n_ind + ind_code
    for i in repeated_keys(key, keep, len(app_ids) * n_rev * n_ind):
        problems.cell(
            i,
            "indicator_id",
            msg(
                "%(reviewer)s scored %(indicator)s of %(application)s more than once",
                reviewer=revs.text(i),
                indicator=inds.text(i),
                application=apps.text(i),
            ),
        )
    flag_rows, flag_names = _flags(criteria, flags, problems)
    notes = partial_notes(criteria, problems, app_code, rev_code, ind_code, keep, app_ids, rev_index)
    problems.raise_if_any()
    return Reviews(
        app=app_code[keep].astype(np.int64),
        indicator=ind_code[keep].astype(np.int64),
        reviewer=rev_code[keep].astype(np.int64),
        score=score[keep],
        reviewer_ids=rev_index,
        flag_app=app_code[flag_rows].astype(np.int64),
        flag_reviewer=rev_code[flag_rows].astype(np.int64),
        flag_name=flag_names,
        notes=notes,
    )


def repeated_keys(key: np.ndarray, keep: np.ndarray, key_space: int) -> np.ndarray:
    """Rows (among ``keep``) whose key an earlier kept row already has."""
    if key_space <= 64 * max(1, key.size):  # counting is cheaper than hashing
        counts = np.bincount(key[keep], minlength=key_space)
        if counts.max(initial=0) < 2:
            return np.array([], dtype=np.int64)
    masked = np.where(keep, key, -1 - np.arange(key.size))
    return np.flatnonzero(keep & pd.Series(masked).duplicated(keep="first").to_numpy())


def _flags(
    criteria: CriteriaSet, flags: TextColumn | None, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Split the flag cells; return (row of each flag, flag name)."""
    rows, names = [], []
    if flags is None:
        return np.array(rows, dtype=np.int64), np.array(names, dtype=object)
    for i in np.flatnonzero(~flags.blank):
        for name in (x.strip() for x in flags.text(i).replace("；", ";").split(";")):
            if not name:
                continue
            if name not in criteria.veto_flags and criteria.veto_flags:
                problems.cell(
                    i,
                    "flag",
                    msg(
                        "unknown veto flag '%(flag)s' (known: %(known)s)",
                        flag=name,
                        known=sorted(criteria.veto_flags),
                    ),
                )
            elif name not in criteria.veto_flags:
                problems.cell(i, "flag", msg("unknown veto flag '%(flag)s' (known: none)", flag=name))
            rows.append(i)
            names.append(name)
    return np.array(rows, dtype=np.int64), np.array(names, dtype=object)


def partial_notes(
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
        message = msg(
            "reviewer %(reviewer)s scored %(scored)s of %(total)s expert indicators of "
            "%(application)s; missing: %(missing)s",
            reviewer=str(rev_index[r]),
            scored=len(scored),
            total=n_ind,
            application=str(app_ids[a]),
            missing=lacking,
        )
        if criteria.aggregation.partial_reviews == "error":
            problems.add(application_id=str(app_ids[a]), column="indicator_id", message=message)
        else:
            notes.append(msg("%(problem)s — this reviewer's scores for it were dropped", problem=message))
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
            problems.add(column=col, message=msg("missing column %(column)s", column=col))
    problems.raise_if_any()
    df = df.reset_index(drop=True)
    apps, items = text_column(df["application_id"]), text_column(df["bonus_id"])
    item_ids = [b.id for b in criteria.bonus_items]
    app_code, item_code = apps.lookup(app_ids), items.lookup(item_ids)
    for i in np.flatnonzero(app_code < 0):
        problems.cell(i, "application_id", msg("unknown application '%(id)s'", id=apps.text(i)))
    for i in np.flatnonzero(item_code < 0):
        if item_ids:
            problems.cell(
                i,
                "bonus_id",
                msg("unknown bonus item '%(id)s' (known: %(known)s)", id=items.text(i), known=item_ids),
            )
        else:
            problems.cell(i, "bonus_id", msg("unknown bonus item '%(id)s' (known: none)", id=items.text(i)))
    problems.raise_if_any()
    claimed[app_code, item_code] = True
    return claimed
