"""Settings; every key can be overridden by an ``EVALUATOR_<KEY>`` environment variable."""

from __future__ import annotations


class Settings:
    """Defaults for the embedded single-machine set-up."""

    JSON_AS_ASCII = False
    # Folder of criteria files; empty means the bundled criteria/ folder.
    CRITERIA_DIR = ""
