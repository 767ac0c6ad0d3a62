"""Grabbing the last frame of a 15 s 1080P clip as a PNG: the studio against ffmpeg by hand, same call.

    python bench/bench_frame.py [--runs 9]

Contenders, alternated in each round so the machine's load falls on all of them:

  studio            studio.media.clips.grab_frame(clip, 15.0, out.png), in process (PyAV decode on
                    every core, PNG at zlib level 1)
  before            the same frame as grab_frame made it before: one decoding thread, PIL's default
                    PNG level (6)
  ffmpeg by hand    the anchor: `ffmpeg -sseof -1 -i clip.mp4 -frames:v 1 out.png` (the imageio-ffmpeg
                    binary; note it writes the frame 1 s before the end, not the last one)

The clip is the preview renderer's 1080P 15 s t2v clip. Wall and CPU time (this process,
or the ffmpeg child) are medians with their range; ratios are per round.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.media import render  # noqa: E402
from studio.media.clips import atomic_path, frame_at, grab_frame  # noqa: E402
from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402


def before(video: Path, seconds: float, dest: Path) -> None:
    """grab_frame as it was: one decoding thread, PIL's default PNG level."""
    with atomic_path(dest) as part:
        frame_at(video, seconds, threads="NONE").save(part, format="PNG")


def by_hand(video: Path, dest: Path) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-sseof", "-1", "-i", str(video),
                    "-frames:v", "1", str(dest)], check=True)


def cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def spread(values: list[float], unit: str) -> str:
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-frame-"))
    clip = work / "clip.mp4"
    asyncio.run(render.render_text(clip, prompt="sunset over the sea, tracking shot", width=1920, height=1080,
                                   seconds=15, seed=1, watermark=False))
    contenders = {"studio": lambda: grab_frame(clip, 15.0, work / "studio.png"),
                  "before": lambda: before(clip, 15.0, work / "before.png"),
                  "ffmpeg by hand": lambda: by_hand(clip, work / "hand.png")}
    wall: dict[str, list[float]] = {k: [] for k in contenders}
    cpu: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(args.runs):
        for name, grab in contenders.items():
            start, used = time.perf_counter(), cpu_seconds()
            grab()
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((cpu_seconds() - used) * 1000)
    sizes = {name: (work / f).stat().st_size for name, f in
             (("studio", "studio.png"), ("before", "before.png"), ("ffmpeg by hand", "hand.png"))}
    print("| contender | wall | CPU | anchor / it (wall) | anchor / it (CPU) | PNG bytes |\n|---|---|---|---|---|---|")
    for name in contenders:
        ratio_wall = [a / b for a, b in zip(wall["ffmpeg by hand"], wall[name])]
        ratio_cpu = [a / b for a, b in zip(cpu["ffmpeg by hand"], cpu[name])]
        print(f"| {name} | {spread(wall[name], ' ms')} | {spread(cpu[name], ' ms')} | {spread(ratio_wall, 'x')} | "
              f"{spread(ratio_cpu, 'x')} | {sizes[name]:,} |")


if __name__ == "__main__":
    main()
