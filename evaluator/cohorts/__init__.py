"""Comparable cohorts and similar peers: applications' figures in, explained groups out.

A pure engine (numpy, pandas, scikit-learn; no Flask, no database). The settings are data, validated
against the round's criteria set (:func:`build_settings`, :func:`default_settings`); a run clusters
the figures (:func:`run_cohorts`), the bootstrap checks how stable each application's place is
(:func:`bootstrap_stability`), and :func:`nearest_peers` finds each application's most similar
applications, :func:`rank_among_peers` its rank among them. docs/cohorts.md describes it all.
"""

from evaluator.cohorts.clustering import Merge
from evaluator.cohorts.defaults import default_settings
from evaluator.cohorts.features import FeatureMatrix
from evaluator.cohorts.hashing import data_hash
from evaluator.cohorts.peers import Peers, nearest_peers, rank_among_peers
from evaluator.cohorts.quality import Candidate, Quality
from evaluator.cohorts.run import COHORTS_VERSION, CohortRun, run_cohorts
from evaluator.cohorts.schema import CohortError
from evaluator.cohorts.settings import CohortSettings, Feature, build_settings, load_settings_text
from evaluator.cohorts.stability import Stability, bootstrap_stability
from evaluator.scoring.errors import InputError

__all__ = [
    "COHORTS_VERSION",
    "Candidate",
    "CohortError",
    "CohortRun",
    "CohortSettings",
    "Feature",
    "FeatureMatrix",
    "InputError",
    "Merge",
    "Peers",
    "Quality",
    "Stability",
    "bootstrap_stability",
    "build_settings",
    "data_hash",
    "default_settings",
    "load_settings_text",
    "nearest_peers",
    "rank_among_peers",
    "run_cohorts",
]
