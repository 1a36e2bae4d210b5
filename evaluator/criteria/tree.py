"""Build the indicator tree: share each parent's points among its children and check leaves.

Problems are collected, never raised, so that a file's every mistake is reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import ValidationError

from evaluator.criteria.ahp import RI_TABLES, ahp, check_matrix
from evaluator.criteria.model import AHPInfo, Field, Indicator
from evaluator.criteria.registry import get_method, known_methods
from evaluator.criteria.schema import flatten_errors
from evaluator.messages import msg

Errors = dict[str, list[str]]
CR_LIMIT = 0.10
TOLERANCE = 1e-9


def add_error(errors: Errors, path: str, message: str) -> None:
    """Record one problem at a path."""
    errors.setdefault(path, []).append(message)


def derive_ahp(spec: Mapping[str, Any], n_children: int, path: str, errors: Errors) -> AHPInfo | None:
    """Weights from an AHP block, or None after recording why they cannot be derived."""
    matrix = spec.get("matrix") or []
    table = spec.get("ri_table", "saaty1980")
    ok = True
    if table not in RI_TABLES:
        add_error(
            errors,
            f"{path}.ri_table",
            msg(
                "unknown random-index table '%(table)s'; known: %(known)s",
                table=str(table),
                known=sorted(RI_TABLES),
            ),
        )
        ok = False
    if len(matrix) != n_children:
        add_error(
            errors,
            f"{path}.matrix",
            msg(
                "matrix has %(rows)s rows but the node has %(children)s children",
                rows=len(matrix),
                children=n_children,
            ),
        )
        ok = False
    for message in check_matrix(matrix):
        add_error(errors, f"{path}.matrix", message)
        ok = False
    if not ok:
        return None
    result = ahp(matrix, ri_table=table)
    if result.cr > CR_LIMIT:
        add_error(
            errors,
            f"{path}.matrix",
            msg(
                "consistency ratio CR = %(cr)s exceeds %(limit)s (λmax = %(lambda_max)s, CI = %(ci)s); "
                "revise the judgements",
                cr=format(result.cr, ".3f"),
                limit=format(CR_LIMIT, ".2f"),
                lambda_max=format(result.lambda_max, ".4f"),
                ci=format(result.ci, ".4f"),
            ),
        )
        return None
    return AHPInfo(
        matrix=tuple(tuple(float(v) for v in row) for row in matrix),
        ri_table=table,
        weights=tuple(float(w) for w in result.weights),
        lambda_max=float(result.lambda_max),
        ci=float(result.ci),
        cr=float(result.cr),
    )


def allocate(
    children: list[Mapping[str, Any]],
    parent_points: float,
    ahp_spec: Mapping[str, Any] | None,
    path: str,
    errors: Errors,
    total_path: str,
    refused: Callable[..., bool] = lambda path, inside=False: False,
) -> tuple[list[float], str, AHPInfo | None]:
    """Share a parent's points among its children; return (points, allocation, ahp info).

    Where the shares cannot be known — the structure check ``refused`` a value they depend on,
    or the children mix modes — the children get NaN points, so nothing downstream reports
    a false second problem.
    """
    n = len(children)
    unknown = [math.nan] * n
    ahp_path = f"{total_path}.ahp" if total_path else "ahp"
    if (
        n == 0
        or refused(path)
        or any(
            refused(f"{path}[{i}]") or refused(f"{path}[{i}].points") or refused(f"{path}[{i}].weight")
            for i in range(n)
        )
    ):  # exact paths: a child refused as a whole, or its points or weight
        return unknown, "points", None
    has_points = [c.get("points") is not None for c in children]
    has_weight = [c.get("weight") is not None for c in children]
    if ahp_spec is not None:
        if any(has_points) or any(has_weight):
            add_error(errors, path, msg("children of an AHP-weighted node carry neither points nor weight"))
        if refused(ahp_path, inside=True):
            return unknown, "ahp", None
        info = derive_ahp(ahp_spec, n, ahp_path, errors)
        if info is None:
            return unknown, "ahp", None
        return [parent_points * w for w in info.weights], "ahp", info
    if all(has_points) and not any(has_weight):
        pts = [float(c["points"]) for c in children]
        if abs(sum(pts) - parent_points) > TOLERANCE * max(1.0, parent_points):
            where = f"{total_path}.points" if total_path else "scale"
            add_error(
                errors,
                where,
                msg(
                    "children's points add up to %(sum)s, not %(points)s",
                    sum=format(sum(pts), "g"),
                    points=format(parent_points, "g"),
                ),
            )
        return pts, "points", None
    if all(has_weight) and not any(has_points):
        total = sum(float(c["weight"]) for c in children)
        return [parent_points * float(c["weight"]) / total for c in children], "weight", None
    add_error(
        errors,
        path,
        msg(
            "every child needs 'points', or every child a relative 'weight', "
            "or the parent an 'ahp' matrix (not a mix)"
        ),
    )
    return unknown, "points", None


class TreeBuilder:
    """Turns loaded indicator dicts into :class:`Indicator` nodes, recording problems."""

    def __init__(self, fields: Mapping[str, Field], materials: set[str], errors: Errors):
        self.fields = fields
        self.materials = materials
        self.errors = errors
        self.structural = tuple(errors)  # paths the structure check already refused
        self.seen: dict[str, str] = {}

    def refused(self, path: str, inside: bool = False) -> bool:
        """Whether the structure check refused this path (or, with ``inside``, anything in it)."""
        if not inside:
            return path in self.structural
        return any(p == path or p.startswith((f"{path}.", f"{path}[")) for p in self.structural)

    def build_level(
        self,
        nodes: list[Mapping[str, Any]],
        parent_points: float,
        ahp_spec: Mapping[str, Any] | None,
        path: str,
        parent: Indicator | None,
    ) -> tuple[list[Indicator], AHPInfo | None]:
        """Build the children of one parent (``path`` is the list's own path)."""
        parent_path = parent.path if parent else ""
        points, allocation, info = allocate(
            nodes, parent_points, ahp_spec, path, self.errors, parent_path, self.refused
        )
        built = []
        for i, (node, pts) in enumerate(zip(nodes, points, strict=True)):
            share = pts / parent_points if parent_points else math.nan
            built.append(self.build_node(node, pts, share, allocation, f"{path}[{i}]", parent))
        return built, info

    def build_node(
        self,
        node: Mapping[str, Any],
        points: float,
        share: float,
        allocation: str,
        path: str,
        parent: Indicator | None,
    ) -> Indicator:
        """Build one node and, recursively, its subtree."""
        node_id = node.get("id", f"?{path}")
        if node_id in self.seen:
            add_error(
                self.errors,
                f"{path}.id",
                msg("duplicate id '%(id)s' (also at %(other)s)", id=str(node_id), other=self.seen[node_id]),
            )
        else:
            self.seen[node_id] = path
        level = 1 if parent is None else parent.level + 1
        common = dict(
            id=node_id,
            name=node.get("name", ""),
            name_en=node.get("name_en", ""),
            level=level,
            points=points,
            share_of_parent=share,
            allocation=allocation,
            section=parent.section if parent else node_id,
            parent=parent.id if parent else None,
            path=path,
            guidance=node.get("guidance"),
            guidance_en=node.get("guidance_en"),
        )
        children = node.get("children")
        if children:
            for key in ("method", "params", "check", "evidence"):
                if node.get(key):
                    add_error(self.errors, f"{path}.{key}", msg("a node with children is not scored itself"))
            shell = Indicator(**common)
            kids, info = self.build_level(children, points, node.get("ahp"), f"{path}.children", shell)
            return Indicator(**common, children=tuple(kids), ahp=info)
        if node.get("ahp") is not None:
            add_error(self.errors, f"{path}.ahp", msg("an AHP matrix needs children to weight"))
        return self.build_leaf(node, common, path)

    def build_leaf(self, node: Mapping[str, Any], common: dict[str, Any], path: str) -> Indicator:
        """Check a leaf's method, params, check kinds and evidence."""
        name = node.get("method")
        method = get_method(name) if name else None
        params: Any = None
        if name is None:
            add_error(self.errors, f"{path}.method", msg("a leaf needs a method (or children)"))
        elif method is None:
            add_error(
                self.errors,
                f"{path}.method",
                msg("unknown method '%(name)s'; known: %(known)s", name=str(name), known=known_methods()),
            )
        elif method.schema is None:
            if node.get("params"):
                add_error(self.errors, f"{path}.params", msg("method '%(name)s' takes no params", name=name))
        else:
            try:
                params = method.schema().load(node.get("params") or {})
            except ValidationError as err:
                for p, msgs in flatten_errors(err.messages, f"{path}.params").items():
                    self.errors.setdefault(p, []).extend(msgs)
            else:
                for where, message in method.check(params, self.fields, common["points"]):
                    add_error(self.errors, f"{path}.{where}", message)
        if not node.get("check"):
            add_error(
                self.errors, f"{path}.check", msg("say how it is checked: materials, on_site, survey or data")
            )
        for i, key in enumerate(node.get("evidence") or []):
            if key not in self.materials:
                add_error(
                    self.errors,
                    f"{path}.evidence[{i}]",
                    msg("material '%(key)s' is not declared in materials", key=str(key)),
                )
        return Indicator(
            **common,
            method=name,
            params=params,
            check=tuple(node.get("check") or ()),
            evidence=tuple(node.get("evidence") or ()),
        )
