"""Score a round from encoded inputs: integer ids and typed numpy arrays, as a database gives them.

:func:`score_round` reads spreadsheet-shaped DataFrames and spends most of its time parsing text
cells. A caller that holds the round in a database already has typed columns; it builds the
dataclasses below with one ``np.asarray`` / ``np.fromiter`` per column and calls
:func:`score_encoded`, which checks everything at array speed (it trusts nothing: dtypes, shapes,
indices, bounds, repeats), builds the engine's own :class:`FigureTable` and :class:`Reviews`
without going through strings, and runs :func:`score_parsed`. The result equals what
:func:`score_round` gives for the same data written out as tables with the ids as decimal text.

Problems are raised together in one :class:`InputError`, as by :func:`read_inputs`; here ``row``
is the 0-based position in the arrays (not a spreadsheet row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evaluator.criteria.figure_values import bounds
from evaluator.criteria.model import CriteriaSet, Field
from evaluator.messages import msg
from evaluator.scoring.engine import score_parsed
from evaluator.scoring.errors import MAX_REPORTED, InputError, Problems
from evaluator.scoring.figures import FigureTable
from evaluator.scoring.result import RoundResult
from evaluator.scoring.reviews import Reviews, partial_notes, repeated_keys

NO_TIME = np.iinfo(np.int64).max  # FigureTable's submitted_at where there is none
EARLIEST, LATEST = np.datetime64("1678-01-01"), np.datetime64("2262-01-01")  # datetime64[ns] range


@dataclass(frozen=True)
class EncodedApplications:
    """The applications of a round as typed columns, one entry per application.

    ``ids`` are integer ids (int64), unique. ``columns`` maps a criteria field's key to its array:

    - ``int`` / ``float``: float64 (integers are accepted), NaN where not reported;
    - ``bool``: bool or an integer/float array of 0/1 (NaN in a float array is missing);
    - ``enum``: integer choice codes (positions in the field's choices), -1 where missing;
    - ``multi``: a bool matrix (applications × choices); a row with nothing ticked is missing,
      as an empty cell is for :func:`score_round`;
    - ``text``: an object (or str) array, None or '' where missing.

    ``missing`` optionally marks, per field, applications whose figure is not reported whatever
    the column holds there (the natural form for booleans from a nullable column). A field with
    no column is missing for everyone (an error if it is required). ``submitted_at`` is a
    datetime64 array in UTC (NaT where unknown).
    """

    ids: np.ndarray
    columns: Mapping[str, np.ndarray] = field(default_factory=dict)
    missing: Mapping[str, np.ndarray] = field(default_factory=dict)
    submitted_at: np.ndarray | None = None


@dataclass(frozen=True)
class EncodedReviews:
    """Expert score rows as parallel arrays, one entry per row.

    ``app``: the application's id (as in :attr:`EncodedApplications.ids`); ``reviewer``: the
    reviewer's integer id; ``indicator``: the position of an expert leaf in ``criteria.leaves``,
    or -1 for a row that only raises a flag; ``score``: float64 in [0, the leaf's points] (NaN on
    a flag-only row); ``flag`` (optional): the position of a veto flag in :func:`flag_names`,
    -1 for none. A reviewer raising two flags on one application gives two rows. ``scope``
    (optional, with ``scopes`` given to :func:`score_encoded`): the row's reviewing group, a
    position in ``scopes`` (e.g. 0 = the materials panel, 1 = the on-site inspection group).
    """

    app: np.ndarray
    reviewer: np.ndarray
    indicator: np.ndarray
    score: np.ndarray
    flag: np.ndarray | None = None
    scope: np.ndarray | None = None


@dataclass(frozen=True)
class EncodedClaims:
    """Bonus claims: the application's id and the position of the item in ``criteria.bonus_items``."""

    app: np.ndarray
    item: np.ndarray


def flag_names(criteria: CriteriaSet) -> tuple[str, ...]:
    """The veto flags reviewers may raise, in criteria order: ``EncodedReviews.flag`` indexes this."""
    return tuple(dict.fromkeys(v.flag for v in criteria.vetoes if v.flag))


def score_encoded(
    criteria: CriteriaSet,
    applications: EncodedApplications,
    reviews: EncodedReviews | None = None,
    claims: EncodedClaims | None = None,
    reviewers: np.ndarray | None = None,
    scopes: np.ndarray | None = None,
) -> RoundResult:
    """Check encoded inputs, build the engine's tables from them and score the round.

    ``reviewers``, when given, is the roster (integer ids) every score must come from.
    ``scopes``, when given, is a bool matrix (groups × expert indicators): the indicators each
    reviewing group scores; every score row then names its group (``EncodedReviews.scope``), a
    review is complete when it scores every indicator of its group, and an application is complete
    when each group that scores something has ``min_reviews`` reviewers on it. Raises
    :class:`InputError` listing every problem of the three inputs. Application ids appear in the
    result as decimal text (``"17"``), exactly as :func:`score_round` would show them, so
    explanations, exports and the ``id`` tie-break behave the same way on both paths.
    """
    figures, parsed_reviews, claimed = read_encoded(
        criteria, applications, reviews, claims, reviewers, scopes
    )
    return score_parsed(criteria, figures, parsed_reviews, claimed)


def read_encoded(
    criteria: CriteriaSet,
    applications: EncodedApplications,
    reviews: EncodedReviews | None = None,
    claims: EncodedClaims | None = None,
    reviewers: np.ndarray | None = None,
    scopes: np.ndarray | None = None,
) -> tuple[FigureTable, Reviews, np.ndarray]:
    """Check the encoded inputs; return what :func:`score_parsed` takes or raise ``InputError``."""
    app_problems, score_problems = Problems("applications"), Problems("scores")
    claim_problems = Problems("bonus claims")
    ids = _ids(applications.ids, app_problems)
    figures = None
    reviewed = claimed = None
    if ids is not None:
        text_ids = ids.astype(str).astype(object)
        figures = _figures(criteria, applications, ids, text_ids, app_problems)
        lookup = _Lookup(ids)
        reviewed = _reviews(criteria, reviews, lookup, text_ids, reviewers, score_problems, scopes)
        claimed = _claims(criteria, claims, lookup, claim_problems)
    everything = app_problems.items + score_problems.items + claim_problems.items
    omitted = app_problems.omitted + score_problems.omitted + claim_problems.omitted
    if everything or omitted:
        raise InputError(everything[:MAX_REPORTED], omitted + max(0, len(everything) - MAX_REPORTED))
    assert figures is not None and reviewed is not None and claimed is not None
    return figures, reviewed, claimed


# --------------------------------------------------------------------------- reporting


def _each(problems: Problems, mask: np.ndarray, message: Callable[[int], str], **where: Any) -> None:
    """Report every row of ``mask``: the first ones in full, the rest only counted."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return
    room = max(0, MAX_REPORTED - len(problems.items))
    for i in rows[:room]:
        extra = {k: (v(int(i)) if callable(v) else v) for k, v in where.items()}
        problems.add(row=int(i), message=message(int(i)), **extra)
    problems.omitted += max(0, rows.size - room)


def _shape(what: str, got: tuple[int, ...], expected: tuple[int, ...] | str) -> str:
    return msg(
        "%(what)s is not a rectangular array of numbers (%(problem)s)",
        what=what,
        problem=f"shape {got}; expected {expected}",
    )


def _array(
    problems: Problems, column: str, value: Any, kinds: str, shape: tuple[int, ...], wrong_type: str
) -> np.ndarray | None:
    """``value`` as an array of one of the dtype ``kinds`` and this shape, or None (reported)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        problems.add(column=column, message=wrong_type)
        return None
    if arr.dtype.kind not in kinds:
        problems.add(column=column, message=wrong_type)
        return None
    if arr.shape != shape:
        problems.add(column=column, message=_shape(column, arr.shape, shape))
        return None
    if arr.dtype.kind == "u" and arr.dtype.itemsize == 8 and arr.size and arr.max() > np.iinfo(np.int64).max:
        problems.add(column=column, message=wrong_type)  # would wrap round as int64
        return None
    return arr


def _not_integer() -> str:
    return msg("Not a valid integer.")


def _not_number(column: str, arr_or_value: Any) -> str:
    dtype = getattr(arr_or_value, "dtype", type(arr_or_value).__name__)
    return msg("%(what)s must contain numbers, got dtype %(dtype)s", what=column, dtype=str(dtype))


def _numeric(
    problems: Problems, column: str, value: Any, shape: tuple[int, ...], kinds: str = "iuf"
) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in kinds:
        problems.add(column=column, message=_not_number(column, value if arr is None else arr))
        return None
    if arr.shape != shape:
        problems.add(column=column, message=_shape(column, arr.shape, shape))
        return None
    return arr


# --------------------------------------------------------------------------- ids


def _ids(value: Any, problems: Problems) -> np.ndarray | None:
    """Application ids as int64 (None if unusable); every repeat reported on its later row."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = np.asarray([], dtype=object)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        problems.add(
            column="id",
            message=_not_integer()
            if arr.dtype.kind not in "iu"
            else _shape("id", arr.shape, "(applications,)"),
        )
        return None
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        problems.add(column="id", message=_not_integer())
        return None
    ids = arr.astype(np.int64)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    repeat = np.zeros(ids.size, dtype=bool)
    repeat[order[1:][ordered[1:] == ordered[:-1]]] = True
    _each(problems, repeat, lambda i: msg("id '%(id)s' appears more than once", id=str(ids[i])), column="id")
    return ids


class _Lookup:
    """Positions of integer ids among the applications' ids (the first one where an id repeats)."""

    def __init__(self, ids: np.ndarray):
        self.n = ids.size
        self.lo = int(ids.min()) if ids.size else 0
        self.hi = int(ids.max()) if ids.size else -1
        span = self.hi - self.lo + 1
        self.table: np.ndarray | None = None
        if 0 < span <= 8 * ids.size + 4096:  # dense ids (database keys): one gather per row
            if self.lo >= 0 and self.hi < 64 * ids.size + 65536:
                self.lo, span = 0, self.hi + 1  # a table from 0: no subtraction per row
            self.table = np.full(span, -1, dtype=np.int64)
            rev = np.arange(ids.size - 1, -1, -1)
            self.table[ids[rev] - self.lo] = rev  # written last to first: the first position wins
        else:
            self.order = np.argsort(ids, kind="stable")
            self.sorted = ids[self.order]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Per value, its position, or -1 where it is not an id."""
        values = values.astype(np.int64, copy=False)
        if self.n == 0:
            return np.full(values.size, -1, dtype=np.int64)
        if values.size and self.table is not None and values.min() >= self.lo and values.max() <= self.hi:
            return self.table[values - self.lo] if self.lo else self.table[values]
        clipped = np.clip(values, self.lo, self.hi)
        if self.table is not None:
            pos = self.table[clipped - self.lo]
        else:
            at = np.searchsorted(self.sorted, clipped)
            at = np.minimum(at, self.n - 1)
            pos = np.where(self.sorted[at] == clipped, self.order[at], -1)
        pos[clipped != values] = -1
        return pos


def _factorise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values ascending, code of each value), counting instead of sorting when dense."""
    values = values.astype(np.int64, copy=False)
    if values.size == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    if span <= 4 * values.size + 4096:
        offset = values - lo if lo else values
        present = np.bincount(offset, minlength=span) > 0
        if lo == 0 and present.all():  # ids 0 … R-1, every one present: the ids are the codes
            return np.arange(span, dtype=np.int64), values.copy()
        code_of = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64) + lo, code_of[offset]
    uniq, codes = np.unique(values, return_inverse=True)
    return uniq, codes.astype(np.int64).reshape(-1)


