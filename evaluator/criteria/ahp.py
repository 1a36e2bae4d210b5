"""The Analytic Hierarchy Process: priorities and consistency of a pairwise comparison matrix.

Pure numpy, used by the criteria tree to derive AHP weights when a criteria file is loaded, and
re-exported by :mod:`evaluator.scoring.mcda` with the other MCDA tools. Every function validates its
input and raises :class:`ValueError` (:class:`AHPError`) with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluator.messages import Message, msg

__all__ = [
    "CR_THRESHOLD",
    "RECIPROCAL_TOL",
    "RI_TABLES",
    "AHPError",
    "AHPResult",
    "ahp",
    "as_float_array",
    "check_matrix",
]


#: Random consistency indices, indexed by matrix order: ``RI_TABLES[name][n]`` is RI for an
#: ``n x n`` matrix, for ``n = 1 .. len(table) - 1``. Index 0 is unused (a placeholder 0.0).
#:
#: * ``"saaty1980"`` -- Saaty, T. L. (1980), *The Analytic Hierarchy Process*, McGraw-Hill.
#: * ``"alonso_lamata2006"`` -- Alonso, J. A. & Lamata, M. T. (2006), "Consistency in the
#:   analytic hierarchy process: a new approach", *Int. J. Uncertainty, Fuzziness and
#:   Knowledge-Based Systems* 14(4), 445-459.
RI_TABLES: dict[str, tuple[float, ...]] = {
    "saaty1980": (0.0, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49),
    "alonso_lamata2006": (
        0.0,
        0.0,
        0.0,
        0.5245,
        0.8815,
        1.1086,
        1.2479,
        1.3417,
        1.4056,
        1.4499,
        1.4854,
    ),
}

#: Largest matrix order covered by every random-index table.
_MAX_ORDER = min(len(table) - 1 for table in RI_TABLES.values())

#: Relative tolerance for reciprocity (``|a_ij * a_ji - 1|``) and the unit diagonal.
RECIPROCAL_TOL = 1e-6

#: Consistency-ratio threshold used by :attr:`AHPResult.consistent` (Saaty's 10 % rule).
CR_THRESHOLD = 0.10


class AHPError(ValueError):
    """A pairwise comparison matrix (or its random-index table) that AHP cannot use.

    ``problems`` holds the individual messages when several were found at once.
    """

    def __init__(self, message: str, problems: Sequence[str] = ()):
        """An error with its summary ``message`` and the individual ``problems``."""
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Priorities and consistency of one pairwise comparison matrix.

    ``weights`` is a read-only float64 vector summing to 1; ``ci`` and ``cr`` are Saaty's
    consistency index and ratio. Equality is identity (``eq=False``) because numpy arrays
    have no single truth value.
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    n: int

    @property
    def consistent(self) -> bool:
        """Whether the judgements pass Saaty's rule, ``CR <= 0.10``."""
        return self.cr <= CR_THRESHOLD


def as_float_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array (no copy when it already is one), or ValueError."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value
    try:
        raw = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            msg("%(what)s is not a rectangular array of numbers (%(problem)s)", what=what, problem=str(exc))
        ) from None
    if raw.dtype.kind == "c":
        raise ValueError(msg("%(what)s must be real numbers, got complex values", what=what))
    if raw.dtype.kind not in "biufO":
        raise ValueError(
            msg("%(what)s must contain numbers, got dtype %(dtype)s", what=what, dtype=str(raw.dtype))
        )
    try:
        return raw.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            msg("%(what)s must contain numbers only (%(problem)s)", what=what, problem=str(exc))
        ) from None


