"""frame, final, variations and stitch: one finished clip leads to the next.

  python -m studio frame JOB (--at SECONDS | --last) [--out FILE.png] [--json]
  python -m studio final JOB [--json]
  python -m studio variations JOB --count N [--json]
  python -m studio stitch JOB JOB ... [--crossfade SECONDS[,SECONDS...]] [--trim JOB=IN:OUT]
                                     [--fit largest|smallest] [--json]

An unknown job id is invalid input (exit 2), like any other.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from studio.chain import StoryShot
from studio.errors import InputError
from studio.jobs.model import Job, JobState
from studio.media.clips import atomic_path
from studio.media.inspect import inspect_image
from studio.media.stitch import FITS
from studio.service import Caller, Studio


def add(sub) -> None:
    f = sub.add_parser("frame", help="save a frame of a finished clip as a PNG")
    f.add_argument("job_id")
    when = f.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", type=float, metavar="SECONDS", help="the frame on screen at this time")
    when.add_argument("--last", action="store_true", help="the last frame")
    f.add_argument("--out", metavar="FILE.png", help="also write it here")
    f.add_argument("--json", action="store_true")
    f.set_defaults(run=frame)
    g = sub.add_parser("final", help="the 1080P final of a draft: same request, same seed")
    g.add_argument("job_id")
    g.add_argument("--backend", help="default: the draft's backend")
    g.add_argument("--json", action="store_true")
    g.set_defaults(run=final)
    v = sub.add_parser("variations", help="the same request with 2-4 new seeds")
    v.add_argument("job_id")
    v.add_argument("--count", required=True, type=int, metavar="N", help="2, 3 or 4")
    v.add_argument("--backend", help="default: the job's backend")
    v.add_argument("--json", action="store_true")
    v.set_defaults(run=variations)
    s = sub.add_parser("stitch", help="join finished clips into one MP4 with sound")
    s.add_argument("job_ids", nargs="+", metavar="JOB")
    s.add_argument("--crossfade", default="0", metavar="SECONDS",
                   help="at every join, or one per join separated by commas, e.g. 0,0.5,1 (0: a cut)")
    s.add_argument("--trim", action="append", default=[], metavar="JOB=IN:OUT",
                   help="keep IN to OUT seconds of that clip (either may be empty)")
    s.add_argument("--fit", choices=FITS, metavar="{largest,smallest}",
                   help="when the shots differ in size: largest scales them up to the largest (the page's "
                        "'Scale up to'), smallest exports at the smallest (the page's 'Export at'); the others are "
                        "fitted inside it (bars, never stretched). Default: the first shot's size")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=stitch)


def frame(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    path = studio.chain.grab_frame(caller, args.job_id, None if args.last else args.at)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() != ".png":
            raise InputError(f"--out {out.name}: a frame is saved as PNG; name the file .png.")
        if not out.resolve().parent.is_dir():
            raise InputError(f"--out {out}: there is no folder {out.resolve().parent}: create it first, "
                             "or save the frame elsewhere.")
        with atomic_path(out) as part:
            shutil.copyfile(path, part)
        path = out.resolve()
    if args.json:
        info = inspect_image(path)
        print(json.dumps({"job": args.job_id, "at": None if args.last else args.at, "last": args.last,
                          "path": str(path), "width": info.width, "height": info.height}, indent=2))
    else:
        print(path)
    return 0


def final(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    offer = studio.chain.offer_final(caller, args.job_id, args.backend)
    print(offer.quote.describe(), file=sys.stderr)
    studio.start(resume=False)
    return _finish(studio, caller, studio.chain.send(caller, offer), args.json, many=False)


def variations(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    offer = studio.chain.offer_variations(caller, args.job_id, args.count, args.backend)
    print(offer.quote.describe(), file=sys.stderr)
    studio.start(resume=False)
    return _finish(studio, caller, studio.chain.send(caller, offer), args.json, many=True)


def stitch(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    trims = dict(parse_trim(t) for t in args.trim)
    unused = set(trims) - set(args.job_ids)
    if unused:
        raise InputError(f"--trim names {', '.join(sorted(unused))}, which is not among the shots: "
                         "trim one of the jobs you are stitching.")
    shots = [StoryShot(j, *trims.get(j, (0.0, None))) for j in args.job_ids]
    job = studio.chain.stitch(caller, shots, parse_crossfades(args.crossfade, len(shots)), fit=args.fit)
    return _finish(studio, caller, [job], args.json, many=False)


def parse_crossfades(text: str, shots: int) -> float | list[float]:
    """--crossfade 0.5 (every join) or 0,0.5,1 (one per join, in order)."""
    try:
        fades = [float(part) for part in str(text).split(",")]
    except ValueError:
        raise InputError(f"--crossfade {text!r} is not a length in seconds: write e.g. 0.5, or 0,0.5 for one "
                         "per join.") from None
    if len(fades) == 1:
        return fades[0]
    if len(fades) != shots - 1:
        raise InputError(f"--crossfade gives {len(fades)} lengths but {shots} shots have {shots - 1} joins: "
                         "give one length, or one per join.")
    return fades


def parse_trim(text: str) -> tuple[str, tuple[float, float | None]]:
    """JOB=IN:OUT, e.g. abc=1.5:6 or abc=:4 (from the start) or abc=2: (to the end)."""
    job, sep, span = text.partition("=")
    start, colon, end = span.partition(":")
    try:
        if not (sep and colon and job.strip()):
            raise ValueError
        return job.strip(), (float(start) if start.strip() else 0.0, float(end) if end.strip() else None)
    except ValueError:
        raise InputError(f"--trim {text!r} is not JOB=IN:OUT: write e.g. {job.strip() or 'JOB'}=1.5:6 "
                         "(seconds; leave IN or OUT empty for the start or the end).") from None


def _finish(studio: Studio, caller: Caller, jobs: list[Job], as_json: bool, many: bool) -> int:
    """Wait for every job, print the records (or paths), and exit 0 only if all succeeded."""
    done = [studio.core.wait(caller, j.id) for j in jobs]
    if as_json:
        records = [j.record() for j in done]
        print(json.dumps(records if many else records[0], indent=2, ensure_ascii=False))
    else:
        for j in done:
            print(studio.media_path(j.output_path) or j.output_path or f"{j.id}: {j.state.words}: {j.error_message}")
    return 0 if all(j.state is JobState.SUCCEEDED for j in done) else 1
