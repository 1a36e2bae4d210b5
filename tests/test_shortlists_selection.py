"""The per-cohort ranking and quotas on crafted rounds (the pure ``shortlists.selection``), and the
notice period in calendar and working days (``shortlists.calendar``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from evaluator.shortlists import calendar
from evaluator.shortlists.selection import Quota, Rules, select

SCALE = 110.0


def table(rows):
    """Rows of (id, cohort, city, status, recognised, rank, total)."""
    return pd.DataFrame(
        rows, columns=["application_id", "cohort", "city_code", "status", "recognised", "rank", "total"]
    )


def picked(out) -> list[int]:
    return sorted(out.loc[out["selected"], "application_id"].tolist())


ROUND = table(
    [
        (1, 1, "510100", "ranked", True, 1, 95.0),
        (2, 1, "510100", "ranked", True, 2, 93.0),
        (3, 1, "510300", "ranked", True, 3, 90.0),
        (4, 2, "510300", "ranked", True, 4, 88.0),
        (5, 2, "510100", "ranked", True, 5, 86.0),
        (6, 2, "510300", "ranked", True, 6, 84.0),
        (7, 1, "510100", "vetoed", False, 0, None),
        (8, 2, "510100", "incomplete", False, 0, None),
        (9, 2, "510300", "ranked", False, 7, 61.0),  # ranked, but its grade is not recognised
    ]
)


def test_eligible_only_and_why_the_others_are_out():
    out = select(ROUND, Rules(), SCALE).set_index("application_id")
    assert picked(out.reset_index()) == [1, 2, 3, 4, 5, 6]
    assert out.loc[7, "reason"] == "vetoed" and out.loc[8, "reason"] == "incomplete"
    assert out.loc[9, "reason"] == "below_pass" and not out.loc[9, "eligible"]
    assert (
        out.loc[4, "cohort_rank"] == 1 and out.loc[3, "cohort_rank"] == 3 and out.loc[9, "cohort_rank"] == 0
    )


def test_a_number_per_cohort():
    out = select(ROUND, Rules(cohort=Quota("number", 2)), SCALE).set_index("application_id")
    assert picked(out.reset_index()) == [1, 2, 4, 5]
    assert out.loc[3, "reason"] == "cohort_full" and out.loc[3, "limit"] == 2
    assert out.loc[6, "reason"] == "cohort_full"


def test_a_share_per_cohort_rounds_up_and_a_cohort_may_have_its_own():
    out = select(ROUND, Rules(cohort=Quota("share", 0.4)), SCALE)
    assert picked(out) == [1, 2, 4, 5]  # 0.4 × 3 = 1.2 → 2 in each cohort
    own = select(ROUND, Rules(cohort=Quota("share", 0.4), cohorts={2: Quota("number", 1)}), SCALE)
    assert picked(own) == [1, 2, 4]


def test_a_city_quota_passes_the_seat_to_the_next_of_the_cohort():
    rules = Rules(cohort=Quota("number", 2), cities={"510100": Quota("number", 1)})
    out = select(ROUND, rules, SCALE).set_index("application_id")
    # Cohort 1: 1 (510100) in, 2 (510100) out for its city, 3 (510300) takes the seat.
    assert picked(out.reset_index()) == [1, 3, 4, 6]
    assert out.loc[2, "reason"] == "city_full" and out.loc[2, "limit"] == 1
    assert out.loc[5, "reason"] == "city_full"


def test_the_overall_cap_cuts_every_cohort_alike():
    out = select(ROUND, Rules(cohort=Quota("number", 3), cap=4), SCALE).set_index("application_id")
    # Each cohort's first, then each one's second: not the four best totals (1, 2, 3, 4).
    assert picked(out.reset_index()) == [1, 2, 4, 5]
    assert out.loc[3, "reason"] == "cap_reached" and out.loc[3, "limit"] == 4


def test_a_tie_at_the_cut_is_decided_by_the_chain_and_said():
    tied = table(
        [
            (11, 0, "510100", "ranked", True, 2, 80.0),
            (12, 0, "510100", "ranked", True, 1, 80.0 + 1e-12),  # the same total, within the tolerance
            (13, 0, "510100", "ranked", True, 3, 79.5),
        ]
    )
    out = select(tied, Rules(cohort=Quota("number", 1)), SCALE).set_index("application_id")
    assert out.loc[12, "selected"] and not out.loc[11, "selected"]  # the chain's rank decides
    assert out.loc[11, "tied"] and not out.loc[13, "tied"]


def test_rows_keep_their_order_and_an_empty_round_is_empty():
    shuffled = ROUND.sample(frac=1, random_state=3)
    out = select(shuffled, Rules(cohort=Quota("number", 1)), SCALE)
    assert out["application_id"].tolist() == shuffled["application_id"].tolist()
    assert select(ROUND.iloc[:0], Rules(), SCALE).empty


# ------------------------------------------------------------------------------ the notice period


def test_seven_calendar_days_count_the_first():
    assert calendar.notice_end(date(2026, 7, 1), "calendar", 7) == date(2026, 7, 7)


def test_working_days_skip_a_holiday_and_count_an_adjusted_working_saturday():
    # 2026: National Day 1–7 October off, Saturday 10 October worked.
    assert calendar.notice_end(date(2026, 9, 29), "working", 5) == date(2026, 10, 10)
    # Mid-Autumn Festival 25–27 September off.
    assert calendar.notice_end(date(2026, 9, 23), "working", 5) == date(2026, 9, 30)


def test_an_adjusted_working_sunday_counts():
    # Sunday 20 September 2026 is worked (调休).
    assert calendar.is_workday(date(2026, 9, 20))
    assert calendar.notice_end(date(2026, 9, 18), "working", 3) == date(2026, 9, 21)


def test_a_year_the_package_does_not_cover_needs_the_offices_dates():
    assert calendar.covered(2026)
    if calendar.covered(2031):  # a future package release may cover it
        pytest.skip("the package covers 2031")
    with pytest.raises(calendar.UncoveredYearError) as refused:
        calendar.notice_end(date(2031, 9, 29), "working", 5)
    assert refused.value.year == 2031
    holidays = [date(2031, 10, d) for d in range(1, 8)]
    workdays = [date(2031, 9, 28)]  # a Sunday worked
    # 29, 30 September, then 8, 9, 10 October (the holidays between skipped).
    assert calendar.notice_end(date(2031, 9, 28), "working", 6, holidays, workdays) == date(2031, 10, 10)


def test_office_dates_take_precedence_over_the_package():
    assert not calendar.is_workday(date(2026, 9, 20), holidays=[date(2026, 9, 20)])
    assert calendar.is_workday(date(2026, 10, 1), workdays=[date(2026, 10, 1)])
