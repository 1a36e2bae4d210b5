"""``flask score`` with repeated, blank or space-padded application ids beside a scores or bonus file:
each repeat is reported by row and column like every other bad cell, exit 1, no traceback, no output."""

from __future__ import annotations

import pytest

from evaluator.criteria import list_criteria
from evaluator.demo.round import demo_round


def write_round(tmp_path, change_ids):
    """A demo round's three tables as CSV, the applications' ids changed by ``change_ids``."""
    cs = next(c for c in list_criteria() if c.id == "fc-2026")
    demo = demo_round(cs, applicants=6, seed=11)
    apps = demo.applications.copy()
    apps["id"] = change_ids(list(apps["id"].astype(str)))
    paths = {}
    for name, frame in (("apps", apps), ("scores", demo.scores), ("claims", demo.claims)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return demo, paths


def twice(ids):
    return [ids[0], ids[1], ids[0], *ids[3:]]


def blank(ids):
    return [ids[0], "", "", *ids[3:]]


def padded(ids):
    return [ids[0], ids[1], f"  {ids[1]} ", *ids[3:]]


@pytest.mark.parametrize(
    "change, expected",
    [
        (twice, ["applications, row 4, column id: id '{0}' appears more than once"]),
        (
            blank,
            [
                "applications, row 3, column id: every application needs an id",
                "applications, row 4, column id: every application needs an id",
            ],
        ),
        (padded, ["applications, row 4, column id: id '{1}' appears more than once"]),
    ],
)
@pytest.mark.parametrize("extra", [["scores"], ["claims"], ["scores", "claims"]])
def test_repeated_ids_are_reported_not_crashed_on(runner, tmp_path, change, expected, extra):
    demo, paths = write_round(tmp_path, change)
    out = tmp_path / "results.csv"
    args = ["score", "--criteria", "fc-2026", "--applications", str(paths["apps"]), "--output", str(out)]
    if "scores" in extra:
        args += ["--scores", str(paths["scores"])]
    if "claims" in extra:
        args += ["--bonus", str(paths["claims"])]
    res = runner.invoke(args=args)
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit), res.exception  # a clean exit, not a crash
    ids = list(demo.applications["id"].astype(str))
    for line in expected:
        assert line.format(*ids) in res.output, res.output
    assert "nothing was written" in res.output
    assert not out.exists()
