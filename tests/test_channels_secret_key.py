"""The service refuses to serve with the public default or a short secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evaluator import create_app
from evaluator.config import DEFAULT_SECRET_KEY, InsecureSettingError, check_secret_key, settle

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "pQ7vXk2LmN9rTz4WbY6cHd8Jf3Gs5AeU"


def env_without_key(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALUATOR_")}
    return {**env, **extra}


@pytest.mark.parametrize(
    "key",
    [
        DEFAULT_SECRET_KEY,
        "",
        None,
        "k" * 31,
        12345678,
        " " * 40,
        "a" * 64,
        "abab" * 16,
        GOOD_KEY[:20] + " " * 20,
    ],
)
def test_the_default_or_a_short_key_is_refused(key):
    with pytest.raises(InsecureSettingError) as refused:
        check_secret_key({"SECRET_KEY": key, "LANGUAGE": "en"})
    message = str(refused.value)
    assert "EVALUATOR_SECRET_KEY" in message and "secrets.token_urlsafe(48)" in message
    assert "32 characters" in message and "too few different characters" in message


def test_a_long_key_is_accepted_and_testing_or_debug_need_none(tmp_path):
    check_secret_key({"SECRET_KEY": GOOD_KEY})
    for flags in ({"TESTING": True}, {"DEBUG": True}):
        config = {"SECRET_KEY": DEFAULT_SECRET_KEY, "RATELIMIT_STORAGE_URI": "memory://", **flags}
        settle(config, tmp_path, exempt=True)  # no error
        with pytest.raises(InsecureSettingError):  # the flag alone, e.g. inherited from the environment
            settle(config, tmp_path)
    with pytest.raises(InsecureSettingError):
        settle({"SECRET_KEY": DEFAULT_SECRET_KEY, "RATELIMIT_STORAGE_URI": "memory://"}, tmp_path)


def test_create_app_refuses_the_default_key(monkeypatch, database_url):
    monkeypatch.delenv("EVALUATOR_SECRET_KEY", raising=False)
    with pytest.raises(InsecureSettingError):
        create_app({"DATABASE_URL": database_url})
    with pytest.raises(InsecureSettingError):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "short"})


def test_gunicorn_does_not_start_with_the_default_key(tmp_path):
    env = env_without_key(EVALUATOR_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    run = subprocess.run(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "InsecureSettingError" in run.stderr and "EVALUATOR_SECRET_KEY" in run.stderr


@pytest.mark.parametrize("flag", ["EVALUATOR_TESTING", "EVALUATOR_DEBUG"])
def test_a_testing_or_debug_flag_in_the_environment_does_not_let_a_server_start(tmp_path, flag):
    env = env_without_key(EVALUATOR_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **{flag: "true"})
    run = subprocess.run(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "InsecureSettingError" in run.stderr


def test_command_line_tasks_do_not_need_the_key(tmp_path):
    env = env_without_key(EVALUATOR_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "criteria", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "fc-2026" in run.stdout
