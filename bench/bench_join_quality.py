"""How good the stitcher's re-encoded joins look at each x264 preset and CRF, and what each costs.

    python bench/bench_join_quality.py [--clips 3] [--seconds 15] [--runs 3] [--picture NAME]
                                       [--candidates superfast:16,veryfast:18]

For two kinds of picture (testsrc2's sharp synthetic motion, and the same with
moving film grain, the hardest case for an encoder), a storyboard of 1080P clips
joined by 1 s crossfades is stitched once per candidate setting. Only the
re-encoded joins differ between candidates (the rest is copied), so only their
frames are scored: VMAF (libvmaf, model vmaf_v0.6.1) and SSIM (ffmpeg's ssim
filter) against the same frames of a full re-encode of the same plan at the
studio's former join setting, medium CRF 18. Each candidate's stitch time (wall, and CPU of
the ffmpeg runs, which a loaded machine inflates least) is printed beside its
scores; ratios are to the medium CRF 18 stitch of the same run.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.media.ffmpeg import ffmpeg_exe, run_sync  # noqa: E402
from studio.media.stitch import Shot, X264, read_clip, stitch  # noqa: E402
from studio.media.stitch_plan import Encode, plan_copy  # noqa: E402

REFERENCE = X264("medium", 18)
CANDIDATES = (X264("medium", 18), X264("fast", 18), X264("faster", 18), X264("veryfast", 18),
              X264("veryfast", 16), X264("superfast", 16), X264("superfast", 14), X264("ultrafast", 14))
PICTURES = {
    "testsrc2": "testsrc2=s=1920x1080:r=24:d={d}",
    "testsrc2 + grain": "testsrc2=s=1920x1080:r=24:d={d},noise=alls=14:allf=t+u",
}


def make_clip(path: Path, source: str, seconds: float, n: int) -> Path:
    """A 1080P H.264/AAC clip with a keyframe every 2 s, like the preview renderer's."""
    run_sync(["-f", "lavfi", "-i", source.format(d=seconds), "-f", "lavfi",
              "-i", f"sine=f={220 + 40 * n}:r=48000:d={seconds}", "-vf", f"hue=h={n * 70}",
              "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-g", "48", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "128k", str(path)])
    return path


def joins(shots: list[Shot], fades: list[float]) -> list[tuple[float, float]]:
    """The output seconds the stitcher re-encodes (from its own plan)."""
    plan = plan_copy([read_clip(s.path) for s in shots], shots, fades)
    return [(seg.at, seg.at + seg.seconds) for seg in plan.segments if isinstance(seg, Encode)]


def scores(distorted: Path, reference: Path, spans: list[tuple[float, float]]) -> tuple[float, float]:
    """(VMAF, SSIM) of the frames inside spans, distorted against reference."""
    keep = "+".join(f"between(t,{a + 0.001:.3f},{b - 0.001:.3f})" for a, b in spans)
    pick = f"select='{keep}',setpts=N/(24*TB)"
    graph = (f"[0:v]{pick},split[d1][d2];[1:v]{pick},split[r1][r2];"
             f"[d1][r1]libvmaf=model=version=vmaf_v0.6.1:n_threads=2;[d2][r2]ssim")
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(distorted), "-i", str(reference),
                           "-lavfi", graph, "-f", "null", "-"], capture_output=True, text=True, check=True)
    vmaf = float(re.search(r"VMAF score: ([\d.]+)", proc.stderr).group(1))
    ssim = float(re.search(r"SSIM Y:.* All:([\d.]+)", proc.stderr).group(1))
    return vmaf, ssim


def cpu_seconds() -> float:
    """CPU time of finished children (the ffmpeg runs) and this process, user and system."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3, help="timed stitches per candidate")
    ap.add_argument("--picture", choices=list(PICTURES), action="append", help="only these pictures")
    ap.add_argument("--candidates", help="preset:crf,... after medium:18 (default: the list in this file)")
    args = ap.parse_args()
    candidates = CANDIDATES if not args.candidates else (REFERENCE,) + tuple(
        X264(p, int(c)) for p, c in (pair.split(":") for pair in args.candidates.split(",")))
    work = Path(tempfile.mkdtemp(prefix="bench-joins-"))
    for name, source in PICTURES.items():
        if args.picture and name not in args.picture:
            continue
        shots = [Shot(make_clip(work / f"{n}.mp4", source, args.seconds, n)) for n in range(args.clips)]
        fades = [1.0] * (len(shots) - 1)
        spans = joins(shots, fades)
        reference = work / "reference.mp4"
        stitch(shots, fades, reference, reencode=True, x264=REFERENCE)
        print(f"\n{name}: {args.clips} clips of {args.seconds:g} s, {sum(b - a for a, b in spans):.1f} s "
              f"re-encoded in {len(spans)} joins; scored against a full {REFERENCE.preset} CRF {REFERENCE.crf} "
              "re-encode", flush=True)
        print("| joins at | stitch wall | stitch CPU | CPU ratio to medium 18 | VMAF | SSIM |\n"
              "|---|---|---|---|---|---|")
        base = None
        for x264 in candidates:
            out = work / f"{x264.preset}-{x264.crf}.mp4"
            took, used = [], []
            for _ in range(args.runs):
                start, cpu = time.perf_counter(), cpu_seconds()
                stitch(shots, fades, out, x264=x264)
                took.append(time.perf_counter() - start)
                used.append(cpu_seconds() - cpu)
            base = base or statistics.median(used)
            vmaf, ssim = scores(out, reference, spans)
            print(f"| {x264.preset} CRF {x264.crf} | {statistics.median(took):.2f} s ({min(took):.2f}-{max(took):.2f}) "
                  f"| {statistics.median(used):.2f} s | {base / statistics.median(used):.2f}x | {vmaf:.2f} "
                  f"| {ssim:.5f} |", flush=True)


if __name__ == "__main__":
    main()
