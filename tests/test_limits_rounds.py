"""Creating a round: bundled criteria by id or an uploaded file (validated), deadlines in order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from evaluator.criteria import load_criteria
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.rounds.models import Round
from evaluator.rounds.service import create_round
from tests.test_limits_criteria import billion_laughs

MINI = Path(__file__).parent / "data" / "mini.yaml"


def rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(Round))


def post(client, admin, **body):
    return client.post("/api/v1/rounds", headers=admin, json={"title": "2026年测试轮次", **body})


def test_a_path_is_not_a_criteria_id(client, admin, tmp_path):
    copy = tmp_path / "elsewhere.yaml"
    copy.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    for ref in (str(copy), "../criteria/featured_community.yaml", "FC-2026"):
        res = post(client, admin, criteria_id=ref)
        assert res.status_code == 422, (ref, res.json)
        assert "criteria_id" in res.json["errors"].get("json", res.json["errors"]), (ref, res.json)
    assert rounds() == 0


def test_a_round_from_an_uploaded_criteria_file_freezes_its_content(client, admin):
    text = MINI.read_text(encoding="utf-8")
    res = post(client, admin, criteria_yaml=text)
    assert res.status_code == 201, res.json
    assert res.json["criteria_id"] == "mini" and "criteria_yaml" not in res.json
    rnd = db.session.get(Round, res.json["id"])
    assert rnd.criteria_content == yaml.safe_load(text)


def test_an_uploaded_criteria_file_is_parsed_with_the_limits(client, admin):
    res = post(client, admin, criteria_yaml=billion_laughs())
    assert res.status_code == 422
    assert "anchors (&name) are not allowed" in res.json["errors"]["criteria_yaml"]["(file)"][0]
    broken = MINI.read_text(encoding="utf-8").replace("scale: 100", "scale: -5")
    res = post(client, admin, criteria_yaml=broken)
    assert res.status_code == 422 and "scale" in res.json["errors"]["criteria_yaml"]
    res = post(client, admin, criteria_yaml="#" * 300_000)
    assert res.status_code == 422 and "criteria_yaml" in res.json["errors"]["json"]
    assert rounds() == 0


def test_an_uploaded_set_may_not_reuse_a_bundled_id_with_other_content(client, admin):
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["id"] = "fc-2026"
    res = post(client, admin, criteria_yaml=yaml.safe_dump(raw, allow_unicode=True))
    assert res.status_code == 422 and "fc-2026" in res.json["message"]
    assert rounds() == 0


@pytest.mark.parametrize("body", [{}, {"criteria_id": "fc-2026", "criteria_yaml": "id: x"}])
def test_exactly_one_source_of_criteria(client, admin, body):
    res = post(client, admin, **body)
    assert res.status_code == 422
    errors = res.json["errors"]["json"]
    assert "exactly one" in errors["criteria_id"][0] and "exactly one" in errors["criteria_yaml"][0]


@pytest.mark.parametrize(
    ("times", "field"),
    [
        (
            {
                "submission_deadline": "2026-06-30T18:00:00+08:00",
                "review_deadline": "2026-06-01T18:00:00+08:00",
            },
            "review_deadline",
        ),
        (
            {"opens_at": "2026-07-01T08:00:00+08:00", "submission_deadline": "2026-06-30T18:00:00+08:00"},
            "opens_at",
        ),
        (
            {"opens_at": "2026-08-01T08:00:00+08:00", "review_deadline": "2026-07-30T18:00:00+08:00"},
            "opens_at",
        ),
    ],
)
def test_deadlines_out_of_order_are_refused_naming_the_field(client, admin, times, field):
    res = post(client, admin, criteria_id="fc-2026", **times)
    assert res.status_code == 422
    assert list(res.json["errors"]["json"]) == [field]
    assert rounds() == 0


@pytest.mark.parametrize(
    ("times", "field"),
    [
        (
            {
                "submission_deadline": datetime(2026, 6, 30, 10, tzinfo=UTC),
                "review_deadline": datetime(2026, 6, 1, 10, tzinfo=UTC),
            },
            "review_deadline",
        ),
        (
            {
                "opens_at": datetime(2026, 7, 1, tzinfo=UTC),
                "submission_deadline": datetime(2026, 6, 30, tzinfo=UTC),
            },
            "opens_at",
        ),
    ],
)
def test_the_service_refuses_deadlines_out_of_order(app, times, field):
    with pytest.raises(ServiceError) as refused:
        create_round(None, "2026年测试轮次", load_criteria("fc-2026"), notice_days=7, **times)
    assert refused.value.status == 422 and list(refused.value.errors) == [field]
    assert rounds() == 0
    rnd = create_round(
        None,
        "2026年测试轮次",
        load_criteria("fc-2026"),
        opens_at=datetime(2026, 5, 1, tzinfo=UTC),
        submission_deadline=None,
        review_deadline=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert rnd.id is not None and rounds() == 1


def test_deadlines_in_order_or_equal_are_accepted(client, admin):
    res = post(
        client,
        admin,
        criteria_id="fc-2026",
        opens_at="2026-05-01T08:00:00+08:00",
        submission_deadline="2026-06-30T10:00:00Z",
        review_deadline="2026-06-30T18:00:00+08:00",
    )
    assert res.status_code == 201, res.json
