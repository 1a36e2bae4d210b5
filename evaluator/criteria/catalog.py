"""Find criteria sets: by id in the criteria folder, or (command line only) any file given by path."""

from __future__ import annotations

import os
import re
from pathlib import Path

from evaluator.criteria.loader import CriteriaError, load_criteria_file
from evaluator.criteria.model import CriteriaSet
from evaluator.criteria.schema import ID_RE
from evaluator.messages import msg

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "criteria"
MAX_ID_LENGTH = 64


def criteria_dir() -> Path:
    """The folder of criteria files: ``EVALUATOR_CRITERIA_DIR`` or the bundled ``criteria/``."""
    return Path(os.environ.get("EVALUATOR_CRITERIA_DIR") or BUNDLED_DIR)


def criteria_files(folder: Path | None = None) -> list[Path]:
    """The YAML files of a folder, sorted by name."""
    folder = folder or criteria_dir()
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def list_criteria(folder: Path | None = None) -> list[CriteriaSet]:
    """Every valid criteria set in the folder (an invalid file raises its CriteriaError)."""
    return [load_criteria_file(path) for path in criteria_files(folder)]


def find_criteria(set_id: str, folder: Path | None = None) -> CriteriaSet:
    """A criteria set of the folder by its id, never by a path (for ids that come from a request)."""
    if not isinstance(set_id, str) or not re.fullmatch(ID_RE, set_id) or len(set_id) > MAX_ID_LENGTH:
        raise CriteriaError(
            {
                "id": [
                    msg(
                        "not a criteria set id: use lower-case letters, digits, '_' and "
                        "'-' (at most %(max)s characters)",
                        max=MAX_ID_LENGTH,
                    )
                ]
            },
            "criteria id",
        )
    for candidate in criteria_files(folder):
        cs = load_criteria_file(candidate)
        if cs.id == set_id:
            return cs
    known = [cs.id for cs in list_criteria(folder)]
    if not known:
        raise CriteriaError({"id": [msg("no criteria set '%(id)s' (none is known)", id=set_id)]}, set_id)
    raise CriteriaError(
        {"id": [msg("no criteria set '%(id)s' (known: %(known)s)", id=set_id, known=known)]}, set_id
    )


def load_criteria(ref: str, folder: Path | None = None) -> CriteriaSet:
    """A criteria set by id (searched in the folder) or by file path (for the command line only)."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_criteria_file(path)
    return find_criteria(ref, folder)
