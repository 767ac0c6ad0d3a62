"""Ledger growth: a user's newest page, their spend, and the studio's start-up, at 1k / 10k / 100k jobs.

    python bench/bench_ledger.py [--sizes 1000,10000,100000] [--one-owner 0,1000,10000,100000] [--app]
                                 [--sorts 100000] [--postgres]

Many owners: each ledger holds finished jobs (and their events and run times)
from 20 users, written straight into SQLite. Per size: the gallery's newest page
of one user (service.jobs: 200 jobs), their spend (service.spent), a run-time
estimate (what the runner reads before polling a task), the studio object's
start-up (ledger open, migrations, resume sweep, first page), and with --app
`python app.py` to its first answer on that data directory.

One owner (the default single-user studio keeps every job under one owner): the
same owner's jobs at each size, 4 of them still running, prompts that differ per
job; a caps-on studio (a Space's). Per size: the gallery's newest page of 24 with
its counts, a whole redraw's ledger work (studio.ui.live: the change token, the
running list, each running job's expected time, the header's spend and caps, the
grid's page, the backend filter's choices), the spend line alone, and a prompt
search (a word in a fifth of the prompts, and one in a single prompt). The anchor
is the same call on an empty ledger and at 1,000 jobs: "flat" is the ratio to it.

Orders (--sorts): Library.page of 24 in each gallery order (newest, oldest, cost,
length) at that many jobs of one owner, its first page and a page from the middle
(a cursor after half the jobs), on SQLite and with --postgres on a throwaway
PostgreSQL server (harness.postgres) too.
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
from studio.budgets import day_start  # noqa: E402
from studio.jobs import ledger as ledger_mod  # noqa: E402
from studio.jobs import timing  # noqa: E402
from studio.jobs.ledger import Ledger  # noqa: E402
from studio.jobs.library import SORTS, Cursor, Filter  # noqa: E402
from studio.jobs.model import Job, JobState  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402
from studio.variants import Request, Variant  # noqa: E402

OWNERS = [f"user:{n}" for n in range(20)]
ONE = "local"
WORDS = ["chestnut horse gallops through the surf", "neon rain on a Tokyo alley", "a paper boat drifts",
         "morning fog over a mountain lake", "a potter's hands shape wet clay"]


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


def fill_one_owner(path: Path | str, n: int) -> None:
    """n jobs of one owner, newest last, the 4 newest still running; each with its own prompt."""
    Ledger(path)  # schema, and the triggers that keep the counts
    start = time.time() - n * 60
    rows, runs = [], []
    for i in range(n):
        running = i >= n - 4
        seconds = [3.0, 5.0, 8.0, 10.0, 15.0][i * 7 % 5]
        prompt = f"{WORDS[i % 5]}{' and a zebra' if i % 1000 == 500 else ''} (take {i})"
        job = Job(id=f"{i:016x}", owner=ONE, request=Request(Variant.T2V, prompt=prompt, duration=5),
                  backend="dashscope", state=JobState.RUNNING if running else JobState.SUCCEEDED, quote_usd=0.7,
                  quote={"output_seconds": 5}, seed=i, task_id=f"task-{i}",
                  cost_usd=None if running else round(0.14 * seconds, 2), seconds=None if running else seconds,
                  created_at=start + i * 60, updated_at=start + i * 60 + 40, base_url="https://dashscope.example")
        rows.append(job.to_row())
        runs.append((job.id, "dashscope/t2v/720P/5s", 30.0 + i % 7, job.updated_at))
    cols = ledger_mod._COLUMNS
    if not isinstance(path, Path):  # a PostgreSQL URL: the jobs alone (the orders' bench reads nothing else)
        led = Ledger(path)
        with led.store.tx() as pg:
            pg.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                           rows)
            pg.execute("ANALYZE jobs")
        return
    db = sqlite3.connect(path)
    with db:
        db.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})", rows)
        db.executemany("INSERT INTO job_events (job_id, at, state, detail) SELECT id, created_at, state, NULL "
                       "FROM jobs WHERE id = ?", [(r[0],) for r in runs[-4:]])
        db.executemany("INSERT INTO task_times (job_id, shape, seconds, finished_at) VALUES (?, ?, ?, ?)", runs)
    db.close()


def redraw(studio: Studio, kept_spend: bool = False) -> None:
    """The ledger work of one redraw of the page (studio.ui.live, header and grid), as the UI calls it;
    kept_spend: the header's spend read from the sums kept per day (Spending.charges_by_backend) instead
    of every charged job (Spending.charges, which the service's spend line still reads)."""
    studio.gallery.changed(Caller.of(ONE))
    running = studio.gallery.page(Caller.of(ONE), Filter(state="running"), limit=100).jobs
    for job in running:
        studio.core.expected_time(Caller.of(ONE), job.id)
    if kept_spend:
        studio.ledger.spending.charges_by_backend(ONE, day_start())
    else:
        studio.billing.spend(Caller.of(ONE))
    studio.billing.allowance(Caller.of(ONE), ONE)
    studio.gallery.page(Caller.of(ONE), Filter(), limit=24)
    studio.gallery.backends(Caller.of(ONE))


def one_owner(sizes: list[int]) -> None:
    print("\nOne owner: medians of 20, CPU ms of this process (the machine's load inflates wall time, not this); "
          "in brackets the ratio to the empty ledger / to 1,000 jobs")
    print("| jobs of one owner | newest page of 24 with counts | redraw's ledger work | the same, spend from kept "
          "sums | spend line (charges) | search, a fifth match | search, one in 1,000 |")
    print("|---|---|---|---|---|---|---|")
    anchors: dict[str, list[float]] = {}
    for n in sizes:
        data_dir = Path(tempfile.mkdtemp(prefix=f"bench-ledger-one-{n}-"))
        fill_one_owner(data_dir / "ledger.sqlite3", n)
        studio = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir), "STUDIO_BUDGET_USER_DAY": "5",
                                     "STUDIO_BUDGET_DAY": "20", "STUDIO_MAX_RUNNING_PER_USER": "2"}))
        cpu = time.process_time
        figures = {"page": timed(lambda: studio.gallery.page(Caller.of(ONE), Filter(), limit=24), clock=cpu),
                   "redraw": timed(lambda: redraw(studio), clock=cpu),
                   "redraw kept": timed(lambda: redraw(studio, kept_spend=True), clock=cpu),
                   "spend": timed(lambda: studio.billing.spend(Caller.of(ONE)), clock=cpu),
                   "common": timed(lambda: studio.gallery.page(Caller.of(ONE), Filter(search="chestnut"), limit=24), clock=cpu),
                   "rare": timed(lambda: studio.gallery.page(Caller.of(ONE), Filter(search="zebra"), limit=24), clock=cpu)}
        cells = []
        for name, ms in figures.items():
            base = anchors.setdefault(name, [])
            base.append(ms)
            ratios = " / ".join(f"{ms / b:.1f}x" for b in base[:2] if b > 0)
            cells.append(f"{ms:.2f} ms ({ratios})")
        print(f"| {n:,} | " + " | ".join(cells) + " |", flush=True)


