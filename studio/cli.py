"""The studio from a terminal.

  python -m studio generate --variant t2v --prompt "..." --duration 5 --resolution 720P --ratio 16:9 --json
  python -m studio quote    --variant edit --prompt "warmer" --video clip.mp4
  python -m studio jobs --json
  python -m studio cancel JOB_ID

Exit codes: 0 done, 1 the job failed or was cancelled, 2 invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys

from studio import config
from studio.errors import StudioError, InputError
from studio.service import LOCAL_OWNER, Studio
from studio.variants import AudioMode, RATIOS, RESOLUTIONS, Variant


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m studio", description="HappyHorse Studio from the command line.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("generate", "make a clip and wait for it"), ("quote", "show what a clip would cost")):
        g = sub.add_parser(name, help=text)
        g.add_argument("--variant", required=True, choices=[v.value for v in Variant])
        g.add_argument("--prompt", default="")
        g.add_argument("--resolution", default="720P", type=str.upper, choices=RESOLUTIONS)
        g.add_argument("--ratio", choices=RATIOS, help="t2v and r2v only")
        g.add_argument("--duration", type=int, help="3-15 seconds (not for edit)")
        g.add_argument("--first-frame", help="i2v: the first frame image")
        g.add_argument("--reference", action="append", default=[], help="r2v/edit: a reference image (repeatable)")
        g.add_argument("--video", help="edit: the source clip")
        g.add_argument("--audio", choices=[a.value for a in AudioMode], help="edit: auto, retain or remove")
        g.add_argument("--seed", help="0-2147483647; omit for random")
        g.add_argument("--watermark", action="store_true", help="add the provider's watermark")
        g.add_argument("--backend", help="preview, dashscope or inferencesh")
        g.add_argument("--json", action="store_true", help="print the job record as JSON")
    j = sub.add_parser("jobs", help="list the ledger, newest first")
    j.add_argument("--json", action="store_true")
    j.add_argument("--limit", type=int, default=50)
    c = sub.add_parser("cancel", help="cancel a job")
    c.add_argument("job_id")
    c.add_argument("--json", action="store_true")
    return p


def _fields(a: argparse.Namespace) -> dict:
    return dict(prompt=a.prompt, resolution=a.resolution, ratio=a.ratio, duration=a.duration,
                watermark=a.watermark, seed=a.seed, first_frame=a.first_frame, references=a.reference,
                video=a.video, audio=a.audio)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = config.load()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    studio = Studio(settings)
    try:
        return _run(studio, args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        studio.close()


def _run(studio: Studio, args: argparse.Namespace) -> int:
    if args.command == "jobs":
        jobs = studio.jobs(LOCAL_OWNER, args.limit)
        if args.json:
            print(json.dumps([j.record() for j in jobs], indent=2, ensure_ascii=False))
        else:
            for j in jobs:
                cost = "" if j.cost_usd is None else f" ${j.cost_usd:.2f}"
                print(f"{j.id}  {j.state.value:<11} {j.variant.value:<4} {j.request.resolution:<5} "
                      f"{j.backend}{cost}  {j.output_path or j.error_message or ''}")
        return 0
    if args.command == "cancel":
        studio.start(resume=False)
        job = studio.cancel(LOCAL_OWNER, args.job_id)
        print(json.dumps(job.record(), indent=2) if args.json else job.error_message or job.state.words)
        return 0
    prepared = studio.prepare(args.variant, **_fields(args))
    backend = studio.backend_name(args.backend)
    if args.command == "quote":
        print(json.dumps(prepared.quote.to_dict()) if args.json else prepared.quote.describe())
        return 0
    for note in prepared.checked.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{prepared.quote.describe()} — backend: {studio.backend_label(backend)}", file=sys.stderr)
    studio.start(resume=False)
    job = studio.submit(LOCAL_OWNER, prepared, backend)
    print(f"job {job.id} submitted; data in {studio.settings.data_dir}", file=sys.stderr)
    job = studio.wait(LOCAL_OWNER, job.id)
    if args.json:
        print(json.dumps(job.record(), indent=2, ensure_ascii=False))
    else:
        print(job.output_path or f"{job.state.words}: {job.error_message}")
    return 0 if job.state.value == "succeeded" else 1
