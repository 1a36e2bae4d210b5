"""How pages show values: Chinese dates, Beijing time, thousands separators, vocabulary labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g
from flask_babel import refresh

from evaluator.core.db import utcnow
from evaluator.formatting import days_left, label, query_with, show_date, show_datetime, show_number
from evaluator.workflow import PHASE_LABELS, STATUS_LABELS, Phase, Status


@pytest.fixture
def reader(app):
    """A request context in the given language."""

    def make(language: str):
        ctx = app.test_request_context("/")
        ctx.push()
        g.language = language
        refresh()
        return ctx

    return make


def test_dates_and_times_the_chinese_way_in_beijing_time(reader):
    ctx = reader("zh")
    try:
        assert show_date(date(2026, 12, 1)) == "2026年12月1日"
        # 16:30 UTC is half past midnight the next day in Beijing (UTC+8)
        assert show_datetime(datetime(2026, 12, 1, 16, 30, tzinfo=UTC)) == "2026年12月2日 00:30"
        assert show_date(datetime(2026, 12, 1, 16, 30, tzinfo=UTC)) == "2026年12月2日"
        assert show_datetime(datetime(2026, 12, 1, 16, 30)) == "2026年12月2日 00:30"  # naive = stored UTC
        assert show_date(None) == show_datetime(None) == "—"
        assert show_number(1234567) == "1,234,567" and show_number(6800.5) == "6,800.5"
        assert show_number(3.14159, 2) == "3.14" and show_number(None) == "—"
        # a column that lines up: exactly the digits asked for
        assert show_number(0.1, 2, fixed=True) == "0.10" and show_number(2.3, 3, fixed=True) == "2.300"
        assert show_number(12345.678, 2, fixed=True) == "12,345.68" and show_number(0.1, 2) == "0.1"
        assert show_number(True) == "是"
        assert label("phase", "open") == "申报中" and label("zone", "featured_community") == "特色社区"
        assert label("status", "no-such-status") == "no-such-status"
    finally:
        ctx.pop()


def test_the_same_values_in_english(reader):
    ctx = reader("en")
    try:
        assert show_date(date(2026, 12, 1)) == "1 Dec 2026"
        assert show_datetime(datetime(2026, 12, 1, 16, 30, tzinfo=UTC)) == "2 Dec 2026, 00:30"
        assert show_number(1234567) == "1,234,567" and show_number(False) == "No"
        assert label("phase", "open") == "Open for applications"
    finally:
        ctx.pop()


def test_the_offices_assignments_and_results_vocabularies_read_in_chinese(reader):
    ctx = reader("zh")
    try:
        assert label("level", "county") == "县（市、区）" and label("act", "unrecommend") == "撤回推荐"
        assert label("assignment_kind", "on_site") == "实地核查" and label("source", "manual") == "人工"
        assert label("result", "vetoed") == "一票否决" and label("act", "no-such-act") == "no-such-act"
    finally:
        ctx.pop()


def test_templates_compare_with_the_vocabularies_by_name(app):
    template = app.jinja_env.from_string(
        "{{ phase == Phase.OPEN }} {{ RegionAct.CHECK in acts }} {{ source == AssignmentSource.AUTO }}"
    )
    assert template.render(phase="open", acts=("check", "return"), source="manual") == "True True False"


def test_every_phase_and_status_has_a_label():
    assert set(PHASE_LABELS) == set(Phase) and set(STATUS_LABELS) == set(Status)


def test_days_left_counts_beijing_calendar_days(reader):
    ctx = reader("zh")
    try:
        assert days_left(None) is None
        assert days_left(utcnow() + timedelta(days=3, hours=1)) in (3, 4)
        assert days_left(utcnow() - timedelta(days=2)) in (-2, -3)
    finally:
        ctx.pop()


def test_query_with_changes_only_the_named_arguments():
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("status", "draft"), ("page", "3"), ("q", "玉林")])
    assert query_with(args, page=4) == "status=draft&q=%E7%8E%89%E6%9E%97&page=4"
    assert query_with(args, page=None, sort="-name") == "status=draft&q=%E7%8E%89%E6%9E%97&sort=-name"
