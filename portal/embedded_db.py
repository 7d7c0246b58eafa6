"""Embedded PostgreSQL for a new machine: the `pgserver` wheel, data under var/.

Used only when DATABASE_URL is unset, so `make run` and `make test` need no
database server of their own.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

# Keep the handle alive for the life of the process: pgserver stops the
# server when the last handle of the last process using it is released.
_servers: dict[Path, Any] = {}


def embedded_database_url(var_dir: Path, database: str = "portal") -> str:
    """Start (or join) the embedded server under var_dir and return a URL to `database`."""
    if not _DATABASE_NAME.match(database):
        raise ValueError(f"Invalid database name {database!r}")
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in containers and CI).
        warnings.simplefilter("ignore")
        import pgserver  # imported here: only needed when no DATABASE_URL is given

    pgdata = (var_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        # The name was checked against _DATABASE_NAME above.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {database};")
    # A socket directory as the URL's host, percent-encoded, so that Django's
    # HOST setting names it (pgserver's own URI puts it in the query string).
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        return f"postgresql://postgres@127.0.0.1:{info.port}/{database}"
    return f"postgresql://postgres@{quote(str(info.socket_dir), safe='')}/{database}"
