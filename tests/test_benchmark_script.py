"""The benchmark script runs (small, untimed) and its correctness checks hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_agrees_with_the_references(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "scripts/bench_scoring.py", "--quick", "--repeats", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = json.loads(out.read_text(encoding="utf-8"))["table"]
    cases = {row["case"] for row in rows}
    assert cases == {"expert_round", "monitoring", "reference", "topsis", "sensitivity"}
    # Agreement with the per-application reference and with pymcdm is judged even when quick.
    judged = [row for row in rows if row["result"] in ("HIT", "MISS")]
    assert judged and all(row["result"] == "HIT" for row in judged), judged
