"""Studio replicas on one PostgreSQL ledger: throughput, UI latency, and take-over after a kill.

    python bench/bench_replicas.py [--jobs 60] [--seconds 2]

Starts a throwaway PostgreSQL cluster (as the tests do, tests/pg_fixture.py) and the emulator.
For one and then two `python app.py` replicas on a fresh database and one shared data folder:
--jobs jobs from 6 browser identities, sent through the replicas in turn (as a load balancer
would), each task --seconds at the provider, account limits set high (500 in flight, 6000 calls
a minute) so the studio, not the provider account, is what is measured. Reports jobs per second (first send to last job finished) and
p50/p99 of GET / (the page) on the replicas in turn while the jobs run. Then, with two replicas
and 20 s tasks: SIGKILL the replica holding jobs and time until the other has taken them all.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.app import start_app, stop_app  # noqa: E402
from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from harness.postgres import start_pg, stop_pg  # noqa: E402
from harness.replicas import SECRET, client, identities, owner_of  # noqa: E402
from studio.jobs.ledger import Ledger, holder_process  # noqa: E402

USERS_HERE = identities(6)  # browsers' identity cookies, signed as the replicas sign


def env_for(emulator_url: str, url: str) -> dict[str, str]:
    return {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-bench", "DASHSCOPE_BASE_URL": emulator_url,
            "STUDIO_DATABASE_URL": url, "STUDIO_MULTI_USER": "1", "STUDIO_REQUESTS_PER_MINUTE": "6000",
            "STUDIO_MAX_IN_FLIGHT": "500", "STUDIO_SECRET": SECRET}


def jobs_of(ledger: Ledger):
    return [j for token in USERS_HERE for j in ledger.list(owner_of(token), limit=1000)]


def page_latency(apps, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=30) as http:
        n = 0
        while not stop.is_set():
            app = apps[n % len(apps)]
            n += 1
            start = time.perf_counter()
            http.get(app.url)
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.2)


def send(apps, count: int, tag: str) -> list:
    clients, sent = {}, []
    for i in range(count):
        app, token = apps[i % len(apps)], USERS_HERE[i % len(USERS_HERE)]
        key = (app.url, token)
        clients.setdefault(key, client(app, token))
        sent.append(clients[key].submit(f"bench {tag} take {i}", "720P", "16:9", 3, False, "",
                                        api_name="/text_to_video"))
    return list(clients.values())


def throughput(server, emulator, replicas: int, jobs: int, work: Path) -> str:
    url = server.new_database()
    data = work / f"data-{replicas}"
    apps = [start_app(data, env_for(emulator.url, url)) for _ in range(replicas)]
    ledger = Ledger(url)
    stop, latencies = threading.Event(), []
    watcher = threading.Thread(target=page_latency, args=(apps, stop, latencies), daemon=True)
    watcher.start()
    try:
        started = time.monotonic()
        clients = send(apps, jobs, f"r{replicas}")
        while True:
            found = jobs_of(ledger)
            if len(found) == jobs and all(j.state.finished for j in found):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        stop.set()
        watcher.join()
        ok = sum(j.state.value == "succeeded" for j in found)
        for c in clients:
            c.close()
    finally:
        for app in apps:
            stop_app(app)
    q = statistics.quantiles(latencies, n=100)
    return (f"| {replicas} | {jobs} ({ok} succeeded) | {elapsed:.1f} s | {jobs / elapsed:.2f} | "
            f"{statistics.median(latencies):.0f} ms | {q[98]:.0f} ms (n={len(latencies)}) |")


def takeover(server, emulator, work: Path) -> str:
    url = server.new_database()
    data = work / "data-takeover"
    emulator.control.configure(task_seconds=20.0)
    a, b = (start_app(data, env_for(emulator.url, url)) for _ in range(2))
    ledger = Ledger(url)
    try:
        clients = send([a, b], 12, "takeover")
        mark = f":{a.process.pid}"
        while True:
            held = [j.id for j in jobs_of(ledger) if holder_process(j.claimed_by or "").endswith(mark) and j.task_id]
            if len(held) >= 3:
                break
            time.sleep(0.1)
        killed = time.monotonic()
        stop_app(a, kill=True)
        while True:
            now = {j.id: j for j in jobs_of(ledger)}
            if all(now[i].state.finished or holder_process(now[i].claimed_by or "").endswith(f":{b.process.pid}") for i in held):
                break
            time.sleep(0.05)
        took = time.monotonic() - killed
        for c in clients:
            c.close()
    finally:
        stop_app(a, kill=True)
        stop_app(b)
    return f"take-over of {len(held)} running jobs after SIGKILL: {took:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    server = start_pg()
    emulator = start_emulator(task_seconds=args.seconds)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as work:
            print("| replicas | jobs | wall | jobs/s | GET / p50 | GET / p99 |")
            print("|---|---|---|---|---|---|")
            for replicas in (1, 2):
                print(throughput(server, emulator, replicas, args.jobs, Path(work)), flush=True)
            print(takeover(server, emulator, Path(work)))
    finally:
        stop_emulator(emulator)
        stop_pg(server)


if __name__ == "__main__":
    main()
