"""The rounds' pages for the office: list, criteria tree, create and edit, phases, review settings."""

from evaluator.rounds.pages import (  # noqa: F401 (register the views)
    rounds,
    settings,
)
