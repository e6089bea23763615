"""The production profile passes Django's deployment checks; bad settings fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD = {"DEBUG": "0", "SECRET_KEY": "x" * 60 + "-production-like-secret-for-the-check",
        "ALLOWED_HOSTS": "tutor.example.org"}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def test_production_profile_passes_check_deploy_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_profile_keeps_database_connections_open():
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = _manage("shell", "-c", code, **PROD)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) >= 60


@pytest.mark.parametrize(("env", "message"), [
    ({"DEBUG": "0"}, "SECRET_KEY must be set"),
    ({"DEBUG": "perhaps"}, "DEBUG must be a boolean"),
    ({"CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE must be an integer"),
])
def test_bad_settings_fail_loudly(env, message):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr
