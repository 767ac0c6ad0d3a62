"""A throwaway PostgreSQL server for the tests, and a store parameter for tests that run on both.

One cluster per test session: Debian's postgresql package (installed by .ci/run), initdb in a
temporary folder as an unprivileged user (CI runs as root, which PostgreSQL refuses), on a free
loopback port, removed afterwards. Each test gets a fresh database on it.

    from tests.pg_fixture import ledger_location, pg_server  # noqa: F401

    def test_something(ledger_location):      # runs twice: on SQLite and on PostgreSQL
        led = Ledger(ledger_location)

If PostgreSQL cannot be started, the PostgreSQL half FAILS with the reason: it never skips.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app_fixture import free_port

STORES = ["sqlite", "postgresql"]
_numbers = itertools.count(1)


@dataclass
class PgServer:
    port: int
    folder: Path
    as_user: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name) else [])
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed: install Debian's postgresql package "
                    "(apt-get install -y postgresql; .ci/run does) to run the PostgreSQL tests.", pytrace=False)
    return found[-1]


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"could not {what} a PostgreSQL server for the tests:\n{done.stdout}\n{done.stderr}", pytrace=False)


def start_pg() -> PgServer:
    folder = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root: hand the folder to nobody
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    port = free_port()
    data = folder / "data"
    _run(as_user + [_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C", "--no-sync"], "create")
    options = f"-p {port} -h 127.0.0.1 -k {folder} -F -c max_connections=300 -c shared_buffers=32MB"
    _run(as_user + [_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options,
                    "-w", "-t", "60", "start"], "start")
    return PgServer(port, folder, as_user)


def stop_pg(server: PgServer) -> None:
    subprocess.run(server.as_user + [_bin("pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate", "stop"],
                   capture_output=True, timeout=60)
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    server = start_pg()
    yield server
    stop_pg(server)


@pytest.fixture
def pg_url(pg_server) -> str:
    return pg_server.new_database()


@pytest.fixture(params=STORES)
def store(request) -> str:
    """Which store this run of the test uses."""
    return request.param


@pytest.fixture
def ledger_location(store, request, tmp_path):
    """Where a test's ledger lives: a SQLite file, or a fresh PostgreSQL database."""
    if store == "sqlite":
        return tmp_path / "ledger.sqlite3"
    return request.getfixturevalue("pg_url")


def database_env(store: str, request) -> dict[str, str]:
    """The environment that points a studio at the store (nothing for SQLite: the default)."""
    return {} if store == "sqlite" else {"STUDIO_DATABASE_URL": request.getfixturevalue("pg_url")}
