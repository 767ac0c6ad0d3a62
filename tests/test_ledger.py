"""The ledger keeps every job across restarts, under concurrent writers, and migrates its schema.

Every test runs on both stores (SQLite and PostgreSQL), so the two cannot drift."""

import multiprocessing
import queue
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from studio.errors import NotFound
from studio.jobs import ledger as ledger_mod
from studio.jobs.ledger import Ledger
from studio.jobs.model import JobState
from tests.conftest import make_job, wait_until


def test_jobs_survive_reopening_newest_first(ledger_location):
    path = ledger_location
    first = Ledger(path)
    for i in range(3):
        first.add(make_job(i))
    first.update("job0001", state=JobState.RUNNING, task_id="t-1", progress=0.5)
    again = Ledger(path)
    jobs = again.list("local")
    assert [j.id for j in jobs] == ["job0002", "job0001", "job0000"]
    assert jobs[1].state is JobState.RUNNING and jobs[1].task_id == "t-1" and jobs[1].progress == 0.5
    assert jobs[1].request.prompt == "shot 1"
    assert [e["state"] for e in again.events("job0001")] == ["queued", "running"]


def test_owners_see_only_their_own_jobs(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1, owner="user:ann"))
    led.add(make_job(2, owner="user:bob"))
    assert [j.id for j in led.list("user:ann")] == ["job0001"]
    with pytest.raises(NotFound):
        led.get("job0002", owner="user:ann")


def test_conditional_update_does_not_overwrite_a_moved_job(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1))
    led.update("job0001", state=JobState.CANCELLED)
    assert led.update("job0001", state=JobState.SUBMITTING, only_from=(JobState.QUEUED,)) is None
    assert led.get("job0001").state is JobState.CANCELLED


def test_no_secret_or_internal_field_in_the_record(ledger_location):
    led = Ledger(ledger_location)
    job = make_job(1)
    job.webhook_secret = "s3cret-value"
    led.add(job)
    record = led.get("job0001").record()
    assert "webhook_secret" not in record and "s3cret-value" not in str(record)


def _writer(path, start):
    led = Ledger(path)
    for i in range(start, start + 50):
        led.add(make_job(i))
        led.update(f"job{i:04d}", state=JobState.RUNNING, progress=0.1)


def test_concurrent_writers_from_several_processes(ledger_location, store):
    path = ledger_location
    Ledger(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, n * 100)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    led = Ledger(path)
    assert len(led.list("local", limit=1000)) == 200
    assert all(j.state is JobState.RUNNING for j in led.list("local", limit=1000))
    if store == "sqlite":
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _open_at_once(path, barrier):
    barrier.wait(60)  # every process opens the fresh ledger at the same moment
    Ledger(path)


def test_several_processes_opening_a_fresh_ledger_at_once_migrate_it_once(ledger_location):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_open_at_once, args=(ledger_location, barrier)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 6  # before: "duplicate column name" in all but one
    led = Ledger(ledger_location)
    assert led.schema_version == len(ledger_mod.MIGRATIONS)
    led.add(make_job(1))  # and the schema is whole
    assert led.get("job0001").state is JobState.QUEUED


def test_schema_version_and_refusing_a_newer_ledger(ledger_location):
    led = Ledger(ledger_location)
    assert led.schema_version == len(ledger_mod.MIGRATIONS)
    led.store.apply("", 99)  # as a newer studio would leave it
    with pytest.raises(RuntimeError, match="newer studio"):
        Ledger(ledger_location)


def test_a_live_holder_keeps_its_job_and_a_dead_one_loses_it(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1))
    assert led.claim("job0001", ledger_mod.process_id())
    assert not led.claim("job0001", "elsewhere:1")  # we are alive: nobody else may drive it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    led.release("job0001", ledger_mod.process_id())
    host = ledger_mod.process_id().rpartition(":")[0]
    assert led.claim("job0001", f"{host}:{dead.stdout.strip()}")
    assert led.claim("job0001", ledger_mod.process_id())  # its holder has exited: ours now


