"""The SQLite store: the embedded default, one file on one machine.

WAL mode, short transactions (BEGIN IMMEDIATE serialises writers, so it is also the lock a
claim or a budget check needs), the schema version in PRAGMA user_version. Connections are
kept for the next read or write (opening one reads the whole schema, which costs more than
most of the gallery's queries); each is used by one thread at a time.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

IDLE_CONNECTIONS = 4  # kept open for the next read or write


class SqliteStore:
    dialect = "sqlite"    # which spelling of a migration (studio.jobs.migrations.MIGRATIONS) it takes
    shared = False        # one machine: processes see each other's pids
    skip_locked = ""      # BEGIN IMMEDIATE already holds the whole file
    row_lock = ""
    insertion = "jobs.rowid"  # ties in created_at keep insertion order
    prompt = "json_extract(request, '$.prompt')"  # the prompt inside a job's request JSON

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._pid = os.getpid()
        with self.read() as db:
            _use_wal(db)

    def __str__(self) -> str:
        return f"SQLite file {self.path}"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _take(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked child never shares its parent's connections
            self._idle, self._pid = queue.SimpleQueue(), os.getpid()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def _give_back(self, db: sqlite3.Connection) -> None:
        if db.in_transaction or self._idle.qsize() >= IDLE_CONNECTIONS or self._pid != os.getpid():
            db.close()
        else:
            self._idle.put(db)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        db = self._take()
        try:
            yield db
        finally:
            self._give_back(db)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        db = self._take()
        try:
            db.execute("BEGIN IMMEDIATE")
        except BaseException:
            db.close()
            raise
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            self._give_back(db)

    def serialize(self, db: sqlite3.Connection) -> None:
        """Writers already run one at a time (BEGIN IMMEDIATE)."""

    def version(self) -> int:
        with self.read() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    def apply(self, script: str, number: int) -> None:
        """Run one migration unless another process just did, and record the version it reaches, in one
        transaction: the version is read again once the write lock is held, so of several processes
        opening a fresh ledger at once, one migrates and the others find it done."""
        with self.tx() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] >= number:
                return
            for statement in statements(script):  # (executescript would commit the transaction first)
                db.execute(statement)
            db.execute(f"PRAGMA user_version={int(number)}")

    def notify(self, job_id: str) -> None:
        """One machine: the process that drives the job is woken directly."""

    def listen(self, callback: Callable[[str], None]) -> Callable[[], None] | None:
        return None


def _use_wal(db: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch the file to WAL mode. Several processes opening a fresh file at once contend for the switch,
    and SQLite answers a contended switch with "database is locked" at once (its busy timeout does not
    apply), so it is tried again until one of them has made it (or patience runs out)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def statements(script: str) -> Iterator[str]:
    """The script's statements one by one (a trigger's body, with its own semicolons, stays whole)."""
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                yield current
            current = ""
    if current.strip(" \n\t;"):
        yield current
