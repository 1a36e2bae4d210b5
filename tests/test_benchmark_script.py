"""The benchmark script runs (small, untimed) and its correctness checks hold."""

from __future__ import annotations

import json

import pytest

from tests.in_process import run_script


@pytest.mark.slow
def test_quick_benchmark_runs_and_agrees_with_the_references(tmp_path):
    out = tmp_path / "bench.json"
    run = run_script("bench_scoring", "--quick", "--repeats", "1", "--json", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    rows = json.loads(out.read_text(encoding="utf-8"))["table"]
    cases = {row["case"] for row in rows}
    assert cases == {"expert_round", "monitoring", "reference", "topsis", "sensitivity"}
    # Agreement with the per-application reference and with pymcdm is judged even when quick.
    judged = [row for row in rows if row["result"] in ("HIT", "MISS")]
    assert judged and all(row["result"] == "HIT" for row in judged), judged
