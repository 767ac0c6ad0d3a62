"""The suite's fixtures and shared helpers, in one place.

- wait_until: the one way a test waits for something to happen (never a fixed sleep).
- a studio process (studio_app), the emulator (emulator), a throwaway PostgreSQL (pg_server, pg_url) and
  the store a ledger test runs on (store, ledger_location: each such test runs on SQLite and PostgreSQL);
  the processes themselves are started by harness/, which bench/ uses too.
- studios in this process on the emulator (make_studio, settings_for, submit, finish), a job for the
  ledger (make_job), the CLI (cli), headless Chromium (browser).
- the counting suites' table (tests/tally.py) printed at the end of the run, workers' counts included;
  the browser pages a test opened, closed after it; the number of workers `-n auto` starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest

from harness.app import ROOT, start_app, stop_app
from harness.emulator import RunningEmulator, start_emulator, stop_emulator
from harness.gallery import seed_jobs
from harness.postgres import start_pg, stop_pg
from studio import config, variants
from studio.gradio_import import skip_stub_writing
from studio.jobs.model import Job, JobState
from studio.service import LOCAL, Studio
from tests.tally import dump, gather, table

pytest_plugins = ["tests.s3_fixture"]  # its fixtures (s3_server, bucket, proxy), registered here for every test

TALLY_DIR = "HAPPYHORSE_TALLY_DIR"
STORES = ["sqlite", "postgresql"]
BACKENDS = ("dashscope", "inferencesh")  # the real adapters, each against the emulator
MAX_WORKERS = 4  # past this the suite's studios, browsers and encoders only queue for the same cores


def wait_until(check, timeout: float = 30, what: str = "the expected state", interval: float = 0.05):
    """Ask check() every `interval` seconds until it answers something true, and return that answer;
    fail naming `what` (and the last answer) when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what} (last seen: {found!r})")
        time.sleep(interval)


# --- processes: a studio, the emulator, PostgreSQL ------------------------------------------------


@pytest.fixture(scope="module")
def studio_app(tmp_path_factory):
    """A studio process (python app.py) on the free preview backend, for the tests of one module."""
    app = start_app(tmp_path_factory.mktemp("studio") / "data")
    yield app
    stop_app(app)


def seeded_app(tmp_path_factory, name: str, jobs: int, states: bool = True):
    """A studio whose ledger holds `jobs` finished jobs (of every state unless states=False: see
    harness.gallery), for a module fixture to `yield from`."""
    data = tmp_path_factory.mktemp(name) / "data"
    seed_jobs(data, jobs, states=states)
    app = start_app(data)
    yield app
    stop_app(app)


_emulator: dict[str, RunningEmulator] = {}


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> RunningEmulator:
    """The emulator on 127.0.0.1: one process for the session, reset before each test (no tasks, files or
    faults; task_seconds 0.2). emulator.url is both providers' base URL; emulator.control configures it."""
    running = _emulator.get("process")
    if running is None or running.process.poll() is not None:
        running = start_emulator()
        _emulator["process"] = running
        request.config.add_cleanup(lambda: stop_emulator(_emulator.pop("process", running)))
    running.control.reset()
    return running


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL cluster for the session. If it cannot be started, the PostgreSQL tests FAIL with the
    reason: they never skip."""
    try:
        server = start_pg()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    stop_pg(server)


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database."""
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


# --- studios in this process, on the emulator ------------------------------------------------------


def settings_for(emulator, tmp_path, backend, **extra):
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": backend,
           "DASHSCOPE_API_KEY": "sk-test-secret-0001", "DASHSCOPE_BASE_URL": emulator.url,
           "INFERENCE_API_KEY": "inf_test-secret-0002", "INFERENCE_BASE_URL": emulator.url,
           "STUDIO_REQUESTS_PER_MINUTE": "0", **extra}
    return config.load(env)


@pytest.fixture
def make_studio(emulator, tmp_path):
    """make(backend, **env): a started studio on the emulator (its waits scaled down), closed after the test."""
    made = []

    def make(backend, **extra):
        s = Studio(settings_for(emulator, tmp_path, backend, **extra), time_scale=0.05).start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def submit(studio, variant, **fields):
    return studio.core.submit(LOCAL, studio.core.prepare(variant, **fields))


def finish(studio, job, timeout=60):
    return studio.core.wait(LOCAL, job.id, timeout=timeout, interval=0.05)


def wait_for_state(studio, job_id, state: JobState, timeout: float = 20) -> Job:
    """The job once it reaches `state`."""
    return wait_until(lambda: (job := studio.core.job(LOCAL, job_id)).state is state and job, timeout,
                      f"job {job_id} {state.value}")


def make_job(i: int, owner: str = "local") -> Job:
    """A queued preview job for the ledger, numbered i."""
    return Job(id=f"job{i:04d}", owner=owner, request=variants.build("t2v", prompt=f"shot {i}"), backend="preview",
               quote_usd=0.7, quote={"total": 0.7}, seed=i, created_at=1000.0 + i)


def cli(data_dir, *args, env=None) -> subprocess.CompletedProcess:
    """`python -m studio ARGS` on a data folder, without any provider key of this environment."""
    env = {**os.environ, "STUDIO_DATA_DIR": str(data_dir), **(env or {})}
    for name in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package), for the tests of one module."""
    from playwright.sync_api import sync_playwright

    from harness.browser import launch

    with sync_playwright() as p:
        try:
            b = launch(p)
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        yield b
        b.close()


# --- the run itself ----------------------------------------------------------------------------


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker per core, at most MAX_WORKERS, at least 2. (One more than the cores measured
    slower on 2 quiet cores, 1052 s against 1004 s, and its contention timed out four browser tests.)"""
    return max(2, min(MAX_WORKERS, os.cpu_count() or 2))


def pytest_configure(config):
    skip_stub_writing()  # as app.py does, before any test module imports Gradio: about 2 s per worker
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        os.environ[TALLY_DIR] = tempfile.mkdtemp(prefix="happyhorse-tally-")


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput") and os.environ.get(TALLY_DIR):
        dump(os.environ[TALLY_DIR])


def pytest_terminal_summary(terminalreporter):
    if os.environ.get(TALLY_DIR):
        gather(os.environ[TALLY_DIR])
    lines = table()
    if lines:
        terminalreporter.section("cases tried and passed, by kind")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_browser_page_outlives_its_test():
    """A page a failed test left open keeps following its studio (and saving its draft) into the next test."""
    yield
    pages = sys.modules.get("tests.browser_fixture")
    if pages is not None:
        pages.close_pages()
