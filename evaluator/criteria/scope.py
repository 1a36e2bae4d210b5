"""Which expert indicators an assignment scores: the materials review, or the on-site inspection.

With a round's on-site group switched on, the expert indicators checked on site (``check``
includes ``on_site``, 现场查看) are scored by the inspection group and the others by the materials
panel; otherwise the materials panel scores every expert indicator.
"""

from __future__ import annotations

import numpy as np

from evaluator.criteria.model import CriteriaSet
from evaluator.workflow import AssignmentKind

ON_SITE = "on_site"


def on_site_mask(criteria: CriteriaSet) -> np.ndarray:
    """Per expert indicator (``criteria.expert_leaves`` order): whether it is checked on site."""
    return np.array([ON_SITE in leaf.check for leaf in criteria.expert_leaves], dtype=bool)


def expert_scope(criteria: CriteriaSet, kind: str, on_site_group: bool) -> np.ndarray:
    """Per expert indicator: whether an assignment of ``kind`` (materials | on_site) scores it."""
    on_site = on_site_mask(criteria)
    materials = kind == AssignmentKind.MATERIALS
    if not on_site_group:
        return np.ones(on_site.shape, dtype=bool) if materials else np.zeros(on_site.shape, bool)
    return ~on_site if materials else on_site
