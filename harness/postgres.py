"""A throwaway PostgreSQL server: Debian's postgresql package, initdb in a temporary folder as an
unprivileged user (CI runs as root, which PostgreSQL refuses), on a free loopback port, removed afterwards.
Each test (or benchmark) makes a fresh database on it."""

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

from harness.app import free_port

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
        raise RuntimeError(f"PostgreSQL's {name} is not installed: install Debian's postgresql package "
                           "(apt-get install -y postgresql; .ci/run does) to run the PostgreSQL tests.")
    return found[-1]


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"could not {what} a PostgreSQL server for the tests:\n{done.stdout}\n{done.stderr}")


def start_pg() -> PgServer:
    """Start a server (RuntimeError saying why when it cannot be)."""
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
