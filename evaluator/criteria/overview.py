"""A criteria set at a glance: its identity and its indicator tree with effective points, for the API
and the pages alike."""

from __future__ import annotations

from typing import Any

from evaluator.criteria.model import CriteriaSet


def summary(cs: CriteriaSet) -> dict[str, Any]:
    """Identity of a criteria set."""
    return {
        "id": cs.id,
        "version": cs.version,
        "title": cs.title,
        "title_en": cs.title_en,
        "zone_type": cs.zone_type,
        "scale": cs.scale,
        "sha256": cs.sha256,
    }


def tree(cs: CriteriaSet) -> list[dict[str, Any]]:
    """Every node, depth first, with its effective points, share of the scale and AHP consistency."""
    return [
        {
            "id": n.id,
            "name": n.name,
            "name_en": n.name_en,
            "level": n.level,
            "parent": n.parent,
            "points": round(n.points, 9),
            "weight": round(n.points / cs.scale, 9),
            "allocation": n.allocation,
            "method": n.method,
            "check": list(n.check),
            "evidence": list(n.evidence),
            "ahp": None
            if n.ahp is None
            else {"weights": list(n.ahp.weights), "cr": n.ahp.cr, "lambda_max": n.ahp.lambda_max},
        }
        for n in cs.walk()
    ]
