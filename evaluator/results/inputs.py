"""A round's data read from the database straight into the engine's encoded arrays.

Only the needed columns are selected (Core rows, not ORM objects): the applications in review with
their figures, and the reviews that count with their score bytes. Scores never become text: each
review's ``scores`` (float64, little-endian, aligned with ``criteria.expert_leaves``) is joined
into one buffer and read with ``np.frombuffer``.

What counts:

- applications whose status is ``under_review`` or a later one (``workflow.REVIEWED_STATUSES``);
- reviews ``submitted`` of assignments still ``active``; with the round's on-site group, a
  materials review gives the indicators not checked on site and an inspection the ones checked
  on site (``criteria.scope.expert_scope``), a value outside the reviewer's scope is ignored;
- veto flags: every flag of ``Review.vetoes`` that names a reviewer flag of the criteria;
- bonus: a claimed item (``Application.bonus_claims``, items without a condition) counts when
  more than half of the application's counted reviews verified it (``Review.bonus_verified``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Text, cast, select

from evaluator.applications.models import Application
from evaluator.assignments.models import Assignment
from evaluator.core.db import as_aware
from evaluator.criteria.model import CriteriaSet
from evaluator.criteria.scope import expert_scope
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.scoring.encoded import EncodedApplications, EncodedClaims, EncodedReviews, flag_names
from evaluator.workflow import REVIEWED_STATUSES, AssignmentKind, AssignmentStatus, ReviewStatus

KINDS = (AssignmentKind.MATERIALS.value, AssignmentKind.ON_SITE.value)
"""Reviewing groups by position: ``EncodedReviews.scope`` indexes this."""


@dataclass(frozen=True)
class RoundInputs:
    """The encoded round and what the results need beside it."""

    applications: EncodedApplications
    reviews: EncodedReviews
    claims: EncodedClaims
    scopes: np.ndarray | None  # groups (KINDS) × expert indicators, None without an on-site group
    review_count: np.ndarray  # per application (in ``applications.ids`` order): counted reviews

    @property
    def ids(self) -> np.ndarray:
        """Application ids in the arrays' order."""
        return self.applications.ids


def reviewed_applications(rnd: Round):
    """The select of the round's application ids in review or later."""
    return select(Application.id).where(
        Application.round_id == rnd.id, Application.status.in_([s.value for s in REVIEWED_STATUSES])
    )


def read_round(rnd: Round, cs: CriteriaSet, on_site_group: bool) -> RoundInputs:
    """The round's applications, counted reviews and bonus claims, encoded for ``score_encoded``."""
    ids, values, stamps, claimed = _figure_rows(rnd, cs)
    apps = _applications(cs, ids, values, stamps)
    reviews, review_count, verified = _reviews(rnd, cs, ids, on_site_group)
    claims = _claims(cs, ids, [_decoded(c, list) for c in claimed], review_count, verified)
    scopes = None
    if on_site_group:
        scopes = np.stack([expert_scope(cs, kind, True) for kind in KINDS])
    return RoundInputs(apps, reviews, claims, scopes, review_count)


def _figure_rows(rnd: Round, cs: CriteriaSet) -> tuple[np.ndarray, dict[str, list], list, list]:
    """(ids, field key → values, submission times, bonus claims as JSON text) of the reviewed
    applications. The figures come as JSON text, decoded by the C decoder once per application
    (faster than the database extracting each field: it would parse the JSON once per field)."""
    rows = db.session.execute(
        select(
            Application.id,
            Application.submitted_at,
            cast(Application.bonus_claims, Text),
            cast(Application.figures, Text),
        )
        .where(Application.round_id == rnd.id, Application.status.in_([s.value for s in REVIEWED_STATUSES]))
        .order_by(Application.id)
    ).all()
    figures = [_decoded(r[3], dict) for r in rows]
    values = {f.key: [fig.get(f.key) for fig in figures] for f in cs.fields}
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, values, [r[1] for r in rows], [r[2] for r in rows]


