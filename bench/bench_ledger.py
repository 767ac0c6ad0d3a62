"""Ledger growth: a user's newest page, their spend, and the studio's start-up, at 1k / 10k / 100k jobs.

    python bench/bench_ledger.py [--sizes 1000,10000,100000] [--app]

Each ledger holds finished jobs (and their events and run times) from 20 users,
written straight into SQLite. Per size: the gallery's newest page of one user
(service.jobs: 200 jobs), their spend (service.spent), a run-time estimate
(what the runner reads before polling a task), the studio object's
start-up (ledger open, migrations, resume sweep, first page), and with --app
`python app.py` to its first answer on that data directory.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.app import start_app, stop_app  # noqa: E402
from studio import config  # noqa: E402
from studio.jobs import ledger as ledger_mod  # noqa: E402
from studio.jobs import timing  # noqa: E402
from studio.jobs.ledger import Ledger  # noqa: E402
from studio.jobs.model import Job, JobState  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402
from studio.variants import Request, Variant  # noqa: E402

OWNERS = [f"user:{n}" for n in range(20)]


def fill(path: Path, n: int) -> None:
    """n succeeded jobs, newest last, spread over 20 users, with two events and a run time each."""
    Ledger(path)  # schema
    request = Request(Variant.T2V, prompt="a horse on a beach at dawn", duration=5)
    start = time.time() - n * 60
    rows, events, runs = [], [], []
    for i in range(n):
        job = Job(id=f"{i:016x}", owner=OWNERS[i % len(OWNERS)], request=request, backend="dashscope",
                  state=JobState.SUCCEEDED, quote_usd=0.7, quote={"output_seconds": 5}, seed=i,
                  task_id=f"task-{i}", output_path=f"/data/media/{i:016x}.mp4", width=1280, height=720,
                  seconds=5.0, billed_seconds=5, cost_usd=0.7, created_at=start + i * 60,
                  updated_at=start + i * 60 + 40)
        rows.append(job.to_row())
        events += [(job.id, job.created_at, "queued", None), (job.id, job.updated_at, "succeeded", None)]
        runs.append((job.id, "dashscope/t2v/720P/5s", 30.0 + i % 7, job.updated_at))
    cols = ledger_mod._COLUMNS
    db = sqlite3.connect(path)
    with db:
        db.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})", rows)
        db.executemany("INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)", events)
        db.executemany("INSERT INTO task_times (job_id, shape, seconds, finished_at) VALUES (?, ?, ?, ?)", runs)
    db.close()


def timed(fn, runs: int = 20) -> float:
    """Median milliseconds of fn() over runs."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def studio_start(data_dir: Path) -> float:
    t = time.perf_counter()
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir)})).start()
    studio.core.jobs(Caller.of(OWNERS[0]))
    elapsed = (time.perf_counter() - t) * 1000
    studio.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--app", action="store_true", help="also time `python app.py` to its first answer")
    args = parser.parse_args()
    print("| jobs in the ledger | newest page (200) | spend | run-time estimate | studio start-up | python app.py |")
    print("|---|---|---|---|---|---|")
    for n in [int(s) for s in args.sizes.split(",")]:
        data_dir = Path(tempfile.mkdtemp(prefix=f"bench-ledger-{n}-"))
        fill(data_dir / "ledger.sqlite3", n)
        studio = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir)}))
        page = timed(lambda: studio.core.jobs(Caller.of(OWNERS[3])))
        spend = timed(lambda: studio.billing.spend(Caller.of(OWNERS[3])))
        learn = timed(lambda: timing.estimate(studio.ledger.run_times("dashscope/t2v/720P/5s", timing.HISTORY)))
        start = statistics.median(studio_start(data_dir) for _ in range(5))
        app = "-"
        if args.app:
            t = time.perf_counter()
            running = start_app(data_dir)
            app = f"{time.perf_counter() - t:.1f} s"
            stop_app(running)
        print(f"| {n:,} | {page:.1f} ms | {spend:.2f} ms | {learn:.2f} ms | {start:.0f} ms | {app} |", flush=True)


if __name__ == "__main__":
    main()
