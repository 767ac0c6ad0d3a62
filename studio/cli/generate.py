"""generate and quote: make a clip and wait for it, or show what it would cost."""

from __future__ import annotations

import argparse
import json
import sys

from studio.cli import advice
from studio.service import LOCAL_OWNER, Studio
from studio.variants import AudioMode, RATIOS, RESOLUTIONS, Variant


def add(sub) -> None:
    for name, text, run in (("generate", "make a clip and wait for it", generate),
                            ("quote", "show what a clip would cost", quote)):
        g = sub.add_parser(name, help=text)
        g.add_argument("--variant", required=True, choices=[v.value for v in Variant])
        g.add_argument("--prompt", default="")
        g.add_argument("--resolution", default="720P", type=str.upper, choices=RESOLUTIONS)
        g.add_argument("--ratio", choices=RATIOS, help="t2v and r2v only")
        g.add_argument("--duration", type=int, help="3-15 seconds (not for edit)")
        g.add_argument("--first-frame", help="i2v: the first frame image")
        g.add_argument("--reference", action="append", default=[], help="r2v/edit: a reference image (repeatable)")
        g.add_argument("--reference-set", metavar="NAME", help="r2v/edit: a saved reference set, before any --reference")
        g.add_argument("--video", help="edit: the source clip")
        g.add_argument("--audio", choices=[a.value for a in AudioMode], help="edit: auto, retain or remove")
        g.add_argument("--seed", help="0-2147483647; omit for random")
        g.add_argument("--watermark", action="store_true", help="add the provider's watermark")
        g.add_argument("--backend", help="preview, dashscope or inferencesh")
        g.add_argument("--json", action="store_true", help="print the job record as JSON")
        g.set_defaults(run=run)


def fields(a: argparse.Namespace) -> dict:
    return dict(prompt=a.prompt, resolution=a.resolution, ratio=a.ratio, duration=a.duration,
                watermark=a.watermark, seed=a.seed, first_frame=a.first_frame, references=a.reference,
                video=a.video, audio=a.audio)


def quote(studio: Studio, args: argparse.Namespace) -> int:
    advice.expand_reference_set(studio, args)
    prepared = studio.prepare(args.variant, **fields(args))
    studio.backend_name(args.backend)
    print(json.dumps(prepared.quote.to_dict()) if args.json else prepared.quote.describe())
    return 0


def generate(studio: Studio, args: argparse.Namespace) -> int:
    advice.advice_to_stderr(studio, args)
    prepared = studio.prepare(args.variant, **fields(args))
    backend = studio.backend_name(args.backend)
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