def _applications(
    cs: CriteriaSet, ids: np.ndarray, figures: dict[str, list], stamps: list
) -> EncodedApplications:
    n = ids.size
    columns: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    for f in cs.fields:
        values = figures[f.key]
        if f.type in ("int", "float"):
            try:
                columns[f.key] = np.array(values, dtype=np.float64)  # None becomes NaN
            except (TypeError, ValueError):
                columns[f.key] = np.array(values, dtype=object)  # the engine names the bad column
        elif f.type == "bool":
            columns[f.key] = np.fromiter((v is True for v in values), dtype=bool, count=n)
            missing[f.key] = np.fromiter((not isinstance(v, bool) for v in values), dtype=bool, count=n)
        elif f.type == "enum":
            code = {c.value: k for k, c in enumerate(f.choices)}
            columns[f.key] = np.fromiter(
                (-1 if v is None else code.get(v, -2) for v in values), dtype=np.int64, count=n
            )
        elif f.type == "multi":
            code = {c.value: k for k, c in enumerate(f.choices)}
            ticks = np.zeros((n, len(f.choices)), dtype=bool)
            for i, v in enumerate(values):
                for item in v or ():
                    if item in code:
                        ticks[i, code[item]] = True
            columns[f.key] = ticks
        else:
            columns[f.key] = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
    submitted = np.array(
        [
            np.datetime64(as_aware(s).astimezone(UTC).replace(tzinfo=None), "us")
            if s is not None
            else np.datetime64("NaT")
            for s in stamps
        ],
        dtype="datetime64[us]",
    )
    return EncodedApplications(ids=ids, columns=columns, missing=missing, submitted_at=submitted)


def fetch_rows(statement: Any) -> list[tuple]:
    """The rows of a Core select as plain tuples. On PostgreSQL the statement runs on the session's
    own connection through the driver's binary protocol (no hex-encoded bytea, no row objects):
    35,000 reviews with their score bytes come in about a fifth of a second."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return [tuple(r) for r in connection.execute(statement)]
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    with connection.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


def counted_reviews(rnd: Round) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the round's reviews that count (a query joining each review's assignment):
    submitted, of an assignment still active, of an application in review or later."""
    return (
        Review.round_id == rnd.id,
        Review.status == ReviewStatus.SUBMITTED.value,
        Assignment.status == AssignmentStatus.ACTIVE.value,
        Assignment.application_id.in_(reviewed_applications(rnd)),
    )


def _reviews(
    rnd: Round, cs: CriteriaSet, ids: np.ndarray, on_site_group: bool
) -> tuple[EncodedReviews, np.ndarray, list[tuple[int, dict]]]:
    """Score rows of the counted reviews; reviews per application; each review's bonus checks."""
    experts = cs.expert_leaves
    n_ind = len(experts)
    rows = fetch_rows(
        select(
            Assignment.application_id,
            Assignment.reviewer_id,
            Assignment.kind,
            Review.scores,
            # JSON as text: most are empty ([] or {}) and are then never decoded.
            cast(Review.vetoes, Text),
            cast(Review.bonus_verified, Text),
            Review.id,
        )
        .join(Assignment, Review.assignment_id == Assignment.id)
        .where(*counted_reviews(rnd))
    )
    m = len(rows)
    app = np.fromiter((r[0] for r in rows), dtype=np.int64, count=m)
    reviewer = np.fromiter((r[1] for r in rows), dtype=np.int64, count=m)
    kind = np.fromiter((KINDS.index(r[2]) if r[2] in KINDS else 0 for r in rows), dtype=np.int64, count=m)
    # A fixed order (application, reviewer, group) for the input hash, sorted here rather than by
    # the database (whose sort of 35,000 rows with their scores spills to disk).
    order = np.lexsort((kind, reviewer, app))
    if m and (order != np.arange(m)).any():
        rows = [rows[k] for k in order]
        app, reviewer, kind = app[order], reviewer[order], kind[order]
    width = 8 * n_ind
    wrong = [r[6] for r in rows if len(r[3] or b"") != width]
    if wrong:
        raise ServiceError(
            422,
            msg("The scores of some reviews do not match the round's expert indicators."),
            {"reviews": [msg("Review %(id)s holds scores of another length.", id=rid) for rid in wrong[:50]]},
        )
    matrix = (
        np.frombuffer(b"".join(r[3] for r in rows), dtype="<f8").reshape(m, n_ind)
        if m
        else (np.zeros((0, n_ind)))
    )
    groups = np.stack([expert_scope(cs, k, on_site_group) for k in KINDS])  # (2, n_ind)
    scored = ~np.isnan(matrix) & groups[kind]
    r_idx, k_idx = np.nonzero(scored)
    leaf_pos = np.array([j for j, leaf in enumerate(cs.leaves) if leaf.method == "expert"], dtype=np.int64)
    # A counted review is one whose group scores something (without an on-site group, an
    # inspection scores nothing and does not count).
    counts_for = groups.any(axis=1)[kind]
    flag_code = {name: k for k, name in enumerate(flag_names(cs))}
    f_rows, f_codes = [], []
    verified: list[tuple[int, dict]] = []
    for i, r in enumerate(rows):
        if not counts_for[i]:
            continue
        for item in _decoded(r[4], list):
            code = flag_code.get(item.get("flag")) if isinstance(item, dict) else None
            if code is not None:
                f_rows.append(i)
                f_codes.append(code)
        checks = _decoded(r[5], dict)
        if checks:
            verified.append((int(r[0]), checks))
    f_idx = np.array(f_rows, dtype=np.int64)
    encoded = EncodedReviews(
        app=np.concatenate([app[r_idx], app[f_idx]]),
        reviewer=np.concatenate([reviewer[r_idx], reviewer[f_idx]]),
        indicator=np.concatenate(
            [leaf_pos[k_idx] if n_ind else np.zeros(0, np.int64), np.full(f_idx.size, -1, dtype=np.int64)]
        ),
        score=np.concatenate([matrix[r_idx, k_idx], np.full(f_idx.size, np.nan)]),
        flag=np.concatenate([np.full(r_idx.size, -1, dtype=np.int64), np.array(f_codes, dtype=np.int64)]),
        scope=np.concatenate([kind[r_idx], kind[f_idx]]),
    )
    position = np.searchsorted(ids, app[counts_for]) if ids.size else np.zeros(0, dtype=np.int64)
    review_count = np.bincount(position, minlength=ids.size)[: ids.size]
    return encoded, review_count, verified


