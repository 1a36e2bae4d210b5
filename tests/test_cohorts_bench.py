"""The cohorts benchmark script runs (small, untimed) and its correctness checks hold."""

from __future__ import annotations

import json

import pytest

from tests.in_process import run_script


@pytest.mark.slow
def test_quick_cohorts_benchmark_runs_and_its_checks_hold(tmp_path):
    out = tmp_path / "bench.json"
    run = run_script("bench_cohorts", "--quick", "--repeats", "1", "--json", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    rows = json.loads(out.read_text(encoding="utf-8"))["table"]
    assert {row["case"] for row in rows} == {"cohorts", "cohorts_large", "stability", "peers"}
    # Determinism and the peers' agreement with a brute-force search are judged even when quick.
    judged = [row for row in rows if row["result"] in ("HIT", "MISS")]
    assert len(judged) == 2 and all(row["result"] == "HIT" for row in judged), judged
    assert "易地扶贫搬迁社区" in run.stdout and "Poverty-alleviation relocation community" in run.stdout
