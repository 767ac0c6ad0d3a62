"""Stitching ten 15 s 1080P clips: stream copy against a full re-encode of the same clips, same run.

    python bench/bench_stitch.py [--clips 10] [--seconds 15]

Prints wall-clock figures for: cuts (no trims), cuts with trims off the
keyframes, and a 1 s crossfade at every join, each beside a full re-encode of
the same storyboard (studio.media.stitch with reencode=True: the same x264
settings the stitcher uses for the stretches it must re-encode).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.media.ffmpeg import run_sync  # noqa: E402
from studio.media.inspect import read_video  # noqa: E402
from studio.media.stitch import Shot, stitch  # noqa: E402


def make_clip(path: Path, seconds: float, n: int) -> Path:
    """A 1080P H.264/AAC clip with a keyframe every 2 s, like the preview renderer's."""
    run_sync(["-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=24:d={seconds}",
              "-f", "lavfi", "-i", f"sine=f={220 + 40 * n}:r=48000:d={seconds}",
              "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-g", "48", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "128k", str(path)])
    return path


def timed(label: str, shots, fades, dest: Path, reencode: bool = False) -> float:
    start = time.perf_counter()
    result = stitch(shots, fades, dest, reencode=reencode)
    took = time.perf_counter() - start
    info = read_video(dest)
    print(f"  {label:<28} {took:8.2f} s   {info.width}x{info.height} {info.duration:.2f} s "
          f"(copied {result.copied_seconds:.1f} s, encoded {result.encoded_seconds:.1f} s)", flush=True)
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=15.0)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-stitch-"))
    print(f"{platform.machine()}, python {platform.python_version()}; making {args.clips} clips of "
          f"{args.seconds:g} s at 1080P in {work}", flush=True)
    clips = [make_clip(work / f"clip{n}.mp4", args.seconds, n) for n in range(args.clips)]
    cuts = [0.0] * (len(clips) - 1)
    fades = [1.0] * (len(clips) - 1)
    plain = [Shot(c) for c in clips]
    trimmed = [Shot(c, 0.3, args.seconds - 0.7) for c in clips]
    out = work / "out.mp4"

    print("cuts, no trims:")
    copy = timed("stream copy", plain, cuts, out)
    full = timed("full re-encode", plain, cuts, out, reencode=True)
    print(f"  => {full / copy:.0f}x faster (goal 100x)")
    print("cuts, each shot trimmed 0.3 s in and 0.7 s out (off the keyframes):")
    trim = timed("stream copy + re-encoded ends", trimmed, cuts, out)
    print(f"  => {full / trim:.0f}x faster than the full re-encode of the untrimmed clips")
    print("1 s crossfade at every join:")
    fade_copy = timed("copy + re-encoded joins", plain, fades, out)
    fade_full = timed("full re-encode", plain, fades, out, reencode=True)
    print(f"  => {fade_full / fade_copy:.1f}x faster (goal 5x)")


if __name__ == "__main__":
    main()