def _decoded(text: str | None, kind: type) -> Any:
    """A JSON column read as text, decoded only when it holds something."""
    if not text or text in ("[]", "{}", "null"):
        return kind()
    value = json.loads(text)
    return value if isinstance(value, kind) else kind()


def _claims(
    cs: CriteriaSet,
    ids: np.ndarray,
    claims: list[list],
    review_count: np.ndarray,
    verified: list[tuple[int, dict]],
) -> EncodedClaims:
    """Claimed items that a majority of the application's counted reviews verified."""
    claimable = {b.id: k for k, b in enumerate(cs.bonus_items) if b.when is None}
    yes: dict[tuple[int, str], int] = {}
    for app_id, checks in verified:
        for item, ok in checks.items():
            if ok is True:
                yes[(app_id, item)] = yes.get((app_id, item), 0) + 1
    apps, items = [], []
    for i, claimed in enumerate(claims):
        app_id = int(ids[i])
        for item in dict.fromkeys(x for x in claimed if isinstance(x, str)):
            if item in claimable and 2 * yes.get((app_id, item), 0) > review_count[i]:
                apps.append(app_id)
                items.append(claimable[item])
    return EncodedClaims(app=np.array(apps, dtype=np.int64), item=np.array(items, dtype=np.int64))


def input_sha256(inputs: RoundInputs, cs: CriteriaSet) -> str:
    """SHA-256 over the encoded inputs in a fixed order (fields in criteria order, then the
    reviews, the claims and the groups), so the same data always gives the same hash."""
    h = hashlib.sha256()

    def add(name: str, arr: np.ndarray | None) -> None:
        h.update(name.encode())
        if arr is None:
            h.update(b"-")
            return
        a = np.ascontiguousarray(arr)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        if a.dtype.kind == "O":
            h.update("\x1f".join("" if v is None else str(v) for v in a.ravel()).encode())
        else:
            h.update(a.tobytes())

    apps = inputs.applications
    add("ids", apps.ids)
    add("submitted_at", apps.submitted_at)
    for f in cs.fields:
        add(f"col:{f.key}", apps.columns.get(f.key))
        add(f"missing:{f.key}", apps.missing.get(f.key))
    rv = inputs.reviews
    for name in ("app", "reviewer", "indicator", "score", "flag", "scope"):
        add(f"reviews.{name}", getattr(rv, name))
    add("claims.app", inputs.claims.app)
    add("claims.item", inputs.claims.item)
    add("scopes", inputs.scopes)
    return h.hexdigest()