def check_matrix(matrix: Any, ri_table: str | None = None) -> list[str]:
    """Every structural problem of a pairwise comparison matrix, as messages (empty if none).

    Checks: numeric and rectangular, square 2-D with ``n >= 1``, finite, strictly positive,
    unit diagonal and reciprocal (``|a_ij * a_ji - 1| <= 1e-6``). Positions are 0-based
    ``(row, column)``. The matrix order is also checked against the random-index table:
    ``ri_table`` if given (an unknown name is reported too), otherwise the largest order
    every table covers, so a matrix that passes here is accepted by :func:`ahp`.
    """
    try:
        a = as_float_array(matrix, "matrix")
    except ValueError as exc:
        return [_ragged_message(matrix) or exc.args[0]]
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return [msg("matrix must be square (n x n), got shape %(shape)s", shape=str(a.shape))]
    n = a.shape[0]
    if n < 1:
        return [msg("matrix is empty; it needs at least one row")]

    problems: list[str] = []
    if ri_table is not None and ri_table not in RI_TABLES:
        problems.append(_unknown_table_message(ri_table))
    limit = len(RI_TABLES[ri_table]) - 1 if ri_table in RI_TABLES else _MAX_ORDER
    if n > limit and ri_table in RI_TABLES:
        problems.append(
            msg(
                "matrix order %(n)s exceeds %(limit)s, the largest the random-index table %(table)s covers",
                n=n,
                limit=limit,
                table=repr(ri_table),
            )
        )
    elif n > limit:
        problems.append(
            msg(
                "matrix order %(n)s exceeds %(limit)s, the largest the random-index tables cover",
                n=n,
                limit=limit,
            )
        )

    finite = np.isfinite(a)
    for i, j in np.argwhere(~finite):
        problems.append(
            msg(
                "value at (%(row)s, %(column)s) is not finite: %(value)s",
                row=int(i),
                column=int(j),
                value=str(a[i, j]),
            )
        )
    for i, j in np.argwhere(finite & (a <= 0)):
        problems.append(
            msg(
                "value at (%(row)s, %(column)s) must be strictly positive, got %(value)s",
                row=int(i),
                column=int(j),
                value=format(a[i, j], "g"),
            )
        )
    usable = finite & (a > 0)
    for i in range(n):
        if usable[i, i] and abs(a[i, i] - 1.0) > RECIPROCAL_TOL:
            problems.append(
                msg(
                    "diagonal value at (%(row)s, %(row)s) must be 1, got %(value)s",
                    row=i,
                    value=format(a[i, i], "g"),
                )
            )
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        if usable[i, j] and usable[j, i]:
            product = float(a[i, j]) * float(a[j, i])  # a Python float overflows to inf quietly
            if abs(product - 1.0) > RECIPROCAL_TOL:
                problems.append(
                    msg(
                        "not reciprocal at (%(i)s, %(j)s): a[%(i)s,%(j)s] * a[%(j)s,%(i)s] = %(a_ij)s * "
                        "%(a_ji)s = %(product)s, expected 1",
                        i=int(i),
                        j=int(j),
                        a_ij=format(a[i, j], "g"),
                        a_ji=format(a[j, i], "g"),
                        product=format(product, ".6g"),
                    )
                )
    return problems


def _ragged_message(matrix: Any) -> Message | None:
    """A row-by-row message for nested sequences of unequal lengths, else None."""
    try:
        lengths = [len(row) for row in matrix]
    except TypeError:
        return None
    if len(set(lengths)) <= 1:
        return None
    n = len(lengths)
    rows = [msg("row %(row)s has %(count)s", row=i, count=k) for i, k in enumerate(lengths) if k != n]
    return msg("matrix must be square (%(n)s x %(n)s): %(rows)s value(s)", n=n, rows=rows)


def _unknown_table_message(ri_table: str) -> Message:
    return msg(
        "unknown random-index table %(table)s; known tables: %(known)s",
        table=repr(ri_table),
        known=sorted(RI_TABLES),
    )


def ahp(matrix: Any, ri_table: str = "saaty1980") -> AHPResult:
    """Saaty's eigenvector priorities and consistency of a pairwise comparison matrix.

    ``matrix`` is a nested list or array with ``a_ij`` = how many times more important item
    ``i`` is than item ``j``. The weights are the principal right eigenvector (the eigenvalue
    with the largest real part, from ``np.linalg.eig``), made positive and normalised to sum
    to 1; ``lambda_max`` is that eigenvalue's real part; ``CI = (lambda_max - n) / (n - 1)``
    and ``CR = CI / RI[n]`` from ``RI_TABLES[ri_table]`` (both 0 for ``n <= 2``, where every
    reciprocal matrix is consistent). ``lambda_max >= n`` holds exactly for positive reciprocal
    matrices, so a CI that rounding makes a hair negative is reported as 0.

    A high CR is *not* refused: the caller decides what to do with ``result.consistent``.

    Raises :class:`AHPError` for an unknown ``ri_table``, a matrix larger than the table
    covers, or any structural problem found by :func:`check_matrix` (all of them, joined).
    """
    if ri_table not in RI_TABLES:
        raise AHPError(_unknown_table_message(ri_table))
    problems = check_matrix(matrix, ri_table)
    if problems:
        raise AHPError(msg("invalid pairwise comparison matrix: %(problems)s", problems=problems), problems)

    a = as_float_array(matrix, "matrix")
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    # Perron vector of a positive matrix: one sign throughout; abs() removes the arbitrary sign.
    vector = np.abs(eigenvectors[:, k].real)
    weights = vector / vector.sum()
    weights.flags.writeable = False

    if n <= 2:
        ci = cr = 0.0
    else:
        ci = max((lambda_max - n) / (n - 1), 0.0)
        cr = ci / RI_TABLES[ri_table][n]
    return AHPResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, n=n)