# --------------------------------------------------------------------------- figures


def _figures(
    criteria: CriteriaSet,
    apps: EncodedApplications,
    ids: np.ndarray,
    text_ids: np.ndarray,
    problems: Problems,
) -> FigureTable:
    n = ids.size
    submitted = np.full(n, NO_TIME, dtype=np.int64)
    if apps.submitted_at is not None:
        stamps = _array(problems, "submitted_at", apps.submitted_at, "M", (n,), msg("Not a valid datetime."))
        if stamps is not None:
            unknown = np.isnat(stamps)
            with np.errstate(invalid="ignore"):  # NaT compares False
                wrong = ~unknown & ((stamps < EARLIEST) | (stamps > LATEST))  # beyond int64 nanoseconds
            _each(problems, wrong, lambda i: msg("Not a valid datetime."), column="submitted_at")
            ok = ~unknown & ~wrong
            submitted[ok] = stamps[ok].astype("datetime64[ns]").astype(np.int64)
    table = FigureTable(ids=text_ids, submitted_at=submitted, fields=criteria.field_map)
    fields = criteria.field_map
    unusable: set[str] = set()
    for key in [*apps.columns, *(k for k in apps.missing if k not in apps.columns)]:
        if key not in fields:
            problems.add(column=str(key), message=msg("this column matches no field of the round's form"))
    for f in criteria.fields:
        before = len(problems.items) + problems.omitted
        missing = np.zeros(n, dtype=bool)
        if f.key in apps.missing:
            mask = _array(problems, f.key, apps.missing[f.key], "b", (n,), msg("Not a valid boolean."))
            if mask is not None:
                missing |= mask
        present = f.key in apps.columns
        if not present and f.required:
            problems.add(
                column=f.key,
                message=msg("required column '%(key)s' (%(label)s) is missing", key=f.key, label=f.label),
            )
        value = apps.columns.get(f.key)
        if f.type in ("int", "float"):
            table.numbers[f.key], missing = _number(f, value, present, missing, problems)
        elif f.type == "bool":
            table.numbers[f.key], missing = _boolean(f, value, present, missing, problems)
        elif f.type == "enum":
            table.codes_[f.key], missing = _enum(f, value, present, missing, problems)
        elif f.type == "multi":
            table.ticks_[f.key], missing = _multi(f, value, present, missing, problems)
        else:
            table.texts[f.key], missing = _text(f, value, present, missing, problems)
        if present and len(problems.items) + problems.omitted > before and missing.all():
            unusable.add(f.key)  # a column of the wrong type or shape: no row-by-row report
        if f.required and present and f.key not in unusable:
            _each(problems, missing, lambda i, f=f: msg("%(label)s is required", label=f.label), column=f.key)
        table.missing_[f.key] = missing
    return table


