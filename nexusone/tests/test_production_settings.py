"""Fail fast in production (issue 16, point 12): DEBUG is off unless asked
for, and a missing required setting stops `check` and the web entry point
with a clear message instead of a 500 on the first encrypted write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from nexusone.checks import DEV_SECRET_KEY, fail_fast, production_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "x5dhXbM0kq3mM6S4QkQ0rQ7r3kH6tHk3j9nOgHFOy4g="


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    dropped = {"DEBUG", "NEXUSONE_TESTING", "DJANGO_SETTINGS_MODULE", "NEXUSONE_PROCESS"}  # (set by importing asgi)
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env, DJANGO_SETTINGS_MODULE="nexusone.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_debug_is_off_unless_asked_for():
    done = _run("import nexusone.settings as s; print(s.DEBUG)", SECRET_KEY="k" * 50, ALLOWED_HOSTS="a.example")
    assert done.stdout.strip() == "False", done.stderr


def test_manage_check_refuses_a_production_start_without_encryption_keys():
    done = _run(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        DEBUG="0",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="app.example.com",
    )
    assert done.returncode != 0
    assert "nexusone.E003" in done.stderr and "FIELD_ENCRYPTION_KEYS" in done.stderr


def test_commands_that_only_read_the_code_need_no_production_secrets():
    done = _run(
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])",
        DEBUG="0",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert done.returncode == 0, done.stderr
    assert "No changes detected" in done.stdout


@override_settings(DEBUG=False, TESTING=False, SECRET_KEY=DEV_SECRET_KEY, ALLOWED_HOSTS=[], FIELD_ENCRYPTION_KEYS=[])
def test_every_missing_requirement_is_named():
    assert {message.id for message in production_settings()} == {"nexusone.E001", "nexusone.E002", "nexusone.E003"}
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        fail_fast()


@override_settings(DEBUG=False, TESTING=False, SECRET_KEY="k" * 50, ALLOWED_HOSTS=["a.example"])
def test_a_complete_production_configuration_passes():
    with override_settings(FIELD_ENCRYPTION_KEYS=[GOOD_KEY]):
        assert production_settings() == []
        fail_fast()
    with override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]):
        assert [message.id for message in production_settings()] == ["nexusone.E003"]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("load_demo")
