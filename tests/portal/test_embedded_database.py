"""With DATABASE_URL unset the portal starts and uses an embedded PostgreSQL under var/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_embedded_postgresql_is_used_without_database_url(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PORTAL_VAR_DIR"] = str(tmp_path / "var")
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.base"
    script = (
        "import django; django.setup();"
        "from django.conf import settings; from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('SELECT version()');"
        "print(settings.DATABASE_IS_EMBEDDED, connection.settings_dict['HOST']);"
        "print(cursor.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first, version = result.stdout.strip().splitlines()[-2:]
    embedded, host = first.split(" ", 1)
    assert embedded == "True"
    # A socket directory of the embedded server, not the system PostgreSQL.
    assert host.startswith("/") and not host.startswith("/var/run/postgresql")
    assert version.startswith("PostgreSQL 16")
    assert (tmp_path / "var" / "pgdata" / "PG_VERSION").exists()
