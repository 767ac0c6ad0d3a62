"""Collect under load: from the provider saying SUCCEEDED to the clip done in the ledger, side by side.

    python bench/bench_collect.py [--jobs 24] [--in-flight 4] [--load 8] [--rounds 2]

--load N starts N busy processes for the whole run (on a quiet machine, a load average near N; the
figures say the load average measured). Each contender collects the same tasks from one emulator:

  studio   the studio's runner on the DashScope adapter: the status read that says SUCCEEDED, then
           the download, the check that the clip plays, its poster, fsync, and 'succeeded' in the ledger
  anchor   a user's script, as the SDK's examples do it: the same status read, then the clip downloaded
           to a file (httpx, streamed), in a thread per task

Every figure starts when the status read that answered SUCCEEDED reached the emulator (its request log)
and ends when the clip is done: for the studio its 'succeeded' event in the ledger, for the anchor the
file closed. Rounds alternate the two, so both see the same load. Where the studio's time goes, per job:
  noticed  SUCCEEDED read -> 'downloading' written (the runner's loop and the ledger's threads)
  download the clip's bytes on disk
  check    the clip checked and its poster drawn from the same decode (one worker thread)
  keep     the poster and the clip kept in the media store (the data folder: flushed and moved into place)
  written  -> 'succeeded' in the ledger
and the runner's event loop lag (how late a 5 ms sleep wakes) while jobs are collected. The first
collect of a process is printed apart: it pays for importing PyAV and Pillow's codecs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from studio import config  # noqa: E402
from studio.jobs import collect  # noqa: E402
from studio.media import clips  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402

OWNER = Caller.of("bench")
DS_KEY = "sk-bench-collect"
MODEL = "happyhorse-1.0-t2v"
CREATE = "/api/v1/services/aigc/video-generation/video-synthesis"


def burners(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def said_succeeded(emu, task_id: str) -> float:
    """When the status read that answered SUCCEEDED reached the emulator (the task's last status read)."""
    return max(r["time"] for r in emu.control.requests(method="GET") if r["path"] == f"/api/v1/tasks/{task_id}")


class Phases:
    """When each job's download, checks and keeping ended (the studio's collect, wrapped for the run)."""

    def __init__(self, studio: Studio):
        self.download: dict[str, float] = {}
        self.checked: dict[str, float] = {}
        self.kept: dict[str, float] = {}
        self.media = studio.media
        self._saved = collect._download, self.media.put_async, clips.verify_playable

    def __enter__(self):
        download_, put_, verify_ = self._saved

        def job_of(path) -> str:
            return Path(path).name.split(".")[1]  # .<job>.part.mp4

        def ended(kind: dict, path) -> None:
            kind[job_of(path)] = max(kind.get(job_of(path), 0.0), time.time())

        async def download(backend, status, part, retry_delay):
            await download_(backend, status, part, retry_delay)
            ended(self.download, part)

        def verify(path, *args, **kwargs):
            try:
                return verify_(path, *args, **kwargs)
            finally:
                ended(self.checked, path)

        async def put(key, path, *args, **kwargs):
            try:
                return await put_(key, path, *args, **kwargs)
            finally:
                ended(self.kept, path)

        collect._download, clips.verify_playable = download, verify
        self.media.put_async = put
        return self

    def __exit__(self, *exc):
        collect._download, _, clips.verify_playable = self._saved
        del self.media.put_async  # the store's own method again


def loop_lag(studio: Studio, stop: threading.Event) -> tuple[list[float], object]:
    """How late a 5 ms sleep wakes in the runner's loop, sampled until `stop`; and the probe's future."""
    lags: list[float] = []

    async def probe():
        while not stop.is_set():
            started = time.monotonic()
            await asyncio.sleep(0.005)
            lags.append(time.monotonic() - started - 0.005)

    return lags, studio.runner.call(probe())


def fresh(emu) -> None:
    """No tasks or logged requests from an earlier run; each task takes 1 s."""
    emu.control.reset()
    emu.control.configure(task_seconds=1.0)


def run_studio(emu, root: Path, jobs: int, in_flight: int) -> dict[str, list[float]]:
    fresh(emu)
    env = {"STUDIO_DATA_DIR": str(root), "DASHSCOPE_API_KEY": DS_KEY, "DASHSCOPE_BASE_URL": emu.url,
           "STUDIO_BACKEND": "dashscope", "STUDIO_MAX_IN_FLIGHT": str(in_flight), "STUDIO_REQUESTS_PER_MINUTE": "0"}
    studio = Studio(config.load(env), time_scale=0.05).start()
    stop = threading.Event()
    lags, probing = loop_lag(studio, stop)
    figures: dict[str, list[float]] = {k: [] for k in ("total", "noticed", "download", "check", "keep", "written")}
    try:
        with Phases(studio) as phases:
            made = [studio.core.submit(OWNER, studio.core.prepare("t2v", prompt=f"shot {i}", duration=3, seed=i),
                                       again=True) for i in range(jobs)]
            for job in made:
                studio.core.wait(OWNER, job.id, timeout=300, interval=0.05)
        for job in made:
            job = studio.core.job(OWNER, job.id)
            if job.state.value != "succeeded":
                raise SystemExit(f"job {job.id} {job.state.value}: {job.error_message}")
            at = {e["state"]: e["at"] for e in studio.core.history(OWNER, job.id)}
            said = said_succeeded(emu, job.task_id)
            figures["total"].append(at["succeeded"] - said)
            figures["noticed"].append(at["downloading"] - said)
            figures["download"].append(phases.download[job.id] - at["downloading"])
            figures["check"].append(phases.checked[job.id] - phases.download[job.id])
            figures["keep"].append(phases.kept[job.id] - phases.checked[job.id])
            figures["written"].append(at["succeeded"] - phases.kept[job.id])
    finally:
        stop.set()
        probing.result(5)
        studio.close()
    figures["loop lag"] = lags
    return figures


def run_anchor(emu, root: Path, jobs: int, in_flight: int) -> dict[str, list[float]]:
    """A user's script: create, read the status until it ends, download the clip to a file."""
    headers = {"Authorization": f"Bearer {DS_KEY}"}
    fresh(emu)

    def one(i: int) -> float:
        with httpx.Client(timeout=60) as client:
            created = client.post(emu.url + CREATE, headers={**headers, "X-DashScope-Async": "enable"},
                                  json={"model": MODEL, "input": {"prompt": f"shot {i}"},
                                        "parameters": {"resolution": "720P", "duration": 3, "seed": i}})
            task_id = created.raise_for_status().json()["output"]["task_id"]
            while (out := client.get(f"{emu.url}/api/v1/tasks/{task_id}", headers=headers).json()["output"]
                   )["task_status"] not in ("SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"):
                time.sleep(0.05)
            if out["task_status"] != "SUCCEEDED":
                raise SystemExit(f"the anchor's task {task_id} {out['task_status']}")
            with client.stream("GET", out["video_url"]) as answer, open(root / f"{task_id}.mp4", "wb") as f:
                for chunk in answer.iter_bytes(1 << 16):
                    f.write(chunk)
            done = time.time()
        return done - said_succeeded(emu, task_id)

    root.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(in_flight) as pool:
        return {"total": list(pool.map(one, range(jobs)))}


def first_collect_seconds(emu, root: Path) -> float:
    """One job in a fresh process: its collect pays for the imports the first collect needs."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r}); "
            "from bench.bench_collect import run_studio; from harness.emulator import RunningEmulator; "
            "from studio.emulator.control import EmulatorControl; from pathlib import Path; "
            f"emu = RunningEmulator(url={emu.url!r}, process=None, log_path=Path('.'), control=EmulatorControl({emu.url!r})); "
            f"print(run_studio(emu, Path({str(root)!r}), 1, 1)['total'][0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.strip().splitlines()[-1])


def line(name: str, values: list[float], anchor: float | None = None) -> str:
    q = statistics.quantiles(values, n=10) if len(values) > 1 else values * 9
    ratio = f" | {statistics.median(values) / anchor:.2f}x" if anchor else " | "
    return f"| {name} | {statistics.median(values) * 1000:.0f} ms | {q[0] * 1000:.0f}-{q[-1] * 1000:.0f} ms{ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=24, help="jobs per contender and round")
    parser.add_argument("--in-flight", type=int, default=4, help="tasks at once, for both")
    parser.add_argument("--load", type=int, default=8, help="busy processes running through the measurement")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    emu = start_emulator(task_seconds=1.0)
    load = burners(args.load)
    studio: dict[str, list[float]] = {}
    anchor: list[float] = []
    loads = []
    try:
        root = Path(tempfile.mkdtemp(prefix="bench-collect-"))
        run_studio(emu, root / "prime", 2, 2)  # the emulator encodes its clip once, outside every figure
        first = first_collect_seconds(emu, root / "first")
        for r in range(args.rounds):
            for name, figures in run_studio(emu, root / f"studio{r}", args.jobs, args.in_flight).items():
                studio.setdefault(name, []).extend(figures)
            loads.append(os.getloadavg()[0])
            anchor += run_anchor(emu, root / f"anchor{r}", args.jobs, args.in_flight)["total"]
            loads.append(os.getloadavg()[0])
    finally:
        for p in load:
            p.kill()
        stop_emulator(emu)
    base = statistics.median(anchor)
    print(f"\n{args.rounds} rounds x {args.jobs} jobs per contender, {args.in_flight} at once, {args.load} busy "
          f"processes; load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")
    print("| from SUCCEEDED to done | median | p10-p90 | ratio to the anchor |")
    print("|---|---|---|---|")
    print(line("anchor: download to a file (httpx)", anchor))
    print(line("studio: collect to 'succeeded'", studio["total"], base))
    for name in ("noticed", "download", "check", "keep", "written"):
        print(line(f"studio, {name}", studio[name]))
    print(line("studio, runner loop lag (5 ms sleep)", studio["loop lag"]))
    print(f"| studio, first collect of a fresh process | {first * 1000:.0f} ms | | |")


if __name__ == "__main__":
    main()