def orders(n: int, postgres: bool) -> None:
    """Library.page of 24 in each order at n jobs of one owner: the first page, and one from the middle."""
    print(f"\nOrders at {n:,} jobs of one owner: Library.page of 24 with its counts (wall ms, median of 20; the "
          "fastest in brackets: the machine's load inflates the median); the first page, and one after half the jobs")
    print("| store | " + " | ".join(f"{s}: first / middle" for s in SORTS) + " |")
    print("|---|" + "---|" * len(SORTS))
    places: list[tuple[str, str | Path]] = [("SQLite", Path(tempfile.mkdtemp(prefix=f"bench-orders-{n}-")) /
                                             "ledger.sqlite3")]
    server = None
    if postgres:
        from harness.postgres import start_pg
        server = start_pg()
        places.append(("PostgreSQL", server.new_database()))
    try:
        for name, where in places:
            fill_one_owner(where, n)
            led = Ledger(where)
            cells = []
            for sort in SORTS:
                flt = Filter(sort=sort)
                [(select, args)] = led.library.query(ONE, flt, None, n // 2)
                with led.store.read() as db:
                    middle = Job.from_row(db.execute(select, args).fetchall()[-1])
                cursor = Cursor.after(middle, sort)
                first = timed(lambda: led.library.page(ONE, flt, None, 24), fastest=True)
                deep = timed(lambda: led.library.page(ONE, flt, cursor, 24), fastest=True)
                cells.append(f"{first[0]:.1f} ({first[1]:.1f}) / {deep[0]:.1f} ({deep[1]:.1f}) ms")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    finally:
        if server:
            from harness.postgres import stop_pg
            stop_pg(server)


def timed(fn, runs: int = 20, clock=time.perf_counter, fastest: bool = False):
    """Median milliseconds of fn() over runs (clock: wall by default; time.process_time for CPU); with
    fastest, (median, fastest)."""
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append((clock() - t) * 1000)
    return (statistics.median(times), min(times)) if fastest else statistics.median(times)


def studio_start(data_dir: Path) -> float:
    t = time.perf_counter()
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir)})).start()
    studio.core.jobs(Caller.of(OWNERS[0]))
    elapsed = (time.perf_counter() - t) * 1000
    studio.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000", help="many owners' ledgers ('' for none)")
    parser.add_argument("--one-owner", default="0,1000,10000,100000", help="one owner's ledgers ('' for none)")
    parser.add_argument("--app", action="store_true", help="also time `python app.py` to its first answer")
    parser.add_argument("--sorts", default="", help="jobs of one owner to time each gallery order at ('' for none)")
    parser.add_argument("--postgres", action="store_true", help="time the orders on PostgreSQL too")
    args = parser.parse_args()
    print("| jobs in the ledger | newest page (200) | spend | run-time estimate | studio start-up | python app.py |")
    print("|---|---|---|---|---|---|")
    for n in [int(s) for s in args.sizes.split(",") if s]:
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
    one_owner([int(s) for s in args.one_owner.split(",") if s])
    for n in [int(s) for s in args.sorts.split(",") if s]:
        orders(n, args.postgres)


if __name__ == "__main__":
    main()
