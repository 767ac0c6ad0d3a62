"""Added latency: from a task's completion at the provider to a playable clip, side by side.

    python bench/bench_latency.py [--scale 0.25] [--tasks 30] [--warm 20]

One emulator, one run, the same tasks (same settings and seeds, so the same
durations) for each contender:

  studio, cold      a fresh ledger: no history, every task submitted at once
  studio, warm      after 20 earlier jobs of the same shapes
  dashscope SDK     VideoSynthesis.call (create, then its own wait loop), one thread per task
  inference.sh      the studio on the NDJSON stream

Task model (model seconds): duration = (8 + 4 x output seconds) x 1.5 at 1080P
x (1 +/- 20 %, uniform, fixed by the seed); shapes t2v 720P 3 s (20 s), 720P 5 s
(28 s), 1080P 3 s (30 s). Every time is multiplied by --scale, for the emulator's
tasks, the studio's schedule (time_scale), the SDK's sleeps and the request rate
(240 a minute / scale), so figures are printed back in model seconds: waiting
divided by the scale, plus the collect work (download, check, poster), which is
real CPU time and cannot be scaled. For the SDK: its return minus the task's end.
Status requests are counted by the emulator. Every contender runs --in-flight
tasks at once (the SDK in that many threads), the studio within 240 requests a
minute (scaled); 30 tasks at once would share 4 reads a second between them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from studio import config  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402

SHAPES = (("720P", 3), ("720P", 5), ("1080P", 3))
OWNER = Caller.of("bench")
DS_KEY = "sk-bench-latency"
MEASURED_SEED, WARM_SEED = 1000, 5000


@dataclass
class Result:
    added: list[float]     # model seconds, per task
    waited: list[float]    # the part spent noticing the end (model seconds)
    reads: list[int]       # status requests per task

    def line(self, name: str) -> str:
        q = statistics.quantiles(self.added, n=10)
        collect = statistics.median(a - w for a, w in zip(self.added, self.waited))
        return (f"| {name} | {statistics.median(self.added):.2f} s | {q[-1]:.2f} s | "
                f"{statistics.median(self.waited):.2f} s | {collect:.2f} s | {statistics.mean(self.reads):.1f} |")


def tasks(n: int, first_seed: int) -> list[tuple[str, int, int]]:
    return [(res, dur, first_seed + i) for i, (res, dur) in enumerate(islice(cycle(SHAPES), n))]


def configure(emu, scale: float) -> None:
    emu.control.reset()
    emu.control.configure(task_seconds=8 * scale, seconds_per_output_second=4 * scale, hd_factor=1.5, spread=0.2)


def make_studio(emu, data_dir: Path, scale: float, in_flight: int) -> Studio:
    env = {"STUDIO_DATA_DIR": str(data_dir), "DASHSCOPE_API_KEY": DS_KEY, "DASHSCOPE_BASE_URL": emu.url,
           "INFERENCE_API_KEY": "inf_bench", "INFERENCE_BASE_URL": emu.url, "STUDIO_MAX_IN_FLIGHT": str(in_flight),
           "STUDIO_REQUESTS_PER_MINUTE": str(int(240 / scale))}
    return Studio(config.load(env), time_scale=scale).start()


def run_studio(studio: Studio, emu, backend: str, batch: list[tuple[str, int, int]], scale: float) -> Result:
    # HappyHorse 1.0, as the SDK's contender asks (and the one model inference.sh has; 1.1 is the default now)
    jobs = [studio.core.submit(OWNER, studio.core.prepare("t2v", prompt=f"shot {seed}", resolution=res, duration=dur,
                                                          seed=seed, model="happyhorse-1.0", backend=backend),
                               backend=backend) for res, dur, seed in batch]
    deadline = time.monotonic() + 120 + 60 * scale * len(batch)
    while not all(studio.core.job(OWNER, j.id).state.finished for j in jobs):
        if time.monotonic() > deadline:
            raise SystemExit("the studio did not finish its jobs in time")
        time.sleep(0.1)
    stats = emu.control.stats()
    added, waited, reads = [], [], []
    for job in jobs:
        job = studio.core.job(OWNER, job.id)
        if job.state.value != "succeeded":
            raise SystemExit(f"job {job.id} {job.state.value}: {job.error_message}")
        ended = stats["tasks"][job.task_id]["ended"]
        at = {e["state"]: e["at"] for e in studio.core.history(OWNER, job.id)}
        wait = (at["downloading"] - ended) / scale
        waited.append(wait)
        added.append(wait + at["succeeded"] - at["downloading"])
        reads.append(status_reads(stats, job.task_id))
    return Result(added, waited, reads)


def status_reads(stats: dict, task_id: str) -> int:
    paths = (f"/api/v1/tasks/{task_id}", f"/tasks/{task_id}", f"/tasks/{task_id}/stream")
    return sum(r["method"] == "GET" and r["path"] in paths for r in stats["requests"])


def run_sdk(emu, batch: list[tuple[str, int, int]], scale: float, in_flight: int) -> Result:
    import dashscope
    from dashscope import VideoSynthesis
    from dashscope.client import base_api

    dashscope.base_http_api_url = emu.url + "/api/v1"
    base_api.time = types.SimpleNamespace(time=time.time, sleep=lambda s: time.sleep(s * scale))

    def one(task: tuple[str, int, int]) -> tuple[str, float]:
        res, dur, seed = task
        rsp = VideoSynthesis.call(model="happyhorse-1.0-t2v", api_key=DS_KEY, prompt=f"shot {seed}",
                                  resolution=res, duration=dur, seed=seed, watermark=False)
        if rsp.status_code != 200 or rsp.output.task_status != "SUCCEEDED":
            raise SystemExit(f"the SDK's task failed: {rsp}")
        return rsp.output.task_id, time.time()

    with ThreadPoolExecutor(in_flight) as pool:
        done = list(pool.map(one, batch))
    stats = emu.control.stats()
    added = [(returned - stats["tasks"][task_id]["ended"]) / scale for task_id, returned in done]
    return Result(added, added, [status_reads(stats, task_id) for task_id, _ in done])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.25, help="multiplies every time (default 0.25)")
    parser.add_argument("--tasks", type=int, default=24, help="measured tasks per contender")
    parser.add_argument("--in-flight", type=int, default=4,
                        help="tasks at the provider at once, for every contender (DashScope's default: 4)")
    parser.add_argument("--warm", type=int, default=20, help="earlier jobs that warm the studio")
    args = parser.parse_args()
    scale, measured = args.scale, tasks(args.tasks, MEASURED_SEED)
    emu = start_emulator()
    rows = {}
    try:
        root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        configure(emu, scale)
        prime = make_studio(emu, root / "prime", scale, args.in_flight)  # encodes each shape's clip once, outside every figure
        try:
            run_studio(prime, emu, "dashscope", tasks(3, 1), scale)
        finally:
            prime.close()
        for name, backend, warm in (("studio cold (no history)", "dashscope", 0),
                                    ("studio warm (20 earlier jobs)", "dashscope", args.warm),
                                    ("studio, inference.sh stream", "inferencesh", 0)):
            studio = make_studio(emu, root / f"run{len(rows)}", scale, args.in_flight)
            try:
                configure(emu, scale)
                if warm:
                    run_studio(studio, emu, backend, tasks(warm, WARM_SEED), scale)
                    configure(emu, scale)
                rows[name] = run_studio(studio, emu, backend, measured, scale)
            finally:
                studio.close()
            print(rows[name].line(name), flush=True)
        configure(emu, scale)
        rows["dashscope SDK call-and-wait"] = run_sdk(emu, measured, scale, args.in_flight)
        print(rows["dashscope SDK call-and-wait"].line("dashscope SDK call-and-wait"), flush=True)
    finally:
        stop_emulator(emu)
    print(f"\n{args.tasks} tasks each, {args.in_flight} at a time, scale {scale}; model seconds "
          "(collect: real seconds of download, check and poster)")
    print("| contender | median added | p90 added | median wait to notice | median collect | status requests/job |")
    print("|---|---|---|---|---|---|")
    for name, result in rows.items():
        print(result.line(name))


if __name__ == "__main__":
    main()
