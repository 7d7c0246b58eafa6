"""Settings come from the environment; production refuses to start without a secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def run_django(settings_module: str, **environ: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": settings_module, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_production_settings_refuse_to_start_without_secret_key():
    result = run_django("portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

    started = run_django("portal.settings.production", SECRET_KEY="x" * 50)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout


def test_env_helpers_parse_and_fail_loudly(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_FLAG", "yes")
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "12")
    monkeypatch.setenv("PORTAL_TEST_LIST", "a.example, b.example,")
    assert env_bool("PORTAL_TEST_FLAG", False) is True
    assert env_int("PORTAL_TEST_NUMBER", 0) == 12
    assert env_list("PORTAL_TEST_LIST", []) == ["a.example", "b.example"]
    assert env("PORTAL_TEST_ABSENT", "fallback") == "fallback"
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_ABSENT"):
        env("PORTAL_TEST_ABSENT")
    monkeypatch.setenv("PORTAL_TEST_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="boolean"):
        env_bool("PORTAL_TEST_FLAG", False)


def test_the_wsgi_entry_point_loads_the_urls_and_freezes_what_it_loaded() -> None:
    import gc
    import importlib

    import portal.wsgi

    gc.unfreeze()
    try:
        module = importlib.reload(portal.wsgi)
        assert gc.get_freeze_count() > 10_000  # Django, the apps and the views
        assert callable(module.application)
    finally:
        gc.unfreeze()
