"""A join's preview against the full export of the same storyboard, in the same run (issue 23 item 5).

    python bench/bench_join_preview.py [--runs 5]

Four 720P clips as the emulator makes them (studio.emulator.clips: testsrc2 1280×720 at 24 fps with sound,
5-8 s), on a board with trims, a 0.5 s and a 1 s crossfade and a cut. Each round exports the board
(Chain.stitch: stream copy, the joins re-encoded at full size) and renders every join's preview from cold
(Chain.preview_join, its kept file removed first), then asks for each again (kept: no render). Rounds
alternate export and previews, so the machine's load falls on both. Wall and CPU seconds (this process and
its ffmpeg children); medians and ranges.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.gallery import seed_jobs  # noqa: E402
from studio import config  # noqa: E402
from studio.chain import StoryShot  # noqa: E402
from studio.emulator.clips import ClipCache  # noqa: E402
from studio.service import LOCAL, Studio  # noqa: E402

LENGTHS = (5, 6, 7, 8)
TRIMS = ((0.3, 4.6), (0.0, None), (0.5, 6.5), (0.0, None))
FADES = [0.5, 0.0, 1.0]


def board(root: Path) -> tuple[Studio, list[StoryShot]]:
    data = root / "data"
    ids = seed_jobs(data, len(LENGTHS), states=False)
    cache = ClipCache(root / "emulator")
    for job_id, seconds in zip(ids, LENGTHS):
        clip = asyncio.run(cache.get(1280, 720, seconds))
        shutil.copyfile(clip, data / "media" / f"{job_id}.mp4")
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    return studio, [StoryShot(i, a, b) for i, (a, b) in zip(ids, TRIMS)]


def cpu() -> float:
    """CPU seconds of this process and its finished ffmpeg children (what a loaded machine inflates least)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


CPU: dict[str, list[float]] = {}


def timed(call, kind: str) -> float:
    began, used = time.perf_counter(), cpu()
    call()
    CPU.setdefault(kind, []).append(cpu() - used)
    return time.perf_counter() - began


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s (range {min(values):.2f}-{max(values):.2f}, n={len(values)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        studio, plan = board(Path(tmp))
        try:
            studio.chain.check_storyboard(LOCAL, plan, FADES)
            exports, cold, kept = [], [], []
            for _ in range(args.runs):
                exports.append(timed(lambda: studio.chain.stitch(LOCAL, plan, FADES), "export"))
                for join in range(len(plan) - 1):
                    for old in studio.chain.join_previews.folder.glob("*.mp4"):
                        old.unlink()
                    cold.append(timed(lambda: studio.chain.preview_join(LOCAL, plan, FADES, join), "preview"))
                    kept.append(timed(lambda: studio.chain.preview_join(LOCAL, plan, FADES, join), "kept"))
            made = studio.chain.preview_join(LOCAL, plan, FADES, 2)
            seconds = studio.chain.check_storyboard(LOCAL, plan, FADES)
            print(f"board: {len(plan)} shots of 720P emulator clips, {seconds:.2f} s joined, fades {FADES}")
            print(f"full export:             {spread(exports)}")
            print(f"join preview, rendered:  {spread(cold)}  ({made.seconds:.2f} s of video for the 1 s fade)")
            print(f"join preview, kept:      {spread(kept)}")
            print(f"export / preview (medians): {statistics.median(exports) / statistics.median(cold):.1f}x wall")
            for kind, used in CPU.items():
                print(f"CPU, {kind}: {spread(used)}")
            print(f"export / preview (CPU medians): {statistics.median(CPU['export']) / statistics.median(CPU['preview']):.1f}x")
        finally:
            studio.close()


if __name__ == "__main__":
    main()
