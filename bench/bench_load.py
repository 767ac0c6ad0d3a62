"""The studio under load: 200 jobs in flight from 20 users, while users quote and load the page.

    python bench/bench_load.py [--jobs 200] [--seconds 40]

One process, as `python app.py` runs it: a Studio (runner started) and the web
app from studio.web.create_app served by uvicorn on a loopback port. Against
the emulator, every task takes --seconds at the provider (both backends, up to
100 in flight each, 240 requests a minute each). While they run: quote calls
(service.prepare, in this process) and GET / of the page (over HTTP), then
p50/p99 of each, peak RSS and peak threads of the process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.app import free_port  # noqa: E402
from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from studio import config  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402
from studio.web import create_app  # noqa: E402

OWNERS = [f"user:{n}" for n in range(20)]


def serve(studio: Studio, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(studio), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="bench-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the web app did not start")
        time.sleep(0.1)
    return server, thread


def percentiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {statistics.median(ms):.1f} ms, p99 {q[98]:.1f} ms (n={len(ms)})"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=40.0, help="task time at the provider")
    args = parser.parse_args()
    emu = start_emulator()
    emu.control.configure(task_seconds=args.seconds)
    env = {"STUDIO_DATA_DIR": tempfile.mkdtemp(prefix="bench-load-"), "DASHSCOPE_API_KEY": "sk-bench",
           "DASHSCOPE_BASE_URL": emu.url, "INFERENCE_API_KEY": "inf_bench", "INFERENCE_BASE_URL": emu.url,
           "STUDIO_MAX_IN_FLIGHT": "100", "STUDIO_REQUESTS_PER_MINUTE": "240"}
    studio = Studio(config.load(env)).start()
    port = free_port()
    server, thread = serve(studio, port)
    page = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    page.get("/").raise_for_status()  # the first render builds caches: not a user's wait
    rss_idle, threads_idle = rss_mb(), threading.active_count()
    try:
        jobs = [studio.core.submit(Caller.of(OWNERS[i % len(OWNERS)]), studio.core.prepare("t2v", prompt=f"shot {i}", duration=3),
                              backend="dashscope" if i % 2 else "inferencesh") for i in range(args.jobs)]
        quotes, pages, peak_threads = [], [], 0
        began, cpu_before = time.monotonic(), cpu_seconds()
        end = began + args.seconds * 0.8
        burst = 0  # samples taken while the 200 creates were still going out
        while time.monotonic() < end:
            if time.monotonic() - began < 5:
                burst += 1
            t = time.perf_counter()
            studio.core.prepare("t2v", prompt="a horse at dawn", duration=5, resolution="1080P")
            quotes.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            page.get("/").raise_for_status()
            pages.append((time.perf_counter() - t) * 1000)
            peak_threads = max(peak_threads, threading.active_count())
            time.sleep(0.05)
        cpu_share = (cpu_seconds() - cpu_before) / (time.monotonic() - began)
        unfinished = sum(not studio.core.job(Caller.of(j.owner), j.id).state.finished for j in jobs)
        print(f"{args.jobs} jobs from {len(OWNERS)} users, {unfinished} unfinished at the end of sampling")
        print(f"quote (service.prepare): {percentiles(quotes)}")
        print(f"page (GET /):            {percentiles(pages)}")
        print(f"  first 5 s (creates going out): {percentiles(pages[:burst])}")
        print(f"  after:                         {percentiles(pages[burst:])}")
        print(f"CPU used by this process while sampling: {cpu_share:.0%} of one core "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"peak RSS {rss_mb():.0f} MB (idle with the app loaded: {rss_idle:.0f} MB); "
              f"threads: peak {peak_threads}, idle {threads_idle}")
    finally:
        page.close()
        server.should_exit = True
        thread.join(10)
        studio.close()
        stop_emulator(emu)


if __name__ == "__main__":
    main()
