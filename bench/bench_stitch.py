"""Stitching ten 15 s 1080P clips: the studio against what a user would run instead, same call.

    python bench/bench_stitch.py [--clips 10] [--seconds 15] [--runs 3] [--moviepy-runs 1]

    (moviepy is a benchmark-only dependency: pip install --no-deps -r bench/requirements.txt)

Three storyboards (cuts; cuts with every shot trimmed off its keyframes; a 1 s
crossfade at every join), each made by:

  studio            studio.media.stitch: stream copy, re-encoding only the joins (x264 at JOINS)
  ffmpeg veryfast   the anchor: one full re-encode of the same plan at libx264 veryfast and
                    x264's default CRF 23, concat or xfade/acrossfade in one filter graph
                    (studio.media.stitch with reencode=True, the command a user would type)
  moviepy           concatenate_videoclips (crossfades: CrossFadeIn and audio fades on clips
                    overlapped by 1 s) and write_videofile at libx264 veryfast (cuts and
                    crossfades only)

Rounds alternate the contenders, so the machine's load falls on all of them;
ratios are each round's anchor over the studio's time, reported as a median and range,
for wall time and for CPU time (this process and its ffmpeg children: what a shared
machine's load inflates least).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.media.ffmpeg import run_sync  # noqa: E402
from studio.media.inspect import read_video  # noqa: E402
from studio.media.stitch import JOINS, Shot, X264, stitch  # noqa: E402

ANCHOR = X264("veryfast", 23)


def make_clip(path: Path, seconds: float, n: int) -> Path:
    """A 1080P H.264/AAC clip with a keyframe every 2 s, like the preview renderer's."""
    run_sync(["-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=24:d={seconds}",
              "-f", "lavfi", "-i", f"sine=f={220 + 40 * n}:r=48000:d={seconds}",
              "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-g", "48", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "128k", str(path)])
    return path


def with_moviepy(shots: list[Shot], fade: float, dest: Path) -> None:
    """The same storyboard as a moviepy user writes it (untrimmed shots)."""
    from moviepy import VideoFileClip, afx, concatenate_videoclips, vfx

    clips = [VideoFileClip(str(s.path)) for s in shots]
    try:
        if fade:
            clips = [clips[0].with_effects([afx.AudioFadeOut(fade)])] + [
                c.with_effects([vfx.CrossFadeIn(fade), afx.AudioFadeIn(fade)]
                               + ([afx.AudioFadeOut(fade)] if i < len(clips) - 1 else []))
                for i, c in enumerate(clips[1:], start=1)]
            joined = concatenate_videoclips(clips, method="compose", padding=-fade)
        else:
            joined = concatenate_videoclips(clips)
        joined.write_videofile(str(dest), codec="libx264", audio_codec="aac", preset=ANCHOR.preset,
                               fps=24, logger=None, temp_audiofile_path=str(dest.parent))
    finally:
        for c in clips:
            c.close()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the ffmpeg runs), user and system."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(make: Callable[[Path], object], dest: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of make(dest), and what it made."""
    start, cpu = time.perf_counter(), cpu_seconds()
    make(dest)
    took, used = time.perf_counter() - start, cpu_seconds() - cpu
    info = read_video(dest)
    return took, used, f"{info.width}x{info.height} {info.duration:.2f} s, sound {info.audio_codec or 'none'}"


def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f} {unit}"
    return f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3, help="rounds of studio and ffmpeg anchor")
    ap.add_argument("--moviepy-runs", type=int, default=1, help="rounds that also run moviepy (0: none)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-stitch-"))
    print(f"making {args.clips} clips of {args.seconds:g} s at 1080P in {work}; joins at {JOINS}, "
          f"anchor {ANCHOR}", flush=True)
    clips = [make_clip(work / f"clip{n}.mp4", args.seconds, n) for n in range(args.clips)]
    plain = [Shot(c) for c in clips]
    boards = {"cuts": (plain, 0.0),
              "cuts, each shot trimmed 0.3 s in / 0.7 s out": ([Shot(c, 0.3, args.seconds - 0.7) for c in clips], 0.0),
              "1 s crossfade at every join": (plain, 1.0)}
    times: dict[tuple[str, str, str], list[float]] = {}
    for run in range(args.runs):
        for board, (shots, fade) in boards.items():
            fades = [fade] * (len(shots) - 1)
            contenders = {"studio": lambda d: stitch(shots, fades, d),
                          "ffmpeg veryfast": lambda d: stitch(shots, fades, d, reencode=True, x264=ANCHOR)}
            if run < args.moviepy_runs and "trimmed" not in board:
                contenders["moviepy"] = lambda d: with_moviepy(shots, fade, d)
            for name, make in contenders.items():
                took, used, what = timed(make, work / f"out-{name.replace(' ', '-')}.mp4")
                times.setdefault((board, name, "wall"), []).append(took)
                times.setdefault((board, name, "cpu"), []).append(used)
                print(f"  round {run + 1}, {board}, {name}: {took:.2f} s wall, {used:.2f} s CPU -> {what}",
                      flush=True)
    for clock in ("wall", "cpu"):
        print(f"\n{clock} time\n| storyboard | studio | ffmpeg veryfast (anchor) | anchor / studio | moviepy "
              "| moviepy / studio |\n|---|---|---|---|---|---|")
        for board in boards:
            ours, anchor = times[(board, "studio", clock)], times[(board, "ffmpeg veryfast", clock)]
            movie = times.get((board, "moviepy", clock), [])
            ratio = [a / s for s, a in zip(ours, anchor)]
            movie_ratio = [m / s for s, m in zip(ours, movie)]
            print(f"| {board} | {spread(ours)} | {spread(anchor)} | {spread(ratio, 'x', 1)} | "
                  f"{spread(movie) if movie else '-'} | {spread(movie_ratio, 'x', 0) if movie else '-'} |")


if __name__ == "__main__":
    main()
