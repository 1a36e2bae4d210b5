"""The README's scripts: valid bash, strict mode, and start.sh's options checked before any work."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/setup.sh", "scripts/start.sh", "scripts/test.sh", ".ci/run"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_valid_bash_in_strict_mode(script):
    path = ROOT / script
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    assert "set -euo pipefail" in path.read_text(encoding="utf-8")


def test_start_refuses_unknown_options_before_setting_up():
    res = subprocess.run(
        ["bash", str(ROOT / "scripts/start.sh"), "--bogus"], capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 2 and "--bogus" in res.stderr


def test_test_script_counts_no_tests_as_failure_and_knows_ci():
    text = (ROOT / "scripts/test.sh").read_text(encoding="utf-8")
    assert '"$rc" -eq 5' in text and "evaluator_test_ci" in text and "CI" in text
