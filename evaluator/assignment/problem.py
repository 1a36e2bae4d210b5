"""The inputs and the result of reviewer assignment, as plain dataclasses and numpy arrays."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from evaluator.messages import Message, msg
from evaluator.workflow import RegionLevel

MAX_SECTIONS = 62  # expertise is held as bits of an int64


@dataclass(frozen=True)
class ConflictRules:
    """Which conflict rules apply.

    ``same_region``: a reviewer does not review an application from their own region — the
    county (first 6 digits of the codes) or, with ``region_level="city"``, the city (first 4 digits
    + ``00``). ``same_affiliation``: no overlap of affiliation keys. ``declared``: the declared
    (application, reviewer) pairs.
    """

    same_region: bool = True
    region_level: RegionLevel = RegionLevel.COUNTY
    same_affiliation: bool = True
    declared: bool = True

    def __post_init__(self):
        if self.region_level not in tuple(RegionLevel):
            raise ValueError(
                msg("Unknown region level %(level)s: use county or city.", level=self.region_level)
            )


class ProblemError(ValueError):
    """Inputs that cannot be assigned; ``errors`` lists every problem as a message."""

    def __init__(self, errors: list[Message]):
        self.errors = errors
        super().__init__("; ".join(errors))


def _keys(values: Iterable[str] | str | None) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [values]
    return frozenset(str(v).strip() for v in values if str(v).strip())


@dataclass(frozen=True)
class AssignmentProblem:
    """One round's assignment: applications, the reviewer roster, the rules and the settings.

    The per-application sequences are aligned with ``application_ids``, the per-reviewer ones with
    ``reviewer_ids``. ``conflicts`` are declared (application id, reviewer id) pairs. Expertise keys
    that are not among ``sections`` are ignored. ``max_load`` is each reviewer's cap; by default
    ``ceil((applications × per_application + held) / reviewers) + slack``. ``reviewer_loads``: the
    assignments each reviewer already holds (of earlier runs), counted against the cap; the pairs
    already made are the caller's to forbid (as declared conflicts), so the problem is the remaining
    need only.
    """

    application_ids: Sequence[Hashable]
    application_counties: Sequence[str]
    application_affiliations: Sequence[Iterable[str]]
    reviewer_ids: Sequence[Hashable]
    reviewer_regions: Sequence[str]
    reviewer_affiliations: Sequence[Iterable[str]]
    reviewer_expertise: Sequence[Iterable[str]]
    sections: Sequence[str]
    conflicts: Iterable[tuple[Hashable, Hashable]] = ()
    per_application: int = 5
    max_load: int | None = None
    slack: int = 1
    rules: ConflictRules = field(default_factory=ConflictRules)
    seed: int = 0
    reviewer_loads: Sequence[int] = ()  # assignments each reviewer holds already (counted against the cap)

    def __post_init__(self):
        set_ = object.__setattr__
        for name in (
            "application_ids",
            "application_counties",
            "reviewer_ids",
            "reviewer_regions",
            "sections",
        ):
            set_(self, name, tuple(getattr(self, name)))
        for name in ("application_affiliations", "reviewer_affiliations", "reviewer_expertise"):
            set_(self, name, tuple(_keys(v) for v in getattr(self, name)))
        set_(self, "application_counties", tuple(str(c).strip() for c in self.application_counties))
        set_(self, "reviewer_regions", tuple(str(c).strip() for c in self.reviewer_regions))
        set_(self, "sections", tuple(str(s) for s in self.sections))
        set_(self, "conflicts", tuple((a, r) for a, r in self.conflicts))
        set_(self, "reviewer_loads", tuple(self.reviewer_loads))
        errors = self._problems()
        if errors:
            raise ProblemError(errors)

    def _problems(self) -> list[Message]:
        errors: list[Message] = []
        n, m = len(self.application_ids), len(self.reviewer_ids)
        for name, size, expected in (
            ("application_counties", len(self.application_counties), n),
            ("application_affiliations", len(self.application_affiliations), n),
            ("reviewer_regions", len(self.reviewer_regions), m),
            ("reviewer_affiliations", len(self.reviewer_affiliations), m),
            ("reviewer_expertise", len(self.reviewer_expertise), m),
            ("reviewer_loads", len(self.reviewer_loads), len(self.reviewer_loads) and m),
        ):
            if size != expected:
                errors.append(
                    msg(
                        "%(name)s has %(size)s entries, %(expected)s expected.",
                        name=name,
                        size=size,
                        expected=expected,
                    )
                )
        for name, ids in (("application_ids", self.application_ids), ("reviewer_ids", self.reviewer_ids)):
            if len(set(ids)) != len(ids):
                errors.append(msg("%(name)s are not unique.", name=name))
        if len(set(self.sections)) != len(self.sections):
            errors.append(msg("The sections are not unique."))
        if len(self.sections) > MAX_SECTIONS:
            errors.append(msg("At most %(max)s sections.", max=MAX_SECTIONS))
        if not isinstance(self.per_application, int) or self.per_application < 1:
            errors.append(msg("Reviewers per application must be a whole number of at least 1."))
        if self.max_load is not None and (not isinstance(self.max_load, int) or self.max_load < 0):
            errors.append(msg("The maximum load must be a whole number of at least 0."))
        if not isinstance(self.slack, int) or self.slack < 0:
            errors.append(msg("The load slack must be a whole number of at least 0."))
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in self.reviewer_loads):
            errors.append(msg("The reviewers' current loads must be whole numbers of at least 0."))
        codes = [*self.application_counties, *self.reviewer_regions]
        bad = sorted({c for c in codes if len(c) < 6 or not c[:6].isdigit()})
        if bad:
            errors.append(msg("Region codes need at least 6 digits: %(codes)s.", codes=bad[:10]))
        apps, revs = set(self.application_ids), set(self.reviewer_ids)
        unknown = sorted({str(p) for p in self.conflicts if p[0] not in apps or p[1] not in revs})
        if unknown:
            errors.append(msg("Declared conflicts with unknown ids: %(pairs)s.", pairs=unknown[:10]))
        return errors

    @property
    def cap(self) -> int:
        """Each reviewer's maximum load."""
        if self.max_load is not None:
            return self.max_load
        m = len(self.reviewer_ids)
        if m == 0:
            return 0
        held = sum(self.reviewer_loads)
        return math.ceil((len(self.application_ids) * self.per_application + held) / m) + self.slack

    def initial_loads(self) -> np.ndarray:
        """The assignments each reviewer holds already (zeros unless ``reviewer_loads`` is given)."""
        if not self.reviewer_loads:
            return np.zeros(len(self.reviewer_ids), np.int64)
        return np.asarray(self.reviewer_loads, dtype=np.int64)

    def expertise_masks(self) -> np.ndarray:
        """Each reviewer's expertise among the sections, as bits of an int64 (bit i = section i)."""
        index = {s: i for i, s in enumerate(self.sections)}
        return np.array(
            [sum(1 << index[s] for s in e if s in index) for e in self.reviewer_expertise], dtype=np.int64
        )


