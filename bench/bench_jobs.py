"""Many jobs at once through the real adapters against the emulator: wall time and stage timings.

    python bench/bench_jobs.py [--jobs 200] [--task-seconds 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from studio import config  # noqa: E402
from studio.service import LOCAL, Studio  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--task-seconds", type=float, default=0.5)
    args = parser.parse_args()
    emu = start_emulator()
    emu.control.configure(task_seconds=args.task_seconds)
    env = {"STUDIO_DATA_DIR": tempfile.mkdtemp(), "DASHSCOPE_API_KEY": "sk-bench", "DASHSCOPE_BASE_URL": emu.url,
           "INFERENCE_API_KEY": "inf_bench", "INFERENCE_BASE_URL": emu.url, "STUDIO_MAX_IN_FLIGHT": "100",
           "STUDIO_REQUESTS_PER_MINUTE": "60000"}
    studio = Studio(config.load(env), time_scale=0.1).start()
    try:
        start = time.monotonic()
        jobs = [studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt=f"shot {i}", duration=3),
                              backend="dashscope" if i % 2 else "inferencesh") for i in range(args.jobs)]
        submitted = time.monotonic() - start
        peak = 0
        while True:
            peak = max(peak, threading.active_count())
            done = [studio.core.job(LOCAL, j.id) for j in jobs]
            if all(j.state.finished for j in done):
                break
            time.sleep(0.1)
        wall = time.monotonic() - start
        turnaround = [j.updated_at - j.created_at for j in done]
        ok = sum(j.state.value == "succeeded" for j in done)
        print(f"{args.jobs} jobs (task {args.task_seconds} s at the provider), {ok} succeeded")
        print(f"submit all: {submitted:.2f} s; all finished: {wall:.1f} s; {args.jobs / wall:.1f} jobs/s")
        print(f"turnaround per job: median {statistics.median(turnaround):.1f} s, "
              f"max {max(turnaround):.1f} s; peak threads {peak}")
        print(f"emulator creates: {emu.control.creates()}")
    finally:
        studio.close()
        stop_emulator(emu)


if __name__ == "__main__":
    main()
