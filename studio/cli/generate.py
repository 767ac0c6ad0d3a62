"""generate and quote: make a clip (and follow it), or show what it would cost.

Flags a variant does not take are refused with the reason, and every file
flag is checked to exist before anything else, so a typo reads as a typo.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from studio import models
from studio.cli import advice
from studio.cli.progress import follow
from studio.errors import InputError
from studio.service import Caller, Studio
from studio.variants import AudioMode, RATIOS, RESOLUTIONS, Variant

T2V, I2V, R2V, EDIT = Variant.T2V, Variant.I2V, Variant.R2V, Variant.EDIT

# flag: (the variants that take it, why the others do not)
APPLIES = {
    "ratio": ({T2V, R2V}, {I2V: "the first frame sets the shape", EDIT: "the edit keeps the source's shape"}),
    "duration": ({T2V, I2V, R2V}, {EDIT: "an edit is as long as its source (up to 15 s)"}),
    "first_frame": ({I2V}, {T2V: "text to video starts from the prompt alone",
                            R2V: "reference to video takes --reference images",
                            EDIT: "an edit starts from --video"}),
    "reference": ({R2V, EDIT}, {T2V: "text to video takes no images (use --variant r2v)",
                                I2V: "image to video takes one --first-frame"}),
    "video": ({EDIT}, {v: "only an edit takes a source clip" for v in (T2V, I2V, R2V)}),
    "audio": ({EDIT}, {v: "only an edit has a sound mode" for v in (T2V, I2V, R2V)}),
}


def add(sub) -> None:
    for name, text, run in (("generate", "make a clip and follow it until it is done", generate),
                            ("quote", "show what a clip would cost", quote)):
        g = sub.add_parser(name, help=text)
        shot_flags(g)
        g.add_argument("--model", choices=list(models.catalogue().families),
                       help="default: HappyHorse 1.1 (1.0 for edit, and where the backend has no 1.1)")
        g.add_argument("--json", action="store_true", help="print the job record (or quote) as JSON")
        if name == "generate":
            wait_flag(g)
        g.set_defaults(run=run)


def shot_flags(g: argparse.ArgumentParser) -> None:
    """The flags that describe a shot, whichever model makes it (generate, quote, compare)."""
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
    g.add_argument("--negative-prompt", help="Wan 2.7: what the clip should not show")
    g.add_argument("--prompt-extend", action=argparse.BooleanOptionalAction, default=None,
                   help="Wan 2.7: let the provider rewrite the prompt (default: off; always sent)")


def wait_flag(g: argparse.ArgumentParser) -> None:
    g.add_argument("--no-wait", action="store_true",
                   help="return as soon as the provider has the job and print its id; a background "
                        "`wait` collects the clip")


def check_flags(a: argparse.Namespace) -> None:
    """Refuse a flag the variant does not take, and a file that is not there or not what it should be."""
    variant = Variant(a.variant)
    for flag, value in [("--prompt", a.prompt), ("--first-frame", a.first_frame), ("--video", a.video),
                        ("--seed", a.seed)] + [("--reference", r) for r in a.reference]:
        if value and not utf8(value):
            raise InputError(f"{flag} is not valid UTF-8 text (the shell passed bytes in another encoding): "
                             "retype it in a UTF-8 terminal (LANG=C.UTF-8), or rename the file.")
    for flag, (takes, why) in APPLIES.items():
        if getattr(a, flag) and variant not in takes:
            name = "--" + flag.replace("_", "-")
            raise InputError(f"{name} does not apply to {variant.value}: {why[variant]}. Remove {name}.")
    for flag, path in [("--first-frame", a.first_frame), ("--video", a.video)] + \
                      [("--reference", r) for r in a.reference]:
        if path and not Path(path).is_file():
            raise InputError(f"{flag} {path}: file not found (paths are read from {Path.cwd()}).")
    if a.video and variant is EDIT:
        kind = image_kind(a.video)
        if kind:
            raise InputError(f"--video {a.video} is a {kind} image, not a video: give an MP4 or MOV clip "
                             f"(to animate a still, use --variant i2v --first-frame {a.video}).")


def utf8(text: str) -> bool:
    """False for an argument that held bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def image_kind(path: str) -> str | None:
    """PNG, JPEG... if the file is a still image, else None."""
    try:
        with Image.open(path) as im:
            return im.format
    except (UnidentifiedImageError, OSError):
        return None


def fields(a: argparse.Namespace, backend: str) -> dict:
    """The request's fields; the backend too, so the model is one it has (and its default)."""
    return dict(prompt=a.prompt, resolution=a.resolution, ratio=a.ratio, duration=a.duration,
                watermark=a.watermark, seed=a.seed, first_frame=a.first_frame, references=a.reference,
                video=a.video, audio=a.audio, model=getattr(a, "model", None), negative_prompt=a.negative_prompt,
                prompt_extend=a.prompt_extend, backend=backend)


def quote(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    advice.expand_reference_set(studio, caller, args)
    check_flags(args)
    prepared = studio.core.prepare(args.variant, **fields(args, studio.core.backend_name(args.backend)))
    print(json.dumps(prepared.quote.to_dict()) if args.json else prepared.quote.describe())
    return 0


def generate(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    advice.expand_reference_set(studio, caller, args)
    check_flags(args)
    advice.advice_to_stderr(studio, args)
    backend = studio.core.backend_name(args.backend)
    prepared = studio.core.prepare(args.variant, **fields(args, backend))
    for note in prepared.checked.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{prepared.quote.describe()} — backend: {studio.backend_label(backend)}", file=sys.stderr)
    studio.start(resume=False)
    job = studio.core.submit(caller, prepared, backend, again=True)  # each command is a deliberate take
    print(f"job {job.id} submitted; data in {studio.settings.data_dir}", file=sys.stderr)
    if args.no_wait:
        job = studio.core.wait_until_sent(caller, job.id)
        print(json.dumps(job.record(), indent=2, ensure_ascii=False) if args.json else job.id)
        if not job.state.finished:
            studio.close()  # lets go of the job (a preview render stops here) for the follower to take it
            follow_in_background(job.id)
            print(f"a background `wait {job.id}` collects the clip when it is ready; follow it yourself with: "
                  f".venv/bin/python -m studio wait {job.id}", file=sys.stderr)
        return 0 if not job.state.finished or job.state.value == "succeeded" else 1
    return follow(studio, caller, job, as_json=args.json)


def follow_in_background(job_id: str) -> None:
    """`wait JOB` in a process of its own that outlives this command, so the clip is collected (a preview is
    rendered) without anyone waiting; with the studio running too, one of the two drives the job."""
    subprocess.Popen([sys.executable, "-m", "studio", "wait", job_id], cwd=Path(__file__).resolve().parents[2],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
