"""Outside the tests the service hashes passwords with argon2's production parameters; the suite runs
with cheap ones (tests/hashing.py), so this is checked in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hashing import PRODUCTION
from tests.live import SECRET

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json
import argon2
import wsgi  # the app as production builds it
from evaluator.accounts import service as accounts
params = argon2.extract_parameters(accounts.hash_password("a password of the probe"))
print(json.dumps({"type": params.type.name, "time_cost": params.time_cost,
                  "memory_cost": params.memory_cost, "parallelism": params.parallelism}))
"""


@pytest.mark.slow
def test_the_service_hashes_with_the_production_parameters_outside_the_tests(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALUATOR_")}
    env.update(EVALUATOR_SECRET_KEY=SECRET, EVALUATOR_DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}")
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == PRODUCTION
