"""The data hash: SHA-256 of the figures a run read, in a canonical form (format ``cohorts-data/1``).

The hashed bytes are, in this order:

1. ``b"cohorts-data/1\\n"``;
2. the ids, rows sorted by id: ``b"id:int64\\n"`` and the ids as little-endian 64-bit integers when
   every id is a whole number, else ``b"id:text\\n"`` and the ids as UTF-8 joined by ``\\x1f``;
3. for each figure the features read, by key in alphabetical order: ``b"\\n"``, the key, and either
   ``b":float64\\n"`` and the values as little-endian IEEE 754 doubles (a missing value as the
   quiet NaN ``0x7FF8000000000000``, −0 as 0), or for a category ``b":text\\n"`` and the choice
   values as UTF-8 joined by ``\\x1f`` (a missing one as ``\\x1e``).

So the hash depends on the applications and their figures only — not on the order of the rows or
the columns, not on columns no feature reads, not on whether 3000 was sent as an integer or a float.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from evaluator.cohorts.figures import Figures, read_figures
from evaluator.cohorts.settings import CohortSettings

FORMAT = b"cohorts-data/1\n"
UNIT_SEPARATOR, MISSING_TEXT = "\x1f", "\x1e"


def _doubles(values: np.ndarray) -> bytes:
    canonical = np.where(np.isnan(values), np.nan, values + 0.0)  # + 0.0 turns -0.0 into 0.0
    return canonical.astype("<f8").tobytes()


def _texts(values: list[str]) -> bytes:
    return UNIT_SEPARATOR.join(values).encode("utf-8")


def figures_hash(figures: Figures, settings: CohortSettings) -> str:
    """The data hash of figures already read (rows sorted by id)."""
    digest = hashlib.sha256(FORMAT)
    if figures.ids.dtype.kind == "i":
        digest.update(b"id:int64\n" + figures.ids.astype("<i8").tobytes())
    else:
        digest.update(b"id:text\n" + _texts([str(i) for i in figures.ids]))
    categories = {f.field.key: f for f in settings.features if f.kind == "category"}
    for key in settings.figures:
        digest.update(b"\n" + key.encode("utf-8"))
        if key in categories:
            feature = categories[key]
            codes = figures.codes[feature.key]
            texts = [feature.order[c] if c >= 0 else MISSING_TEXT for c in codes.tolist()]
            digest.update(b":text\n" + _texts(texts))
        else:
            digest.update(b":float64\n" + _doubles(figures.numbers[key]))
    return digest.hexdigest()


def data_hash(table: pd.DataFrame, settings: CohortSettings) -> str:
    """The data hash of an applications' figures table as the settings read it (see the module)."""
    return figures_hash(read_figures(table, settings), settings)