@dataclass(frozen=True)
class Uncovered:
    """An application that gets no panel, with why (``reason``, translatable)."""

    application_id: Hashable
    candidates: int  # reviewers without a conflict
    reason: Message


@dataclass(frozen=True)
class Assignment:
    """The result: pairs, loads, coverage, what could not be covered, and how the solve went.

    ``application_ids``/``reviewer_ids`` are the pairs (aligned arrays, sorted by application then
    reviewer order of the inputs). ``loads`` is aligned with the problem's reviewers;
    ``sections_covered``, ``coverable`` (sections some allowed expert could cover) and ``coverage``
    (covered / all sections) with its applications — 0 for the uncovered ones, which
    ``overall_coverage`` (covered (application, section) pairs / all, over the assigned
    applications) leaves out. ``objective`` is the number of covered (application, section) pairs;
    ``flow_cost`` the min-cost flow's optimal cost; ``max_flow`` the maximum flow over all
    applications before any was dropped.
    """

    application_ids: np.ndarray
    reviewer_ids: np.ndarray
    loads: np.ndarray
    cap: int
    uncovered: tuple[Uncovered, ...]
    sections_covered: np.ndarray
    coverable: np.ndarray
    coverage: np.ndarray
    overall_coverage: float
    fully_covered: int
    objective: int
    flow_cost: int
    max_flow: int
    status: str
    solver_status: str
    seconds: float
    timings: dict[str, float]

    @property
    def n_pairs(self) -> int:
        """How many (application, reviewer) pairs were assigned."""
        return int(self.application_ids.size)

    def panels(self) -> dict[Hashable, list[Hashable]]:
        """Application id → its reviewers' ids."""
        out: dict[Hashable, list[Hashable]] = {}
        for a, r in zip(self.application_ids.tolist(), self.reviewer_ids.tolist(), strict=True):
            out.setdefault(a, []).append(r)
        return out
