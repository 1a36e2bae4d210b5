"""Find criteria sets: the bundled ``criteria/`` folder, or any file given by path."""

from __future__ import annotations

import os
from pathlib import Path

from evaluator.criteria.loader import CriteriaError, load_criteria_file
from evaluator.criteria.model import CriteriaSet

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "criteria"


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


def load_criteria(ref: str, folder: Path | None = None) -> CriteriaSet:
    """A criteria set by id (searched in the folder) or by file path."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_criteria_file(path)
    for candidate in criteria_files(folder):
        cs = load_criteria_file(candidate)
        if cs.id == ref:
            return cs
    known = ", ".join(cs.id for cs in list_criteria(folder)) or "none"
    raise CriteriaError({"id": [f"no criteria set '{ref}' (known: {known})"]}, ref)
