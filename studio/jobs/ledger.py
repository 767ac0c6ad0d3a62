"""The job ledger: safe under concurrent writers, crashes and many replicas.

One contract over two stores: a SQLite file on one machine (store_sqlite, the default) or a
PostgreSQL database shared by many replicas (store_postgres, STUDIO_DATABASE_URL). The SQL and
the migrations are written once, in SQLite's spelling; the stores differ only in connections,
locking and where the schema version lives. Short transactions, forward migrations. Every state
change is written together with an event row, so each job keeps its history. Nothing secret is
ever written here.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from studio.budgets import Usage, day_start
from studio.errors import NotFound
from studio.jobs.compares import Compares
from studio.jobs.library import Library
from studio.jobs.locations import Locations
from studio.jobs.migrations import MIGRATIONS
from studio.jobs.model import Job, JobState, Phase, phase_sql
from studio.jobs.spending import Spending, usage_in
from studio.jobs.store_sqlite import SqliteStore



# Seconds a claim from another host stays valid without renewal. The sweeper renews every 15 s
# (runner.SWEEP_SECONDS) and takes over stale claims on its next sweep: a dead replica's jobs move
# to a live one within a minute.
CLAIM_LEASE = 45.0

_COLUMNS = [f.name for f in fields(Job) if f.name != "parents"] + ["variant", "model"]
_COLUMNS.remove("request")
_COLUMNS.append("request")


def process_id() -> str:
    """This process, as host and pid: a dead holder on this host is noticed at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_id() -> str:
    """Who holds a job: one runner, as its process and a name of its own. Two runners in one process (two
    studios on one ledger) are two holders, so one never drives a job the other already drives."""
    return f"{process_id()}:{uuid.uuid4().hex[:8]}"


def holder_process(holder: str) -> str:
    """The process ("host:pid") a holder (a runner_id, or a process_id) runs in."""
    return ":".join(holder.split(":")[:2])


