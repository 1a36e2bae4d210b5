"""The results benchmarks run end to end on a small round (no timing is judged here)."""

from __future__ import annotations

import json

import pytest

from tests.in_process import run_script


@pytest.mark.slow
def test_bench_compute_and_encoded_db_run(tmp_path):
    out = tmp_path / "compute.json"
    db = f"sqlite:///{tmp_path / 'a.db'}"
    res = run_script(
        "bench_compute", "--applications", "40", "--repeats", "1", "--database-url", db, "--json", str(out)
    )
    assert res.returncode == 0, res.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["applications"] == 40 and report["reviews"] == 280 and sum(report["counts"].values()) == 40
    res = run_script("bench_compute", "--applications", "40", "--database-url", db)
    assert res.returncode != 0 and "--reset" in (res.stdout + res.stderr)  # a used database is not touched
    out = tmp_path / "encdb.json"
    run_script(
        "bench_encoded_db",
        "--applications",
        "40",
        "--subsample",
        "10",
        "--repeats",
        "1",
        "--database-url",
        f"sqlite:///{tmp_path / 'b.db'}",
        "--json",
        str(out),
    )
    report = json.loads(out.read_text())
    assert report["max_abs_diff"] <= 1e-9 and report["mismatches"] == 0