def _number(
    f: Field, value: Any, present: bool, missing: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    n = missing.size
    arr = _numeric(problems, f.key, value, (n,)) if present else None
    if arr is None:
        return np.full(n, np.nan), np.ones(n, dtype=bool)
    values = arr.astype(np.float64)  # a copy: the round never shares the caller's arrays
    values[missing] = np.nan
    missing = missing | np.isnan(values)
    lo, hi = bounds(f)
    finite = np.isfinite(values)
    _each(problems, np.isinf(values), lambda i: msg("infinite values are not allowed"), column=f.key)
    with np.errstate(invalid="ignore"):
        if f.type == "int":
            _each(
                problems,
                finite & (values != np.round(values)),
                lambda i: msg("%(value)s is not a whole number", value=f"{values[i]:g}"),
                column=f.key,
            )
        _each(
            problems,
            finite & (values < lo),
            lambda i: msg(
                "%(value)s is below the minimum %(min)s", value=f"{values[i]:g}", min=format(lo, "g")
            ),
            column=f.key,
        )
        _each(
            problems,
            finite & (values > hi),
            lambda i: msg(
                "%(value)s is above the maximum %(max)s", value=f"{values[i]:g}", max=format(hi, "g")
            ),
            column=f.key,
        )
    return values, missing


def _boolean(
    f: Field, value: Any, present: bool, missing: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    n = missing.size
    arr = _array(problems, f.key, value, "biuf", (n,), msg("Not a valid boolean.")) if present else None
    if arr is None:
        return np.full(n, np.nan), np.ones(n, dtype=bool)
    values = arr.astype(np.float64)
    values[missing] = np.nan
    missing = missing | np.isnan(values)
    _each(
        problems,
        ~missing & (values != 0) & (values != 1),
        lambda i: msg("'%(value)s' is not yes/no (use true/false, 1/0 or 是/否)", value=f"{values[i]:g}"),
        column=f.key,
    )
    return values, missing


def _enum(
    f: Field, value: Any, present: bool, missing: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    n = missing.size
    arr = _array(problems, f.key, value, "iu", (n,), _not_integer()) if present else None
    if arr is None:
        return np.full(n, -1, dtype=np.int64), np.ones(n, dtype=bool)
    codes = arr.astype(np.int64)
    codes[missing] = -1
    _each(
        problems,
        (codes < -1) | (codes >= len(f.choices)),
        lambda i: msg(
            "'%(value)s' is not one of: %(choices)s", value=str(codes[i]), choices=list(f.choice_values)
        ),
        column=f.key,
    )
    return codes, missing | (codes < 0)


def _multi(
    f: Field, value: Any, present: bool, missing: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    n, k = missing.size, len(f.choices)
    arr = _array(problems, f.key, value, "b", (n, k), msg("Not a valid boolean.")) if present else None
    if arr is None:
        return np.zeros((n, k), dtype=bool), np.ones(n, dtype=bool)
    ticks = arr.copy()
    ticks[missing] = False
    return ticks, missing | ~ticks.any(axis=1)


def _text(
    f: Field, value: Any, present: bool, missing: np.ndarray, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    n = missing.size
    arr = _array(problems, f.key, value, "OUT", (n,), msg("Not a valid string.")) if present else None
    if arr is None:
        return np.full(n, "", dtype=object), np.ones(n, dtype=bool)
    texts = arr.astype(object)
    wrong = np.array([v is not None and not isinstance(v, str) for v in texts], dtype=bool)
    _each(problems, wrong, lambda i: msg("Not a valid string."), column=f.key)
    blank = missing | np.array([v is None or v == "" for v in texts], dtype=bool)
    texts[blank] = ""
    return texts, blank


# --------------------------------------------------------------------------- scores


def _reviews(
    criteria: CriteriaSet,
    rv: EncodedReviews | None,
    lookup: _Lookup,
    text_ids: np.ndarray,
    roster: np.ndarray | None,
    problems: Problems,
    scopes: np.ndarray | None = None,
) -> Reviews | None:
    """Check the score rows and encode them as the engine's :class:`Reviews` (None if bad).

    Each check is first made on the whole column at once (a min, a max, an ``all``); the rows
    at fault are looked for only when a column fails, so a valid round costs a few passes.
    """
    if rv is None:
        return Reviews.empty()
    try:
        shape = np.shape(rv.app)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 1:
        problems.add(column="application_id", message=_shape("application_id", shape, "(rows,)"))
        return None
    m = int(shape[0])
    app = _array(problems, "application_id", rv.app, "iu", (m,), _not_integer())
    rev = _array(problems, "reviewer_id", rv.reviewer, "iu", (m,), _not_integer())
    ind = _array(problems, "indicator_id", rv.indicator, "iu", (m,), _not_integer())
    score = _numeric(problems, "score", rv.score, (m,))
    flag = None if rv.flag is None else _array(problems, "flag", rv.flag, "iu", (m,), _not_integer())
    ros = None
    if roster is not None:
        ros = _array(problems, "reviewer_id", roster, "iu", (np.asarray(roster).size,), _not_integer())
    if (
        app is None
        or rev is None
        or ind is None
        or score is None
        or (rv.flag is not None and flag is None)
        or (roster is not None and ros is None)
    ):
        return None
    if m == 0:
        return Reviews.empty()
    score = score.astype(np.float64)  # a copy: the round never shares the caller's arrays
    ind = ind.astype(np.int64, copy=False)
    leaves, experts = criteria.leaves, criteria.expert_leaves
    n_leaves, n_ind = len(leaves), len(experts)
    flags = flag_names(criteria)
    app_code = lookup(app)
    rev_index, rev_code = _factorise(rev)

    def app_id(i: int) -> str | None:
        return str(text_ids[app_code[i]]) if app_code[i] >= 0 else None

    known_app = app_code.min() >= 0
    if not known_app:
        _each(
            problems,
            app_code < 0,
            lambda i: msg("unknown application '%(id)s'", id=str(app[i])),
            column="application_id",
        )
    on_roster: np.ndarray | bool = True
    if ros is not None:
        found = _Lookup(ros.astype(np.int64))(rev_index)[rev_code] >= 0  # per distinct reviewer
        if not found.all():
            on_roster = found
            _each(
                problems,
                ~found,
                lambda i: msg("unknown reviewer '%(id)s'", id=str(rev[i])),
                column="reviewer_id",
                application_id=app_id,
            )

    # Indicator positions: expert position per leaf (-1 for auto leaves), last slot for the rest.
    expert_of = np.full(n_leaves + 1, -1, dtype=np.int64)
    positions = [j for j, leaf in enumerate(leaves) if leaf.method == "expert"]
    expert_of[positions] = np.arange(n_ind)
    if ind.min() >= 0 and ind.max() < n_leaves:  # every row names a leaf
        ind_code = expert_of[ind]
        flag_only: np.ndarray | None = None
    else:
        in_range = (ind >= 0) & (ind < n_leaves)
        ind_code = expert_of[np.where(in_range, ind, n_leaves)]
        flag_only = ind == -1
        nan = np.isnan(score)
        _each(
            problems,
            ~in_range & ~(flag_only & nan),
            lambda i: msg("'%(id)s' is not an expert indicator of this criteria set", id=str(ind[i])),
            column="indicator_id",
            application_id=app_id,
        )
        no_flag = flag_only & nan if flag is None else flag_only & nan & (flag < 0)
        _each(
            problems,
            no_flag,
            lambda i: msg("the row has neither a score nor a veto flag"),
            column="score",
            application_id=app_id,
        )
    all_expert = bool(ind_code.min() >= 0)
    if not all_expert:
        auto = (ind_code < 0) & (ind >= 0) & (ind < n_leaves)
        _each(
            problems,
            auto,
            lambda i: msg("'%(id)s' is scored automatically from the figures", id=leaves[ind[i]].id),
            column="indicator_id",
            application_id=app_id,
        )
    maxima = np.array([leaf.points for leaf in experts] + [np.inf])
    top = maxima[ind_code]  # rows without an expert indicator: infinity (they are not checked)
    with np.errstate(invalid="ignore"):
        good = (score >= 0) & (score <= top)
    if not (good.all() if all_expert else good[ind_code >= 0].all()):
        bad = ~good & (ind_code >= 0)
        nan = np.isnan(score)
        _each(problems, bad & nan, lambda i: msg("the score is empty"), column="score", application_id=app_id)
        _each(
            problems,
            bad & np.isinf(score),
            lambda i: msg("'%(value)s' is not a finite number", value=f"{score[i]:g}"),
            column="score",
            application_id=app_id,
        )
        _each(
            problems,
            bad & np.isfinite(score),
            lambda i: msg(
                "%(score)s is outside 0–%(max)s for %(indicator)s",
                score=format(score[i], "g"),
                max=format(maxima[ind_code[i]], "g"),
                indicator=leaves[ind[i]].id,
            ),
            column="score",
            application_id=app_id,
        )
    flag = np.full(m, -1, dtype=np.int64) if flag is None else flag.astype(np.int64, copy=False)
    if flag.min() < -1 or flag.max() >= len(flags):
        wrong = (flag < -1) | (flag >= len(flags))
        if flags:
            known = [f"{c} = {name}" for c, name in enumerate(flags)]
            _each(
                problems,
                wrong,
                lambda i: msg(
                    "unknown veto flag '%(flag)s' (known: %(known)s)", flag=str(flag[i]), known=known
                ),
                column="flag",
                application_id=app_id,
            )
        else:
            _each(
                problems,
                wrong,
                lambda i: msg("unknown veto flag '%(flag)s' (known: none)", flag=str(flag[i])),
                column="flag",
                application_id=app_id,
            )

    scope = group_of = None
    if scopes is not None:
        checked = _scope_arrays(problems, rv, scopes, m, n_ind)
        if checked is None:
            return None
        scope, group_of = checked
        with np.errstate(invalid="ignore"):
            outside = (ind_code >= 0) & ~group_of[scope, np.maximum(ind_code, 0)]
        _each(
            problems,
            outside,
            lambda i: msg("'%(id)s' is not scored by the reviewing group of this row", id=leaves[ind[i]].id),
            column="indicator_id",
            application_id=app_id,
        )

    # The rows that count: a known application, a reviewer on the roster, an expert indicator.
    keep_all = bool(known_app and on_roster is True and all_expert)
    keep = np.ones(m, dtype=bool) if keep_all else (app_code >= 0) & on_roster & (ind_code >= 0)
    partial = _repeats(
        criteria,
        problems,
        app_code,
        rev_code,
        ind_code,
        keep,
        keep_all,
        lookup.n,
        max(1, rev_index.size),
        rev,
        app_id,
    )
    refuse = criteria.aggregation.partial_reviews == "error"
    notes: list[str] = []
    if scope is not None and group_of is not None:  # completeness per reviewing group
        if not (problems.items or problems.omitted):
            notes = _scoped_partial(
                criteria, problems, app_code, rev_code, ind_code, scope, group_of, keep, text_ids, rev_index
            )
        if problems.items or problems.omitted:
            return None
        keep_all = bool(keep.all())
    else:
        if partial and refuse:  # rare: the table reader's own checks and messages, sorts and all
            partial_notes(criteria, problems, app_code, rev_code, ind_code, keep, text_ids, rev_index)
        if problems.items or problems.omitted:
            return None
        if partial:  # dropped, with a note each
            notes = partial_notes(criteria, problems, app_code, rev_code, ind_code, keep, text_ids, rev_index)
            keep_all = bool(keep.all())
    flag_rows = np.flatnonzero(flag >= 0)
    names = np.array(flags, dtype=object)
    if keep_all:
        app_kept, ind_kept, rev_kept, score_kept = app_code, ind_code, rev_code, score
    else:
        app_kept, ind_kept, rev_kept, score_kept = app_code[keep], ind_code[keep], rev_code[keep], score[keep]
    return Reviews(
        app=app_kept,
        indicator=ind_kept,
        reviewer=rev_kept,
        score=score_kept,
        reviewer_ids=rev_index,
        flag_app=app_code[flag_rows],
        flag_reviewer=rev_code[flag_rows],
        flag_name=names[flag[flag_rows]] if flag_rows.size else np.array([], dtype=object),
        notes=notes,
        scope=None if scope is None else (scope if keep_all else scope[keep]),
        scopes=group_of,
    )


def _scope_arrays(
    problems: Problems, rv: EncodedReviews, scopes: Any, m: int, n_ind: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(each row's group as int64, the groups × indicators bool matrix), or None (reported)."""
    groups = _array(
        problems,
        "scopes",
        scopes,
        "b",
        (np.shape(scopes)[0] if np.ndim(scopes) == 2 else -1, n_ind),
        msg("Not a valid boolean."),
    )
    if groups is None:
        return None
    if rv.scope is None:
        problems.add(column="scope", message=msg("every score row needs its reviewing group"))
        return None
    scope = _array(problems, "scope", rv.scope, "iu", (m,), _not_integer())
    if scope is None:
        return None
    scope = scope.astype(np.int64, copy=False)
    if m and (scope.min() < 0 or scope.max() >= groups.shape[0]):
        _each(
            problems,
            (scope < 0) | (scope >= groups.shape[0]),
            lambda i: msg("unknown reviewing group '%(group)s'", group=str(scope[i])),
            column="scope",
        )
        return None
    return scope, groups


def _scoped_partial(
    criteria: CriteriaSet,
    problems: Problems,
    app_code: np.ndarray,
    rev_code: np.ndarray,
    ind_code: np.ndarray,
    scope: np.ndarray,
    groups: np.ndarray,
    keep: np.ndarray,
    text_ids: np.ndarray,
    rev_index: np.ndarray,
) -> list[str]:
    """Reviewers who scored only part of their group's indicators of an application: refused, or
    dropped for that application (``partial_reviews: drop``, with a note each)."""
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        return []
    n_rev, n_groups = max(1, rev_index.size), groups.shape[0]
    full_key = (app_code.astype(np.int64) * n_rev + rev_code) * n_groups + scope
    uniq, counts = np.unique(full_key[rows], return_counts=True)
    partial = uniq[counts < groups.sum(axis=1)[uniq % n_groups]]
    if partial.size == 0:
        return []
    refuse = criteria.aggregation.partial_reviews == "error"
    experts = [leaf.id for leaf in criteria.expert_leaves]
    notes: list[str] = []
    for p in partial:
        if refuse and problems.full:
            problems.omitted += 1
            continue
        pair, g = divmod(int(p), n_groups)
        a, r = divmod(pair, n_rev)
        scored = set(ind_code[rows][full_key[rows] == p].tolist())
        wanted = np.flatnonzero(groups[g])
        lacking = [experts[k] for k in wanted if k not in scored]
        message = msg(
            "reviewer %(reviewer)s scored %(scored)s of %(total)s expert indicators of "
            "%(application)s; missing: %(missing)s",
            reviewer=str(rev_index[r]),
            scored=len(scored),
            total=int(wanted.size),
            application=str(text_ids[a]),
            missing=lacking,
        )
        if refuse:
            problems.add(application_id=str(text_ids[a]), column="indicator_id", message=message)
        else:
            notes.append(msg("%(problem)s — this reviewer's scores for it were dropped", problem=message))
    if not refuse:
        keep &= ~np.isin(full_key, partial)
    return notes


def _pair_counts(pair: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """(count of rows per (application, reviewer) pair present, dense code of each row's pair)."""
    if space <= 64 * max(1, pair.size):  # counting is cheaper than sorting
        counts = np.bincount(pair, minlength=space)
        present = counts > 0
        dense = np.cumsum(present, dtype=np.int64) - 1
        return counts[present], dense[pair]
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    return counts, inverse.reshape(-1).astype(np.int64)


def _repeats(
    criteria: CriteriaSet,
    problems: Problems,
    app_code: np.ndarray,
    rev_code: np.ndarray,
    ind_code: np.ndarray,
    keep: np.ndarray,
    keep_all: bool,
    n_apps: int,
    n_rev: int,
    rev: np.ndarray,
    app_id: Callable[[int], str | None],
) -> bool:
    """Report repeated (application, reviewer, indicator) rows; return whether some reviewer scored
    only part of an application's expert indicators (rows counted among ``keep``)."""
    n_ind = len(criteria.expert_leaves)
    if n_ind == 0 or not keep.any():
        return False
    rows = slice(None) if keep_all else keep
    pair = app_code[rows] * n_rev + rev_code[rows]
    if n_ind <= 52 and n_apps * n_rev <= 64 * pair.size:
        # Counting per (application, reviewer) pair: n rows whose 2**indicator add up to 2**n - 1
        # are n different indicators (a sum of n powers of two has n one-bits only without carries),
        # i.e. the full set: no repeat and no partial review; the sums are exact in float64.
        counts = np.bincount(pair, minlength=n_apps * n_rev)
        bits = np.bincount(
            pair, weights=np.ldexp(1.0, np.arange(n_ind))[ind_code[rows]], minlength=n_apps * n_rev
        )
        present = counts > 0
        if (counts[present] == n_ind).all() and (bits[present] == 2.0**n_ind - 1).all():
            return False
    counts, dense = _pair_counts(pair, n_apps * n_rev)
    key = dense * n_ind + ind_code[rows]
    if np.bincount(key, minlength=counts.size * n_ind).max() > 1:
        full_key = np.full(app_code.size, -1, dtype=np.int64)
        full_key[rows] = key
        leaves = criteria.leaves
        expert_leaf = [j for j, leaf in enumerate(leaves) if leaf.method == "expert"]
        for i in repeated_keys(full_key, keep, counts.size * n_ind):
            if problems.full:
                problems.omitted += 1
                continue
            problems.add(
                row=int(i),
                column="indicator_id",
                application_id=app_id(int(i)),
                message=msg(
                    "%(reviewer)s scored %(indicator)s of %(application)s more than once",
                    reviewer=str(rev[i]),
                    indicator=leaves[expert_leaf[ind_code[i]]].id,
                    application=app_id(int(i)),
                ),
            )
    return bool((counts < n_ind).any())


# --------------------------------------------------------------------------- claims


def _claims(
    criteria: CriteriaSet, cl: EncodedClaims | None, lookup: _Lookup, problems: Problems
) -> np.ndarray | None:
    items = criteria.bonus_items
    claimed = np.zeros((lookup.n, len(items)), dtype=bool)
    if cl is None:
        return claimed
    size = np.asarray(cl.app).size
    app = _array(problems, "application_id", cl.app, "iu", (size,), _not_integer())
    item = _array(problems, "bonus_id", cl.item, "iu", (size,), _not_integer())
    if app is None or item is None:
        return None
    app_code = lookup(app)
    item = item.astype(np.int64, copy=False)
    _each(
        problems,
        app_code < 0,
        lambda i: msg("unknown application '%(id)s'", id=str(app[i])),
        column="application_id",
    )
    item_ids = [b.id for b in items]
    bad = (item < 0) | (item >= len(items))
    if item_ids:
        known = [f"{c} = {b}" for c, b in enumerate(item_ids)]
        _each(
            problems,
            bad,
            lambda i: msg("unknown bonus item '%(id)s' (known: %(known)s)", id=str(item[i]), known=known),
            column="bonus_id",
        )
    else:
        _each(
            problems,
            bad,
            lambda i: msg("unknown bonus item '%(id)s' (known: none)", id=str(item[i])),
            column="bonus_id",
        )
    if problems.items or problems.omitted:
        return None
    claimed[app_code, item] = True
    return claimed
