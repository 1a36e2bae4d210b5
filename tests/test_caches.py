"""What a process keeps between requests is keyed by the content it was made from: change the data
underneath, read again, and the new data comes back (never the kept copy)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from evaluator.extensions import db


def test_region_choices_follow_an_organisation_that_moves(make_round, make_org):
    from evaluator.applications.models import Application
    from evaluator.applications.service import region_choices

    rnd = make_round()
    org = make_org()
    db.session.add(Application(round_id=rnd.id, organisation_id=org.id, status="submitted", figures={}))
    db.session.commit()
    assert region_choices(rnd) == ([("510100", "成都市")], [("510107", "武侯区")])
    org.city, org.city_code, org.county, org.county_code = "自贡市", "510300", "自流井区", "510302"
    db.session.commit()
    assert region_choices(rnd) == ([("510300", "自贡市")], [("510302", "自流井区")])


def test_the_scope_follows_a_change_of_the_on_site_group_setting(make_review_case):
    from evaluator.reviews.service import scope_of

    case = make_review_case()
    rnd, assignment = case.round, case.assignment()

    def scoped() -> set[str]:
        return {leaf.id for leaf in scope_of(assignment, rnd).leaves}

    assert "onsite" in scoped()
    rnd.settings = {"on_site_group": True}
    db.session.commit()
    assert "onsite" not in scoped()
    rnd.settings = {}
    db.session.commit()
    assert "onsite" in scoped()


def test_round_criteria_follow_a_change_of_the_rounds_criteria(make_round, make_criteria):
    from evaluator.rounds.service import round_criteria, update_round

    rnd = make_round(phase="draft")
    assert round_criteria(rnd).title == "测试指标"
    update_round(None, rnd, {"criteria": make_criteria(title="另一套指标")})
    db.session.commit()
    assert round_criteria(rnd).title == "另一套指标"


def test_the_figures_schema_is_the_criteria_sets_own(make_criteria, mini_raw):
    from evaluator.applications.intake import figures_errors

    fields = [dict(f, max=10) if f["key"] == "households" else f for f in mini_raw["fields"]]
    loose, strict = make_criteria(), make_criteria(fields=fields)  # same id, other bounds
    figures = {"households": 2000}
    assert figures_errors(loose, figures, partial=True)[1] == {}
    assert "households" in figures_errors(strict, figures, partial=True)[1]
    assert figures_errors(loose, figures, partial=True)[1] == {}


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_snapshots_arrays_follow_its_blob():
    from evaluator.results.models import ResultSnapshot
    from evaluator.results.service import arrays_of

    snapshot = ResultSnapshot(id=1, arrays=_npz(total=np.array([1.0, 2.0])))
    assert arrays_of(snapshot)["total"].tolist() == [1.0, 2.0]
    snapshot.arrays = _npz(total=np.array([3.0]))  # same id, other content (a database emptied, say)
    assert arrays_of(snapshot)["total"].tolist() == [3.0]


def test_a_snapshots_kept_arrays_cannot_be_changed_by_a_reader():
    from evaluator.results.models import ResultSnapshot
    from evaluator.results.service import arrays_of

    snapshot = ResultSnapshot(id=2, arrays=_npz(total=np.array([5.0, 6.0])))
    first = arrays_of(snapshot)
    with pytest.raises(ValueError, match="read-only"):
        first["total"][0] = 0.0
    first["total"] = np.zeros(2)
    assert arrays_of(snapshot)["total"].tolist() == [5.0, 6.0]


def test_a_criteria_file_is_built_again_when_its_bytes_change(tmp_path):
    from evaluator.criteria.catalog import BUNDLED_DIR, find_criteria

    bundled = find_criteria("fc-2026")
    assert find_criteria("fc-2026") is bundled  # the same bytes: built once
    text = (BUNDLED_DIR / "featured_community.yaml").read_text(encoding="utf-8")
    path = tmp_path / "fc.yaml"
    path.write_text(text, encoding="utf-8")
    first = find_criteria("fc-2026", tmp_path)
    assert first.title == bundled.title
    path.write_text(text.replace(f"title: {bundled.title}", "title: 改过的标题", 1), encoding="utf-8")
    changed = find_criteria("fc-2026", tmp_path)
    assert changed.title == "改过的标题" and first.title == bundled.title