def test_two_runners_in_one_process_never_drive_one_job(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1))
    first, second = ledger_mod.runner_id(), ledger_mod.runner_id()
    assert first != second and first.startswith(ledger_mod.process_id() + ":")
    assert led.claim("job0001", first)
    assert not led.claim("job0001", second)  # the same live process, another runner: not its job
    assert led.claim("job0001", first)       # its own claim, taken again
    led.release("job0001", first)
    assert led.claim("job0001", second)


def test_a_claim_from_another_host_expires_unless_renewed(ledger_location, monkeypatch):
    led = Ledger(ledger_location)
    led.add(make_job(1))
    assert led.claim("job0001", "other-host:42")
    assert not led.claim("job0001", ledger_mod.process_id())  # fresh: the other host drives it
    later = ledger_mod.time.time() + ledger_mod.CLAIM_LEASE + 1
    monkeypatch.setattr(ledger_mod.time, "time", lambda: later)
    assert led.claim("job0001", ledger_mod.process_id())      # gone quiet: ours now


def test_a_version_1_ledger_is_migrated_in_place(ledger_location):
    path = ledger_location
    old = ledger_mod.open_store(path)
    old.apply(ledger_mod.MIGRATIONS[0], 1)
    with old.tx() as db:
        db.execute("INSERT INTO jobs (id, owner, variant, backend, state, request, created_at, updated_at) "
                   "VALUES ('old1', 'local', 't2v', 'preview', 'succeeded', ?, 1, 1)",
                   ('{"variant": "t2v", "prompt": "kept"}',))
    led = Ledger(path)
    assert led.schema_version == len(ledger_mod.MIGRATIONS)
    assert led.get("old1").request.prompt == "kept" and led.get("old1").claimed_at is None


def test_many_replicas_claiming_one_job_at_once_give_it_to_exactly_one(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1))
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda n: Ledger(ledger_location).claim("job0001", f"replica-{n}:1"), range(8)))
    assert won.count(True) == 1
    assert led.get("job0001").claimed_by == f"replica-{won.index(True)}:1"


def test_a_change_announced_by_one_replica_reaches_the_others(ledger_location, store):
    here, there = Ledger(ledger_location), Ledger(ledger_location)
    heard: queue.Queue[str] = queue.Queue()
    stop = there.listen(heard.put)
    if store == "sqlite":  # one machine: the runner that drives a job is woken directly
        assert stop is None
        return
    try:
        # the listener may still be connecting: say it again until it is heard
        wait_until(lambda: here.notify("job0001") or not heard.empty(), 10, "the notification heard", interval=0.1)
        assert heard.get(timeout=1) == "job0001"
    finally:
        stop()


def test_a_migration_only_sqlite_understands_is_refused_for_postgresql():
    from studio.jobs.store_postgres import migration

    assert "DOUBLE PRECISION" in migration("ALTER TABLE jobs ADD COLUMN ratio REAL;")
    assert "GENERATED BY DEFAULT AS IDENTITY" in migration("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);")
    with pytest.raises(ValueError, match="SQLite-only 'INSERT OR'"):
        migration("INSERT OR IGNORE INTO jobs (id) VALUES ('x');")
    for script in ledger_mod.MIGRATIONS:  # every migration in the list serves both stores
        migration(script if isinstance(script, str) else script["postgresql"])
        assert isinstance(script, str) or set(script) == {"sqlite", "postgresql"}  # spelled for each store


def test_lineage_keeps_every_parent_in_order_and_children_per_owner(ledger_location):
    from studio.jobs.model import MadeAs

    led = Ledger(ledger_location)
    for i in (1, 2):
        led.add(make_job(i))
    stitch = make_job(3)
    stitch.parent_id, stitch.made_as, stitch.parents = "job0002", MadeAs.STITCH, ("job0002", "job0001")
    led.add(stitch)
    assert led.get("job0003").parents == ("job0002", "job0001")
    assert [j.id for j in led.children("job0001", "local")] == ["job0003"]
    assert led.children("job0001", "user:someone-else") == []
