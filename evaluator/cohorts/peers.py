"""Similar peers: each application's nearest applications by the run's standardised weighted features.

Peers are found across the whole round, not only within a cohort, with the same features, weights
and standardisation as the cohorts (Euclidean distance; with missing values under the ``available``
policy, scikit-learn's nan-Euclidean distance on the features both have). The nearest come first;
applications at the same distance, by id. An application that could not be placed has no peers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import KDTree, NearestNeighbors
from threadpoolctl import threadpool_limits

from evaluator.cohorts.run import CohortRun
from evaluator.scoring.tolerance import beyond

LEAF_SIZE = 20


@dataclass(frozen=True, eq=False)
class Peers:
    """``table``: one row per (application, peer) with ``id``, ``rank`` (1 = nearest), ``peer_id``
    and ``distance``; ``features``: the features used, each with its key, labels, kind and weight;
    ``scaling``: the standardisation."""

    table: pd.DataFrame
    features: tuple[dict[str, object], ...]
    scaling: str
    n_peers: int

    def of(self, application_id: object) -> pd.DataFrame:
        """The peers of one application, nearest first."""
        return self.table[self.table["id"] == application_id]


def search_all(matrix: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and row indexes of each row's ``count`` nearest rows (itself included)."""
    if np.isnan(matrix).any():
        model = NearestNeighbors(n_neighbors=count, metric="nan_euclidean", algorithm="brute").fit(matrix)
        return model.kneighbors(matrix)
    return KDTree(matrix, leaf_size=LEAF_SIZE).query(matrix, k=count)


def search_by_category(
    matrix: np.ndarray, onehot: np.ndarray, gap: float, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`search_all`, searching first among the rows of the same categories.

    Two rows of different categories lie at least ``gap`` apart (the smallest one-hot weight), so
    a row whose ``count`` nearest rows of its own categories all lie closer than ``gap`` has found
    its nearest rows overall; the search in a group uses only the other columns (fewer dimensions,
    fewer rows: much faster). The other rows are searched among all.
    """
    rest = np.ascontiguousarray(matrix[:, ~onehot])
    groups = np.unique(matrix[:, onehot], axis=0, return_inverse=True)[1].reshape(-1)
    distance = np.empty((len(matrix), count))
    index = np.empty((len(matrix), count), dtype=np.int64)
    done = np.zeros(len(matrix), dtype=bool)
    for g in range(int(groups.max()) + 1):
        rows = np.flatnonzero(groups == g)
        if len(rows) < count or rest.shape[1] == 0:
            continue
        d, i = KDTree(rest[rows], leaf_size=LEAF_SIZE).query(rest[rows], k=count)
        inside = d[:, -1] < gap
        distance[rows[inside]], index[rows[inside]] = d[inside], rows[i[inside]]
        done[rows[inside]] = True
    if not done.all():
        left = np.flatnonzero(~done)
        distance[left], index[left] = KDTree(matrix, leaf_size=LEAF_SIZE).query(matrix[left], k=count)
    return distance, index


def nearest_peers(run: CohortRun, n_peers: int | None = None) -> Peers:
    """Every placed application's nearest peers (the settings' ``peers``, 20 by default)."""
    fm = run.features
    settings = run.settings
    wanted = settings.peers if n_peers is None else n_peers
    rows = np.flatnonzero(run.labels >= 0)
    count = min(wanted, len(rows) - 1)
    if count < 1:
        table = pd.DataFrame({"id": fm.ids[:0], "rank": [], "peer_id": fm.ids[:0], "distance": []})
    else:
        matrix = fm.matrix[rows]
        onehot = np.array([settings.features[j].onehot for j in fm.column_feature])
        with threadpool_limits(limits=1):
            if onehot.any() and not np.isnan(matrix).any():
                gap = min(f.weight for f in settings.features if f.onehot)
                distance, index = search_by_category(matrix, onehot, gap, count + 1)
            else:
                distance, index = search_all(matrix, count + 1)
        mine = index == np.arange(len(rows))[:, None]
        keep = ~mine
        keep[~mine.any(axis=1), -1] = False  # itself beyond the last place (many equal rows): drop the last
        index = index[keep].reshape(len(rows), count)
        distance = distance[keep].reshape(len(rows), count)
        order = np.lexsort((index, distance), axis=1)  # by distance, then by row (= by id)
        index = np.take_along_axis(index, order, axis=1)
        distance = np.take_along_axis(distance, order, axis=1)
        table = pd.DataFrame(
            {
                "id": np.repeat(fm.ids[rows], count),
                "rank": np.tile(np.arange(1, count + 1), len(rows)),
                "peer_id": fm.ids[rows][index.ravel()],
                "distance": distance.ravel(),
            }
        )
    features = tuple(
        {
            "key": f.key,
            "label": f.label,
            "label_en": f.label_en,
            "kind": f.kind,
            "figures": f.figures,
            "log": f.log,
            "weight": f.weight,
        }
        for f in settings.features
    )
    return Peers(table=table, features=features, scaling=settings.scaling, n_peers=max(count, 0))


def rank_among_peers(peers: Peers, scores: pd.Series, scale: float | None = None) -> pd.DataFrame:
    """Each application's rank among itself and its peers by ``scores`` (indexed by id; higher is
    better): 1 + the number of scored peers above it. Scores within the tolerance of
    scoring/tolerance.py on ``scale`` (by default the largest absolute score) count as equal and
    share a rank. ``group`` counts the application (when it has a score) and its scored peers; an
    application without a score has no rank."""
    table = peers.table
    ids = pd.unique(table["id"])
    own = scores.reindex(ids).to_numpy(dtype=float)
    if scale is None:
        finite = np.abs(scores.to_numpy(dtype=float))
        scale = float(np.nanmax(finite)) if np.isfinite(finite).any() else 1.0
    theirs = scores.reindex(table["peer_id"]).to_numpy(dtype=float)
    mine = np.repeat(own, peers.n_peers) if len(ids) else own
    above = beyond(theirs, mine, scale)
    scored = ~np.isnan(theirs)
    per = peers.n_peers
    better = above.reshape(len(ids), per).sum(axis=1) if per else np.zeros(len(ids), dtype=int)
    scored_peers = scored.reshape(len(ids), per).sum(axis=1) if per else np.zeros(len(ids), dtype=int)
    group = scored_peers + ~np.isnan(own)
    rank = pd.array(better + 1, dtype="Int64")
    rank[np.isnan(own)] = pd.NA
    return pd.DataFrame(
        {"score": own, "rank": rank, "group": pd.array(group, dtype="Int64")},
        index=pd.Index(ids, name="id"),
    )
