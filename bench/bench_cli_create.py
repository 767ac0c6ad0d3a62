"""Several `generate` commands started together: from the command's start to its create at the provider.

    python bench/bench_cli_create.py [--at-once 4] [--rounds 3] [--load 8]

Issue 25 item 5 saw several `generate` processes started together sit 'queued' 2.8-3.8 s before their
create went out. Each round starts `--at-once` commands at the same moment, on one data folder (one
creator's terminal tabs), against the emulator on loopback:

  studio   python -m studio generate --variant t2v --duration 3 --backend dashscope --no-wait
  anchor   a user's script, as the SDK's examples do it: a fresh Python that imports httpx and sends the
           same create (the SDK is httpx-like; it is not installed here)

A figure runs from the moment the processes were started to the create's arrival at the emulator (its
request log), and, for the studio, from the job's 'queued' in the ledger to that arrival. Rounds alternate
the two, so both see the same load; --load N busy processes run throughout.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_collect import CREATE, DS_KEY, MODEL, burners  # noqa: E402
from harness.emulator import start_emulator, stop_emulator  # noqa: E402

ANCHOR = f"""
import httpx, sys
httpx.post(sys.argv[1] + {CREATE!r}, timeout=60,
           headers={{"Authorization": "Bearer {DS_KEY}", "X-DashScope-Async": "enable"}},
           json={{"model": {MODEL!r}, "input": {{"prompt": sys.argv[2]}},
                 "parameters": {{"resolution": "720P", "duration": 3}}}}).raise_for_status()
"""


def creates(emu, since: float) -> list[float]:
    return sorted(r["time"] for r in emu.control.requests(method="POST") if r["path"] == CREATE and r["time"] >= since)


def run(commands: list[list[str]], env: dict, emu) -> tuple[float, list[float]]:
    started = time.time()
    procs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in commands]
    for p in procs:
        _, err = p.communicate(timeout=300)
        if p.returncode:
            raise SystemExit(f"{' '.join(commands[0][:4])} failed: {err[-2000:]}")
    arrived = creates(emu, started)
    if len(arrived) != len(commands):
        raise SystemExit(f"{len(arrived)} creates arrived for {len(commands)} commands")
    return started, [t - started for t in arrived]


def queued_to_create(data_dir: Path, arrived: list[float]) -> list[float]:
    with sqlite3.connect(data_dir / "ledger.sqlite3") as db:
        queued = sorted(at for (at,) in db.execute("SELECT at FROM job_events WHERE state = 'queued'"))
    return [a - q for q, a in zip(queued[-len(arrived):], arrived)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--at-once", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", type=int, default=8, help="busy processes running through the measurement")
    args = parser.parse_args()
    emu = start_emulator(task_seconds=1.0)
    data = Path(tempfile.mkdtemp(prefix="bench-cli-create-"))
    env = {**os.environ, "STUDIO_DATA_DIR": str(data), "DASHSCOPE_API_KEY": DS_KEY, "DASHSCOPE_BASE_URL": emu.url,
           "STUDIO_REQUESTS_PER_MINUTE": "0"}
    load = burners(args.load)
    studio, anchor, queued, loads = [], [], [], []
    try:
        for r in range(args.rounds):
            cmd = [sys.executable, "-m", "studio", "generate", "--variant", "t2v", "--duration", "3",
                   "--backend", "dashscope", "--no-wait"]
            started, took = run([cmd + ["--prompt", f"round {r} shot {i}"] for i in range(args.at_once)], env, emu)
            studio += took
            queued += queued_to_create(data, [started + t for t in took])
            loads.append(os.getloadavg()[0])
            anchor += run([[sys.executable, "-c", ANCHOR, emu.url, f"round {r} shot {i}"]
                           for i in range(args.at_once)], env, emu)[1]
            loads.append(os.getloadavg()[0])
            time.sleep(2)  # the background `wait`s collect their clips before the next round
    finally:
        for p in load:
            p.kill()
        stop_emulator(emu)

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"

    print(f"\n{args.rounds} rounds of {args.at_once} commands at once, {args.load} busy processes; load average "
          f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")
    print("| started to create at the provider | median (range) | ratio to the anchor |")
    print("|---|---|---|")
    print(f"| anchor: a script that sends the create (httpx) | {cell(anchor)} | |")
    print(f"| studio: `generate --no-wait` | {cell(studio)} | "
          f"{statistics.median(studio) / statistics.median(anchor):.2f}x |")
    print(f"| studio, 'queued' in the ledger to the create | {cell(queued)} | |")


if __name__ == "__main__":
    main()