def holder_alive(holder: str | None, claimed_at: float | None = None) -> bool:
    """A holder on this host is alive while its process is; elsewhere, while it renews its lease."""
    if not holder:
        return False
    host, _, pid = holder_process(holder).partition(":")
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
    """The jobs, in a SQLite file (a path) or a PostgreSQL database (a postgresql:// URL)."""

    def __init__(self, location: Path | str):
        self.store = open_store(location)
        self.path = getattr(self.store, "path", None)
        self.shared = self.store.shared  # replicas on other hosts may hold jobs
        self._migrate()
        self.library = Library(self.store)    # the gallery's pages and the owners' drafts
        self.spending = Spending(self.store)  # what the caps count, and each job's cost
        self.locations = Locations(self.store)  # where jobs' clips and posters live (media move)
        self.compares = Compares(self.store, _with_parents)  # the jobs of each compare, in order

    def _migrate(self) -> None:
        version = self.store.version()
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{self.store} was written by a newer studio (schema {version}); upgrade the studio.")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.store.apply(script if isinstance(script, str) else script[self.store.dialect], number)

    @property
    def schema_version(self) -> int:
        return self.store.version()

    def notify(self, job_id: str) -> None:
        """Wake whichever replica drives this job (a webhook or a cancel arrived here)."""
        self.store.notify(job_id)

    def listen(self, callback: Callable[[str], None]) -> Callable[[], None] | None:
        """Hear other replicas' notify(); returns how to stop, or None on a single machine."""
        return self.store.listen(callback)

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
        with self.store.tx() as db:
            if twin_window or admit is not None:
                self.store.serialize(db)  # the next add sees this one before checking
            if twin_window:
                twin = db.execute(  # the same parent too: "Run again" on a clip is not that clip's twin
                    "SELECT * FROM jobs WHERE owner = ? AND created_at >= ? AND request = ? AND backend = ? "
                    "AND COALESCE(parent_id, '') = ? AND state NOT IN ('failed', 'cancelled') "
                    "ORDER BY created_at DESC LIMIT 1",
                    (job.owner, now - twin_window, row["request"], job.backend, job.parent_id or "")).fetchone()
                if twin is not None:
                    return Job.from_row(twin)
            if admit is not None:
                admit(usage_in(db, job.payer, day_start(now)))
            _insert(db, row, job, now, detail)
        return job

    def add_group(self, jobs: list[Job], details: list[str | None], *, admit: Callable[[Usage], None] | None = None,
                  twin_window: float | None = None) -> list[Job]:
        """Insert the jobs of one compare (each naming its compare_id and position) in one transaction: the
        caps see them all at once, so either every job is added or none is.

        admit: called once with the payer's usage; raises to refuse the whole group.
        twin_window: if the same owner started a compare of the same requests on the same backend within that
        many seconds (and none of it failed), that compare's jobs are returned instead: a double click pays once.
        """
        now = time.time()
        rows = []
        for job in jobs:
            job.created_at = job.created_at or now
            job.updated_at = now
            job.payer = job.payer or job.owner
            rows.append(job.to_row())
        with self.store.tx() as db:
            self.store.serialize(db)  # the next add sees these before checking
            if twin_window:
                twin = self.compares.twin(db, jobs[0].owner, now - twin_window, [(r["request"], r["backend"])
                                                                                 for r in rows])
                if twin:
                    return _with_parents(db, twin)
            if admit is not None:
                admit(usage_in(db, jobs[0].payer, day_start(now)))
            for job, row, detail in zip(jobs, rows, details):
                _insert(db, row, job, now, detail)
        return jobs

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
        with self.store.tx() as db:
            cur = db.execute(f"UPDATE jobs SET {sets} WHERE {where}", {**values, "id": job_id})
            if cur.rowcount == 0:
                return None
            if state is not None:
                db.execute("INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
                           (job_id, now, state.value, detail))
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return _with_parents(db, [row])[0]

    def claim(self, job_id: str, holder: str) -> bool:
        """Take a job to drive it, unless a live process already holds it.

        The row is locked while deciding; on PostgreSQL a row another replica is claiming
        right now is skipped (SKIP LOCKED): that replica gets it, nobody waits.
        """
        with self.store.tx() as db:
            row = db.execute(f"SELECT claimed_by, claimed_at FROM jobs WHERE id = ?{self.store.skip_locked}",
                             (job_id,)).fetchone()
            if row is None:
                return False
            current = row["claimed_by"]
            if current and current != holder and holder_alive(current, row["claimed_at"]):
                return False
            db.execute("UPDATE jobs SET claimed_by = ?, claimed_at = ? WHERE id = ?", (holder, time.time(), job_id))
        return True

    def renew_claims(self, holder: str) -> None:
        """Keep this process's claims fresh (the sweeper calls it well inside the lease)."""
        with self.store.tx() as db:
            db.execute("UPDATE jobs SET claimed_at = ? WHERE claimed_by = ?", (time.time(), holder))

    def record_run(self, job_id: str, shape: str, seconds: float) -> None:
        """Keep how long a finished task ran at the provider (once per job)."""
        with self.store.tx() as db:
            db.execute("INSERT INTO task_times (job_id, shape, seconds, finished_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (job_id) DO UPDATE SET shape = excluded.shape, seconds = excluded.seconds, "
                       "finished_at = excluded.finished_at", (job_id, shape, seconds, time.time()))

    def release(self, job_id: str, holder: str) -> None:
        with self.store.tx() as db:
            db.execute("UPDATE jobs SET claimed_by = NULL, claimed_at = NULL WHERE id = ? AND claimed_by = ?",
                       (job_id, holder))

    # --- reads ------------------------------------------------------------

    def uses_input(self, path: str) -> bool:
        """Whether any job's request names this kept input file (its first frame, a reference, its video).
        Kept inputs are named by their content's digest, so the name alone is matched (JSON escapes the rest)."""
        name = Path(path).name.replace("%", "")  # (a "_" only widens the match: the file is kept)
        with self.store.read() as db:
            return db.execute("SELECT 1 FROM jobs WHERE request LIKE ? LIMIT 1", (f"%{name}%",)).fetchone() is not None

    def get(self, job_id: str, owner: str | None = None) -> Job:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or (owner is not None and row["owner"] != owner):
                raise NotFound(job_id)
            return _with_parents(db, [row])[0]

    def list(self, owner: str, limit: int = 200) -> list[Job]:
        with self.store.read() as db:
            rows = db.execute("SELECT * FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                              f"ORDER BY created_at DESC, {self.store.insertion} DESC LIMIT ?", (owner, limit)).fetchall()
            return _with_parents(db, rows)

    def children(self, job_id: str, owner: str) -> list[Job]:
        """The owner's jobs made from this one (any position among their parents), oldest first."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT jobs.* FROM job_links JOIN jobs ON jobs.id = job_links.child_id "
                "WHERE job_links.parent_id = ? AND jobs.owner = ? "
                f"GROUP BY jobs.id ORDER BY jobs.created_at, {self.store.insertion}", (job_id, owner)).fetchall()
            return _with_parents(db, rows)

    def unfinished(self, watch_for: float = 86400) -> list[Job]:
        """Jobs a runner must still drive, including ones whose result we still collect: stopped
        waiting, billed but not collected yet, or past their deadline while the task may still end
        (those for `watch_for` seconds after they were made: a provider forgets a task in 24 h)."""
        with self.store.read() as db:
            rows = db.execute(
                f"SELECT * FROM jobs WHERE {phase_sql(Phase.WORKING)} OR (task_id IS NOT NULL AND ("
                f"{phase_sql(Phase.STOPPED_WAITING, Phase.OWED)} OR "
                f"({phase_sql(Phase.PAST_DEADLINE)} AND created_at > ?))) ORDER BY created_at",
                (time.time() - watch_for,)).fetchall()
        return [Job.from_row(r) for r in rows]

    def events(self, job_id: str) -> list[dict[str, Any]]:
        with self.store.read() as db:
            rows = db.execute("SELECT at, state, detail FROM job_events WHERE job_id = ? ORDER BY id",
                              (job_id,)).fetchall()
        return [dict(r) for r in rows]

    def run_times(self, shape: str, limit: int) -> list[float]:
        """The newest provider run times of tasks of this shape, newest first."""
        with self.store.read() as db:
            rows = db.execute("SELECT seconds FROM task_times WHERE shape = ? ORDER BY finished_at DESC LIMIT ?",
                              (shape, limit)).fetchall()
        return [r["seconds"] for r in rows]

    def running_since(self, job_id: str) -> float | None:
        """When the provider took the job (its first `running` event), or None."""
        return self.entered(job_id, JobState.RUNNING)

    def entered(self, job_id: str, state: JobState) -> float | None:
        """When the job first entered `state` (its first event in it), or None."""
        with self.store.read() as db:
            row = db.execute("SELECT at FROM job_events WHERE job_id = ? AND state = ? ORDER BY id LIMIT 1",
                             (job_id, state.value)).fetchone()
        return row["at"] if row else None


def _insert(db: Any, row: dict[str, Any], job: Job, now: float, detail: str | None) -> None:
    """One new job's row, its links to its parents and its first event, inside the caller's transaction."""
    db.execute(f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join(f':{c}' for c in _COLUMNS)})", row)
    db.executemany("INSERT INTO job_links (child_id, parent_id, position) VALUES (?, ?, ?)",
                   [(job.id, parent, i) for i, parent in enumerate(job.parents)])
    db.execute("INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
               (job.id, now, job.state.value, detail))


def open_store(location: Path | str):
    """The store a location names: a postgresql:// URL, or a SQLite file's path."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        from studio.jobs.store_postgres import PostgresStore  # psycopg is needed only here

        return PostgresStore(location)
    return SqliteStore(Path(location))


def _with_parents(db: Any, rows: list[Any]) -> list[Job]:
    """Jobs from rows, each with its parents in order (one query for all of them)."""
    jobs = [Job.from_row(r) for r in rows]
    derived = [j.id for j in jobs if j.parent_id or j.made_as]
    if not derived:
        return jobs
    links: dict[str, list[str]] = {}
    for chunk in range(0, len(derived), 500):
        part = derived[chunk:chunk + 500]
        marks = ", ".join("?" * len(part))
        for r in db.execute(f"SELECT child_id, parent_id FROM job_links WHERE child_id IN ({marks}) "
                            "ORDER BY child_id, position", part):
            links.setdefault(r["child_id"], []).append(r["parent_id"])
    for j in jobs:
        j.parents = tuple(links.get(j.id, ()))
    return jobs
