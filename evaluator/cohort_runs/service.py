"""A round's cohorts as other features read them: each application's cohort in the round's latest
clustering run, the office's moves applied."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CohortRef:
    """An application's cohort: its number in the run and its name in both languages."""

    number: int
    label_zh: str
    label_en: str


def current_cohorts(round_id: int) -> dict[int, CohortRef]:
    """application_id -> its cohort in the round's latest run, office moves applied; {} when no run."""
    return {}
