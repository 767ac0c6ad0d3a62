"""The job ledger: one SQLite file, safe under concurrent writers and crashes.

WAL mode, short transactions, a schema version (PRAGMA user_version) with
forward migrations. Every state change is written together with an event row,
so each job keeps its history. Nothing secret is ever written here.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from studio.budgets import Usage, day_start
from studio.errors import NotFound
from studio.jobs.library import Cursor, Filter, Page
from studio.jobs.model import Job, JobState

MIGRATIONS: list[str] = [
    # 1: jobs and their history
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        variant TEXT NOT NULL,
        backend TEXT NOT NULL,
        region TEXT,
        state TEXT NOT NULL,
        request TEXT NOT NULL,
        quote_usd REAL NOT NULL DEFAULT 0,
        quote TEXT,
        seed INTEGER,
        task_id TEXT,
        request_id TEXT,
        progress REAL,
        output_path TEXT,
        poster_path TEXT,
        width INTEGER, height INTEGER, seconds REAL,
        billed_seconds REAL,
        cost_usd REAL,
        error_code TEXT,
        error_message TEXT,
        parent_id TEXT,
        webhook_secret TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        deadline_at REAL,
        claimed_by TEXT
    );
    CREATE INDEX jobs_owner_created ON jobs(owner, created_at DESC);
    CREATE INDEX jobs_state ON jobs(state);
    CREATE TABLE job_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL REFERENCES jobs(id),
        at REAL NOT NULL,
        state TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX job_events_job ON job_events(job_id, id);
    """,
    # 2: claims expire unless renewed, so a job held by a process on another host
    #    (a replaced container, a renamed laptop) is picked up once that holder goes quiet
    """
    ALTER TABLE jobs ADD COLUMN claimed_at REAL;
    """,
    # 3: lineage: how a derived job was made (final of, variation of, ...) and every parent in
    #    order (a stitch has one per shot); earlier Run again jobs become "retry of" their parent
    """
    ALTER TABLE jobs ADD COLUMN made_as TEXT;
    CREATE TABLE job_links (
        child_id TEXT NOT NULL REFERENCES jobs(id),
        parent_id TEXT NOT NULL REFERENCES jobs(id),
        position INTEGER NOT NULL,
        PRIMARY KEY (child_id, position)
    );
    CREATE INDEX job_links_parent ON job_links(parent_id);
    INSERT INTO job_links (child_id, parent_id, position)
        SELECT id, parent_id, 0 FROM jobs WHERE parent_id IS NOT NULL AND parent_id IN (SELECT id FROM jobs);
    UPDATE jobs SET made_as = 'retry of' WHERE parent_id IS NOT NULL;
    """,
    # 4: the provider address a job was sent to, so jobs sent to an emulator (a loopback address) count
    #    as test spend, never as money, whatever the studio is configured with later
    """
    ALTER TABLE jobs ADD COLUMN base_url TEXT;
    """,
    # 5: each finished task's provider run time under its settings (studio.jobs.timing), so the
    #    next task's status reads are planned from one indexed query; spend read from an index;
    #    a process renews its claims without scanning every job ever made
    """
    CREATE TABLE task_times (
        job_id TEXT PRIMARY KEY REFERENCES jobs(id),
        shape TEXT NOT NULL,
        seconds REAL NOT NULL,
        finished_at REAL NOT NULL
    );
    CREATE INDEX task_times_shape ON task_times(shape, finished_at DESC);
    CREATE INDEX jobs_owner_cost ON jobs(owner, cost_usd);
    CREATE INDEX jobs_claimed ON jobs(claimed_by) WHERE claimed_by IS NOT NULL;
    """,
    # 8: who pays for a job (the signed-in account, or an anonymous browser's address), so caps hold
    #    per payer and per day; the studio-wide day sum reads created_at; whose key runs it (the key
    #    itself is never stored)
    """
    ALTER TABLE jobs ADD COLUMN payer TEXT;
    ALTER TABLE jobs ADD COLUMN key_source TEXT NOT NULL DEFAULT 'owner';
    UPDATE jobs SET payer = owner WHERE payer IS NULL;
    CREATE INDEX jobs_payer_created ON jobs(payer, created_at);
    CREATE INDEX jobs_created ON jobs(created_at);
    """,
    # 7: the gallery: favourites, deletion that keeps the row (spend stays true, lineage stays whole),
    #    indexes so the newest page and the "anything changed?" check stay fast at thousands of jobs,
    #    and each owner's draft form (it survives a reload)
    """
    ALTER TABLE jobs ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN deleted_at REAL;
    CREATE INDEX jobs_gallery ON jobs(owner, deleted_at, created_at DESC, id DESC);
    CREATE INDEX jobs_owner_updated ON jobs(owner, updated_at);
    CREATE TABLE drafts (
        owner TEXT PRIMARY KEY,
        fields TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
]

# What a job counts against a budget: its billed cost once known, its quote while it runs or may
# have been billed, nothing when it failed or was cancelled in time, nothing on the free preview or
# on a user's own key.
SPEND = """CASE WHEN backend = 'preview' OR key_source = 'user' THEN 0
    WHEN cost_usd IS NOT NULL THEN cost_usd
    WHEN state IN ('failed', 'cancelled') AND COALESCE(error_code, '') NOT IN ('deadline', 'stopped_waiting') THEN 0
    ELSE quote_usd END"""
UNFINISHED = tuple(s.value for s in JobState if not s.finished)

CLAIM_LEASE = 60.0  # seconds a claim from another host stays valid without renewal

_COLUMNS = [f.name for f in fields(Job) if f.name != "parents"] + ["variant"]
_COLUMNS.remove("request")
_COLUMNS.append("request")


def process_id() -> str:
    """Who holds a job: host and pid, so a dead holder on this host is noticed at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str | None, claimed_at: float | None = None) -> bool:
    """A holder on this host is alive while its process is; elsewhere, while it renews its lease."""
    if not holder:
        return False
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname():
        return claimed_at is not None and time.time() - claimed_at < CLAIM_LEASE
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._read() as db:
            db.execute("PRAGMA journal_mode=WAL")
            self._migrate(db)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
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
            db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{self.path} was written by a newer studio (schema {version}); upgrade the studio.")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version={number}; COMMIT;")

    @property
    def schema_version(self) -> int:
        with self._read() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    # --- writes -----------------------------------------------------------

    def add(self, job: Job, detail: str | None = None, *, admit: Callable[[Usage], None] | None = None,
            twin_window: float | None = None) -> Job:
        """Insert a job, in one transaction with the checks that decide whether it may be added.

        twin_window: if the same owner sent the same request, from the same parent, to the same backend
        within that many seconds (and it has not failed), that job is returned instead: a double click
        pays once.
        admit: called with the payer's and the studio's usage so far; raises to refuse the job.
        """
        now = time.time()
        job.created_at = job.created_at or now
        job.updated_at = now
        job.payer = job.payer or job.owner
        row = job.to_row()
        cols = ", ".join(_COLUMNS)
        marks = ", ".join(f":{c}" for c in _COLUMNS)
        with self._tx() as db:
            if twin_window:
                twin = db.execute(  # the same parent too: "Run again" on a clip is not that clip's twin
                    "SELECT * FROM jobs WHERE owner = ? AND created_at >= ? AND request = ? AND backend = ? "
                    "AND COALESCE(parent_id, '') = ? AND state NOT IN ('failed', 'cancelled') "
                    "ORDER BY created_at DESC LIMIT 1",
                    (job.owner, now - twin_window, row["request"], job.backend, job.parent_id or "")).fetchone()
                if twin is not None:
                    return Job.from_row(twin)
            if admit is not None:
                admit(self._usage(db, job.payer, job.owner, day_start(now)))
            db.execute(f"INSERT INTO jobs ({cols}) VALUES ({marks})", row)
            db.executemany("INSERT INTO job_links (child_id, parent_id, position) VALUES (?, ?, ?)",
                           [(job.id, parent, i) for i, parent in enumerate(job.parents)])
            db.execute("INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
                       (job.id, now, job.state.value, detail))
        return job

    def update(self, job_id: str, *, state: JobState | None = None, detail: str | None = None,
               only_from: tuple[JobState, ...] | None = None, **values: Any) -> Job | None:
        """Change a job in one transaction; a state change also writes an event.

        only_from makes the change conditional on the current state; returns
        None when the condition did not hold (someone else moved the job).
        """
        now = time.time()
        values = {k: (json.dumps(v) if k == "quote" else v) for k, v in values.items()}
        if state is not None:
            values["state"] = state.value
        values["updated_at"] = now
        sets = ", ".join(f"{k} = :{k}" for k in values)
        where = "id = :id"
        if only_from:
            where += " AND state IN (%s)" % ", ".join(f"'{s.value}'" for s in only_from)
        with self._tx() as db:
            cur = db.execute(f"UPDATE jobs SET {sets} WHERE {where}", {**values, "id": job_id})
            if cur.rowcount == 0:
                return None
            if state is not None:
                db.execute("INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
                           (job_id, now, state.value, detail))
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return _with_parents(db, [row])[0]

    def claim(self, job_id: str, holder: str) -> bool:
        """Take a job to drive it, unless a live process already holds it."""
        with self._tx() as db:
            row = db.execute("SELECT claimed_by, claimed_at FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return False
            current = row["claimed_by"]
            if current and current != holder and holder_alive(current, row["claimed_at"]):
                return False
            db.execute("UPDATE jobs SET claimed_by = ?, claimed_at = ? WHERE id = ?", (holder, time.time(), job_id))
        return True

    def renew_claims(self, holder: str) -> None:
        """Keep this process's claims fresh (the sweeper calls it well inside the lease)."""
        with self._tx() as db:
            db.execute("UPDATE jobs SET claimed_at = ? WHERE claimed_by = ?", (time.time(), holder))

    def record_run(self, job_id: str, shape: str, seconds: float) -> None:
        """Keep how long a finished task ran at the provider (once per job)."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO task_times (job_id, shape, seconds, finished_at) VALUES (?, ?, ?, ?)",
                       (job_id, shape, seconds, time.time()))

    def release(self, job_id: str, holder: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE jobs SET claimed_by = NULL, claimed_at = NULL WHERE id = ? AND claimed_by = ?",
                       (job_id, holder))

    # --- reads ------------------------------------------------------------

    def get(self, job_id: str, owner: str | None = None) -> Job:
        with self._read() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or (owner is not None and row["owner"] != owner):
                raise NotFound(f"No job {job_id!r} here: pick one from the gallery.")
            return _with_parents(db, [row])[0]

    def list(self, owner: str, limit: int = 200) -> list[Job]:
        with self._read() as db:
            rows = db.execute("SELECT * FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                              "ORDER BY created_at DESC, rowid DESC LIMIT ?", (owner, limit)).fetchall()
            return _with_parents(db, rows)

    def children(self, job_id: str, owner: str) -> list[Job]:
        """The owner's jobs made from this one (any position among their parents), oldest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT jobs.* FROM job_links JOIN jobs ON jobs.id = job_links.child_id "
                "WHERE job_links.parent_id = ? AND jobs.owner = ? "
                "GROUP BY jobs.id ORDER BY jobs.created_at, jobs.rowid", (job_id, owner)).fetchall()
            return _with_parents(db, rows)

    def page(self, owner: str, filter: Filter, after: Cursor | None, limit: int) -> Page:
        """One page of the owner's jobs, newest first, with the count of all that match."""
        where, args = filter.where(owner)
        running = ", ".join(f"'{s.value}'" for s in JobState if not s.finished)
        with self._read() as db:
            total = db.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", args).fetchone()[0]
            unfinished = db.execute(f"SELECT COUNT(*) FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                                    f"AND state IN ({running})", (owner,)).fetchone()[0]
            if after is not None:
                where += " AND (created_at < ? OR (created_at = ? AND id < ?))"
                args = [*args, after.created_at, after.created_at, after.job_id]
            rows = db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY created_at DESC, id DESC LIMIT ?",
                              [*args, limit + 1]).fetchall()
        jobs = [Job.from_row(r) for r in rows[:limit]]
        more = len(rows) > limit and jobs
        return Page(jobs, total, Cursor(jobs[-1].created_at, jobs[-1].id) if more else None, unfinished, filter)

    def changed(self, owner: str) -> str:
        """A short token that changes whenever any of the owner's jobs changes (the gallery polls it)."""
        with self._read() as db:
            latest, count = db.execute("SELECT MAX(updated_at), COUNT(*) FROM jobs WHERE owner = ?",
                                       (owner,)).fetchone()
        return f"{count}:{latest!r}"

    def save_draft(self, owner: str, fields: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO drafts (owner, fields, updated_at) VALUES (?, ?, ?) ON CONFLICT(owner) "
                       "DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at",
                       (owner, json.dumps(fields, ensure_ascii=False), time.time()))

    def draft(self, owner: str) -> dict[str, Any]:
        with self._read() as db:
            row = db.execute("SELECT fields FROM drafts WHERE owner = ?", (owner,)).fetchone()
        return json.loads(row[0]) if row else {}

    def backends(self, owner: str) -> list[str]:
        """The backends the owner's jobs ran on (the gallery's backend filter offers these)."""
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT backend FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                              "ORDER BY backend", (owner,)).fetchall()
        return [r[0] for r in rows]

    def unfinished(self, watch_for: float = 86400) -> list[Job]:
        """Jobs a runner must still drive, including ones whose result we still collect: stopped
        waiting, billed but not collected yet, or past their deadline while the task may still end
        (those for `watch_for` seconds after they were made: a provider forgets a task in 24 h)."""
        names = ", ".join(f"'{s.value}'" for s in JobState if not s.finished)
        with self._read() as db:
            rows = db.execute(
                f"SELECT * FROM jobs WHERE state IN ({names}) OR (task_id IS NOT NULL AND ("
                "(state = 'cancelled' AND error_code = 'stopped_waiting') OR "
                "(state = 'uncollected' AND error_code = 'not_collected') OR "
                "(state = 'failed' AND error_code = 'deadline' AND created_at > ?))) ORDER BY created_at",
                (time.time() - watch_for,)).fetchall()
        return [Job.from_row(r) for r in rows]

    def events(self, job_id: str) -> list[dict[str, Any]]:
        with self._read() as db:
            rows = db.execute("SELECT at, state, detail FROM job_events WHERE job_id = ? ORDER BY id",
                              (job_id,)).fetchall()
        return [dict(r) for r in rows]

    def _usage(self, db: sqlite3.Connection, payer: str, owner: str, since: float) -> Usage:
        marks = ", ".join("?" * len(UNFINISHED))
        return Usage(
            payer_today=db.execute(f"SELECT COALESCE(SUM({SPEND}), 0) FROM jobs WHERE payer = ? AND created_at >= ?",
                                   (payer, since)).fetchone()[0],
            studio_today=db.execute(f"SELECT COALESCE(SUM({SPEND}), 0) FROM jobs WHERE created_at >= ?",
                                    (since,)).fetchone()[0],
            running=db.execute(f"SELECT COUNT(*) FROM jobs WHERE payer = ? AND key_source = 'owner' "
                               f"AND state IN ({marks})",
                               (payer, *UNFINISHED)).fetchone()[0])

    def usage(self, payer: str, owner: str, since: float) -> Usage:
        """What counts against the caps: the payer's and the studio's spend since `since`, and the payer's
        running jobs (anonymous identities from one address are one payer)."""
        with self._read() as db:
            return self._usage(db, payer, owner, since)

    def run_times(self, shape: str, limit: int) -> list[float]:
        """The newest provider run times of tasks of this shape, newest first."""
        with self._read() as db:
            rows = db.execute("SELECT seconds FROM task_times WHERE shape = ? ORDER BY finished_at DESC LIMIT ?",
                              (shape, limit)).fetchall()
        return [r[0] for r in rows]

    def running_since(self, job_id: str) -> float | None:
        """When the provider took the job (its first `running` event), or None."""
        return self.entered(job_id, JobState.RUNNING)

    def entered(self, job_id: str, state: JobState) -> float | None:
        """When the job first entered `state` (its first event in it), or None."""
        with self._read() as db:
            row = db.execute("SELECT at FROM job_events WHERE job_id = ? AND state = ? ORDER BY id LIMIT 1",
                             (job_id, state.value)).fetchone()
        return row[0] if row else None

    def spent(self, owner: str) -> float:
        with self._read() as db:
            row = db.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM jobs WHERE owner = ?", (owner,)).fetchone()
        return float(row[0])

    def charges(self, owner: str) -> list[tuple[str, str | None, float, float]]:
        """(backend, base_url, cost_usd, finished at) of each of the owner's jobs that reported a cost."""
        with self._read() as db:
            rows = db.execute("SELECT backend, base_url, cost_usd, updated_at FROM jobs "
                              "WHERE owner = ? AND cost_usd IS NOT NULL", (owner,)).fetchall()
        return [tuple(r) for r in rows]


def _with_parents(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Job]:
    """Jobs from rows, each with its parents in order (one query for all of them)."""
    jobs = [Job.from_row(r) for r in rows]
    derived = [j.id for j in jobs if j.parent_id or j.made_as]
    if not derived:
        return jobs
    links: dict[str, list[str]] = {}
    for chunk in range(0, len(derived), 500):
        part = derived[chunk:chunk + 500]
        marks = ", ".join("?" * len(part))
        for child, parent in db.execute(f"SELECT child_id, parent_id FROM job_links WHERE child_id IN ({marks}) "
                                        "ORDER BY child_id, position", part):
            links.setdefault(child, []).append(parent)
    for j in jobs:
        j.parents = tuple(links.get(j.id, ()))
    return jobs
