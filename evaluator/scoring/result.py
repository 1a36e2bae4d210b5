"""The scored round: arrays for speed, a results table and per-application explanations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.criteria.registry import get_method
from evaluator.messages import msg
from evaluator.scoring.figures import FigureTable
from evaluator.scoring.reviews import Reviews
from evaluator.workflow import ResultStatus


@dataclass(eq=False)
class RoundResult:
    """Everything the engine worked out for a round, application by application."""

    criteria: CriteriaSet
    figures: FigureTable
    reviews: Reviews
    leaf_points: np.ndarray
    raw_expert: np.ndarray
    missing_figure: np.ndarray
    sections: np.ndarray
    base: np.ndarray
    bonus: np.ndarray
    bonus_awarded: np.ndarray
    total: np.ndarray
    vetoes: np.ndarray
    vetoed: np.ndarray
    complete: np.ndarray
    n_reviews: np.ndarray
    grade: np.ndarray
    rank: np.ndarray
    percentile: np.ndarray
    closeness: np.ndarray | None = None

    @property
    def ids(self) -> np.ndarray:
        """Application ids in input order."""
        return self.figures.ids

    @property
    def notes(self) -> list[str]:
        """Treatments applied to the input that a reader should know about."""
        return self.reviews.notes

    @cached_property
    def status(self) -> np.ndarray:
        """``vetoed``, ``incomplete`` (too few reviews) or ``ranked`` per application."""
        out = np.full(len(self.ids), ResultStatus.RANKED.value, dtype=object)
        out[~self.complete] = ResultStatus.INCOMPLETE.value
        out[self.vetoed] = ResultStatus.VETOED.value
        return out

    def _joined(self, matrix: np.ndarray, names: list[str]) -> np.ndarray:
        out = np.full(matrix.shape[0], "", dtype=object)
        for i in np.flatnonzero(matrix.any(axis=1)):
            out[i] = "；".join(n for n, hit in zip(names, matrix[i], strict=True) if hit)
        return out

    def table(self) -> pd.DataFrame:
        """One row per application, in input order, indexed by application id."""
        cs = self.criteria
        data: dict[str, Any] = {}
        for j, leaf in enumerate(cs.leaves):
            data[f"score.{leaf.id}"] = self.leaf_points[:, j]
        for k, leaf in enumerate(cs.expert_leaves):
            data[f"raw.{leaf.id}"] = self.raw_expert[:, k]
        for i, section in enumerate(cs.indicators):
            data[f"section.{section.id}"] = self.sections[:, i]
        data.update(base=self.base, bonus=self.bonus, total=self.total)
        if self.closeness is not None:
            data["closeness"] = self.closeness
        labels = [g.label for g in cs.grades]
        graded = self.grade >= 0
        data["grade"] = np.where(
            graded, np.array([g.code for g in cs.grades] + [""], dtype=object)[self.grade], None
        )
        data["grade_label"] = np.where(graded, np.array([*labels, ""], dtype=object)[self.grade], None)
        recognised = np.array([g.recognised for g in cs.grades] + [False])[self.grade]
        data["recognised"] = recognised & graded & ~self.vetoed
        data["status"] = self.status
        data["vetoed"] = self.vetoed
        data["veto_reasons"] = self._joined(self.vetoes, [v.reason for v in cs.vetoes])
        data["bonus_items"] = self._joined(self.bonus_awarded, [b.id for b in cs.bonus_items])
        data["n_reviews"] = self.n_reviews
        data["rank"] = pd.arrays.IntegerArray(self.rank.astype(np.int64), mask=self.rank == 0)
        data["percentile"] = self.percentile
        data["missing_figures"] = self._missing_figures()
        frame = pd.DataFrame(data, index=pd.Index(self.ids, name="application_id"))
        return frame

    def _missing_figures(self) -> np.ndarray:
        out = np.full(len(self.ids), "", dtype=object)
        leaves = self.criteria.leaves
        for i in np.flatnonzero(self.missing_figure.any(axis=1)):
            keys: list[str] = []
            for j in np.flatnonzero(self.missing_figure[i]):
                params = leaves[j].params
                for key in get_method(leaves[j].method).uses(params):
                    if self.figures.missing(key)[i] and key not in keys:
                        keys.append(key)
            out[i] = ",".join(keys)
        return out

    def ranked(self) -> pd.DataFrame:
        """The ranked applications, best first."""
        table = self.table()
        return table[table["rank"].notna()].sort_values("rank")

    def position(self, application_id: str) -> int:
        """Row of an application in the input order."""
        hits = np.flatnonzero(self.ids == str(application_id))
        if hits.size == 0:
            raise KeyError(msg("no application '%(id)s' in this round", id=str(application_id)))
        return int(hits[0])

    def contributions(self) -> pd.DataFrame:
        """Long table: what every indicator contributed to every application's total."""
        cs = self.criteria
        n, m = self.leaf_points.shape
        with np.errstate(invalid="ignore", divide="ignore"):
            share = self.leaf_points / self.total[:, None]
        return pd.DataFrame(
            {
                "application_id": np.repeat(self.ids, m),
                "indicator_id": np.tile([leaf.id for leaf in cs.leaves], n),
                "section_id": np.tile([leaf.section for leaf in cs.leaves], n),
                "method": np.tile([leaf.method for leaf in cs.leaves], n),
                "points": self.leaf_points.ravel(),
                "max_points": np.tile([leaf.points for leaf in cs.leaves], n),
                "share_of_total": share.ravel(),
            }
        )

    def explain(self, application_id: str) -> dict[str, Any]:
        """Why an application got its total: every indicator's points and how they came about."""
        from evaluator.scoring.explain import explain_application

        return explain_application(self, self.position(application_id))
