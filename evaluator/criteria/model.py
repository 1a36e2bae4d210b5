"""The loaded, validated form of a criteria set: immutable dataclasses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One choice of an enum or multi-choice field."""

    value: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Field:
    """A figure on the application form."""

    key: str
    label: str
    label_en: str
    type: str
    unit: str | None = None
    unit_en: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = False
    choices: tuple[Choice, ...] = ()
    help: str | None = None
    help_en: str | None = None
    # Another number field this one cannot be below if both are true (residents ≥ households): the
    # intake warns when it is (``applications.intake``), it never refuses.
    at_least: str | None = None

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The machine values of the choices, in order."""
        return tuple(c.value for c in self.choices)

    @property
    def numeric(self) -> bool:
        """Whether the field holds a number (int or float)."""
        return self.type in ("int", "float")


@dataclass(frozen=True)
class Material:
    """A kind of evidence material applicants upload."""

    key: str
    name: str
    name_en: str


@dataclass(frozen=True)
class AHPInfo:
    """An AHP judgement matrix with the weights and consistency derived from it."""

    matrix: tuple[tuple[float, ...], ...]
    ri_table: str
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float


@dataclass(frozen=True, eq=False)
class Indicator:
    """A node of the indicator tree with its effective points."""

    id: str
    name: str
    name_en: str
    level: int
    points: float
    share_of_parent: float
    allocation: str
    section: str
    parent: str | None
    path: str
    children: tuple[Indicator, ...] = ()
    method: str | None = None
    params: Any = None
    check: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    guidance: str | None = None
    guidance_en: str | None = None
    ahp: AHPInfo | None = None

    @property
    def is_leaf(self) -> bool:
        """Whether this node is scored directly (it has a method)."""
        return not self.children

    def walk(self) -> Iterator[Indicator]:
        """This node and all its descendants, depth first, in file order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Condition:
    """A test on one application figure: ``field op value``."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Veto:
    """A veto item: a reviewer flag or a condition on a figure that disqualifies."""

    id: str
    reason: str
    reason_en: str
    flag: str | None = None
    min_flags: int = 1
    when: Condition | None = None


@dataclass(frozen=True)
class BonusItem:
    """A bonus item, awarded by its condition or by an explicit claim."""

    id: str
    name: str
    name_en: str
    points: float
    when: Condition | None = None


@dataclass(frozen=True)
class Grade:
    """A grade band; the first band whose conditions hold is an application's grade."""

    code: str
    label: str
    label_en: str
    min_total: float | None = None
    min_section_share: float | None = None
    recognised: bool = False


@dataclass(frozen=True)
class Aggregation:
    """How reviewers' scores on an expert indicator are combined."""

    method: str = "trimmed_mean"
    trim_from: int = 5
    min_reviews: int = 3
    calibration: str = "none"
    calibration_min_scores: int = 3
    partial_reviews: str = "error"


@dataclass(frozen=True)
class Ranking:
    """How eligible applications are ordered."""

    method: str = "weighted_sum"
    topsis_weights: str = "criteria"
    topsis_normalization: str = "vector"
    tie_break: tuple[str, ...] = ("total", "sections", "submitted_at", "id")


@dataclass(frozen=True, eq=False)
class CriteriaSet:
    """A validated criteria set: identity, form fields, indicator tree and rules."""

    id: str
    version: str
    title: str
    title_en: str
    zone_type: str
    scale: float
    fields: tuple[Field, ...]
    materials: tuple[Material, ...]
    indicators: tuple[Indicator, ...]
    vetoes: tuple[Veto, ...]
    bonus_items: tuple[BonusItem, ...]
    bonus_cap: float
    grades: tuple[Grade, ...]
    aggregation: Aggregation
    ranking: Ranking
    sha256: str
    source: Mapping[str, Any] = field(repr=False, default_factory=dict)
    description: str | None = None
    description_en: str | None = None
    root_ahp: AHPInfo | None = None

    def walk(self) -> Iterator[Indicator]:
        """Every node of the tree, depth first, in file order."""
        for section in self.indicators:
            yield from section.walk()

    @cached_property
    def leaves(self) -> tuple[Indicator, ...]:
        """The scored indicators, in file order."""
        return tuple(node for node in self.walk() if node.is_leaf)

    @cached_property
    def expert_leaves(self) -> tuple[Indicator, ...]:
        """Leaves scored by reviewers."""
        return tuple(leaf for leaf in self.leaves if leaf.method == "expert")

    @cached_property
    def auto_leaves(self) -> tuple[Indicator, ...]:
        """Leaves scored from the application's figures."""
        return tuple(leaf for leaf in self.leaves if leaf.method != "expert")

    @cached_property
    def field_map(self) -> dict[str, Field]:
        """Fields by key."""
        return {f.key: f for f in self.fields}

    @cached_property
    def node_map(self) -> dict[str, Indicator]:
        """Every tree node by id."""
        return {node.id: node for node in self.walk()}

    @cached_property
    def veto_flags(self) -> frozenset[str]:
        """The reviewer flags that some veto item listens to."""
        return frozenset(v.flag for v in self.vetoes if v.flag)

    @cached_property
    def bonus_map(self) -> dict[str, BonusItem]:
        """Bonus items by id."""
        return {b.id: b for b in self.bonus_items}
