"""Production settings over TLS: Django's deployment checks pass, cookies are secure."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(60)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ARENA_SECRET_KEY": secrets.token_urlsafe(48),
    "ARENA_ALLOWED_HOSTS": "arena.example",
}


def test_the_deployment_checks_pass_over_tls() -> None:
    checked = manage(
        "check", "--deploy", "--fail-level", "WARNING", ARENA_HTTPS="true", **PRODUCTION
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_without_tls_the_deployment_checks_name_what_is_missing() -> None:
    checked = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert checked.returncode != 0
    assert "SESSION_COOKIE_SECURE" in checked.stdout + checked.stderr
