"""Conflict rules: which (application, reviewer) pairs are allowed, and checking any assignment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from evaluator.messages import Message, msg
from evaluator.workflow import RegionLevel

from .problem import AssignmentProblem, ConflictRules


def region_key(code: str, level: str) -> str:
    """The part of a region code the same-region rule compares: county ``xxxxxx`` or city ``xxxx00``."""
    return code[:6] if level == RegionLevel.COUNTY else code[:4] + "00"


@dataclass(frozen=True)
class ConflictMatrices:
    """Boolean (applications × reviewers) matrices, one per rule, and ``allowed`` = none of them."""

    region: np.ndarray
    affiliation: np.ndarray
    declared: np.ndarray
    allowed: np.ndarray

    def reasons(self, a: int) -> tuple[int, int, int]:
        """For application row ``a``: reviewers excluded by region, else affiliation, else declared only."""
        region = self.region[a]
        affiliation = self.affiliation[a] & ~region
        declared = self.declared[a] & ~region & ~self.affiliation[a]
        return int(region.sum()), int(affiliation.sum()), int(declared.sum())


def conflict_matrices(problem: AssignmentProblem) -> ConflictMatrices:
    """The conflict matrices of a problem under its rules."""
    rules: ConflictRules = problem.rules
    n, m = len(problem.application_ids), len(problem.reviewer_ids)
    region = np.zeros((n, m), dtype=bool)
    if rules.same_region and n and m:
        keys: dict[str, int] = {}
        app_key = np.array(
            [
                keys.setdefault(region_key(c, rules.region_level), len(keys))
                for c in problem.application_counties
            ],
            dtype=np.int64,
        )
        rev_key = np.array(
            [keys.setdefault(region_key(c, rules.region_level), len(keys)) for c in problem.reviewer_regions],
            dtype=np.int64,
        )
        region = app_key[:, None] == rev_key[None, :]
    affiliation = np.zeros((n, m), dtype=bool)
    if rules.same_affiliation:
        holders: dict[str, tuple[list[int], list[int]]] = {}
        for i, ks in enumerate(problem.application_affiliations):
            for k in ks:
                holders.setdefault(k, ([], []))[0].append(i)
        for j, ks in enumerate(problem.reviewer_affiliations):
            for k in ks:
                if k in holders:
                    holders[k][1].append(j)
        for apps, revs in holders.values():
            if apps and revs:
                affiliation[np.ix_(apps, revs)] = True
    declared = np.zeros((n, m), dtype=bool)
    if rules.declared and problem.conflicts:
        a_index = {a: i for i, a in enumerate(problem.application_ids)}
        r_index = {r: j for j, r in enumerate(problem.reviewer_ids)}
        rows = [a_index[a] for a, _ in problem.conflicts]
        cols = [r_index[r] for _, r in problem.conflicts]
        declared[rows, cols] = True
    allowed = ~(region | affiliation | declared)
    return ConflictMatrices(region, affiliation, declared, allowed)


def validate_assignment(
    problem: AssignmentProblem,
    application_ids: Iterable[Hashable],
    reviewer_ids: Iterable[Hashable],
    *,
    incomplete: Iterable[Hashable] = (),
    max_load: int | None = None,
) -> list[Message]:
    """Every way the pairs break the rules; empty when the assignment is valid.

    Checked: unknown ids, repeated pairs, each conflict rule, loads above the cap (``max_load`` or
    the problem's) and panels that are not exactly ``per_application`` reviewers — except that the
    applications in ``incomplete`` (e.g. a result's uncovered ones) may have fewer.
    """
    apps, revs = list(application_ids), list(reviewer_ids)
    violations: list[Message] = []
    if len(apps) != len(revs):
        return [msg("%(apps)s application ids but %(revs)s reviewer ids.", apps=len(apps), revs=len(revs))]
    a_index = {a: i for i, a in enumerate(problem.application_ids)}
    r_index = {r: j for j, r in enumerate(problem.reviewer_ids)}
    matrices = conflict_matrices(problem)
    seen: set[tuple[int, int]] = set()
    panel = Counter()
    load = Counter({j: int(v) for j, v in enumerate(problem.reviewer_loads) if v})
    for a, r in zip(apps, revs, strict=True):
        if a not in a_index or r not in r_index:
            violations.append(msg("Unknown pair: application %(app)s, reviewer %(rev)s.", app=a, rev=r))
            continue
        i, j = a_index[a], r_index[r]
        if (i, j) in seen:
            violations.append(msg("Reviewer %(rev)s is assigned twice to application %(app)s.", rev=r, app=a))
            continue
        seen.add((i, j))
        panel[i] += 1
        load[j] += 1
        if matrices.region[i, j]:
            violations.append(
                msg("Reviewer %(rev)s is from the same region as application %(app)s.", rev=r, app=a)
            )
        if matrices.affiliation[i, j]:
            violations.append(
                msg("Reviewer %(rev)s shares an affiliation with application %(app)s.", rev=r, app=a)
            )
        if matrices.declared[i, j]:
            violations.append(
                msg("Reviewer %(rev)s declared a conflict with application %(app)s.", rev=r, app=a)
            )
    cap = problem.cap if max_load is None else max_load
    for j, count in sorted(load.items()):
        if count > cap:
            violations.append(
                msg(
                    "Reviewer %(rev)s has %(load)s applications, more than the maximum %(cap)s.",
                    rev=problem.reviewer_ids[j],
                    load=count,
                    cap=cap,
                )
            )
    exempt = set(incomplete)
    need = problem.per_application
    for i, a in enumerate(problem.application_ids):
        got = panel.get(i, 0)
        if got > need or (got < need and a not in exempt):
            violations.append(
                msg("Application %(app)s has %(got)s reviewers, %(need)s needed.", app=a, got=got, need=need)
            )
    return violations
