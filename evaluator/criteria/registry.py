"""The registry of indicator methods: how a leaf turns figures into a share of its points.

A method is one named entry: a marshmallow schema for its ``params`` (whose ``post_load`` builds
the params object), a vectorised scoring function, the fields it reads, the cross-checks it
needs against the declared fields, and a sentence explaining one application's score. Adding a
kind of indicator is one function and one :func:`register` call (see :mod:`.methods`).

Scoring functions take a :class:`Figures` table and return, for every application, a share of
the leaf's points in [0, 1], or NaN where a figure the method needs is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from marshmallow import Schema

from evaluator.criteria.model import Field
from evaluator.messages import msg


class Figures(Protocol):
    """Column access to the applications' figures, as scoring functions need them."""

    def number(self, key: str) -> np.ndarray:
        """Float values (booleans as 0/1), NaN where missing."""

    def codes(self, key: str) -> np.ndarray:
        """Enum choice indexes into the field's choices, -1 where missing."""

    def ticks(self, key: str) -> np.ndarray:
        """Multi-choice ticks as an (n, choices) boolean matrix."""

    def missing(self, key: str) -> np.ndarray:
        """Boolean mask of applications without this figure."""

    def choices(self, key: str) -> tuple[str, ...]:
        """The choice values of an enum or multi field, in order."""


Problem = tuple[str, str]
"""A problem found in a leaf's params: (path below the leaf, message)."""


@dataclass(frozen=True)
class Method:
    """A named way of scoring a leaf."""

    name: str
    schema: type[Schema] | None
    score: Callable[[Any, Figures, float], np.ndarray]
    uses: Callable[[Any], tuple[str, ...]]
    check: Callable[[Any, Mapping[str, Field], float], list[Problem]]
    describe: Callable[[Any, Mapping[str, Any]], str]
    label: str = ""  # what people read for the method (English; the catalogs translate it)


REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a method to the registry under its name."""
    REGISTRY[method.name] = method
    return method


def get_method(name: str) -> Method | None:
    """The registered method of this name, or None."""
    return REGISTRY.get(name)


def method_labels() -> dict[str, str]:
    """What people read for each method, by name (English; the catalogs translate them)."""
    return {name: method.label or name for name, method in REGISTRY.items()}


def known_methods() -> list[str]:
    """Names of all registered methods."""
    return sorted(REGISTRY)


def field_problems(
    declared: Mapping[str, Field], key: str | None, types: tuple[str, ...], where: str
) -> list[Problem]:
    """Problems with a field reference: undeclared, or of a type the method cannot read."""
    if key is None:
        return []
    f = declared.get(key)
    if f is None:
        return [(where, msg("field '%(key)s' is not declared in fields", key=key))]
    if f.type not in types and len(types) == 1:
        return [
            (
                where,
                msg(
                    "field '%(key)s' is %(type)s; this needs %(needed)s",
                    key=key,
                    type=f.type,
                    needed=types[0],
                ),
            )
        ]
    if f.type not in types:
        return [
            (
                where,
                msg(
                    "field '%(key)s' is %(type)s; this needs one of: %(types)s",
                    key=key,
                    type=f.type,
                    types=list(types),
                ),
            )
        ]
    return []


def fmt(x: Any) -> str:
    """A figure for explanations: thousands separators, no needless decimals, '—' if missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, float) and x.is_integer():
        return f"{int(x):,}"
    if isinstance(x, float):
        return f"{x:,.4g}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)
