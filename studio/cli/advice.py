"""advise and refs: advice on a prompt and its images, and named reference sets.

  python -m studio advise --variant r2v --prompt "[Image 1] walks in" --reference a.png --json
  python -m studio refs save "Captain Mara" front.png side.png back.png
  python -m studio refs list
  python -m studio generate --variant r2v --prompt "[Image 1] sails" --reference-set "Captain Mara"

advise exits 0 even when there is advice (advice never blocks), 2 for invalid
input such as a token naming an empty slot.
"""

from __future__ import annotations

import argparse
import json
import sys

from studio.errors import InputError
from studio.service import Caller, Studio
from studio.variants import RESOLUTIONS, Variant


def add(sub) -> None:
    a = sub.add_parser("advise", help="advice on a prompt and its images before money is spent")
    a.add_argument("--variant", required=True, choices=[v.value for v in Variant])
    a.add_argument("--prompt", default="")
    a.add_argument("--resolution", default="720P", type=str.upper, choices=RESOLUTIONS)
    a.add_argument("--first-frame", help="i2v: the first frame image")
    a.add_argument("--reference", action="append", default=[], help="r2v/edit: a reference image (repeatable)")
    a.add_argument("--reference-set", metavar="NAME", help="r2v/edit: a saved reference set, before any --reference")
    a.add_argument("--json", action="store_true", help="print the advice as a JSON list")
    a.set_defaults(run=advise)

    refs = sub.add_parser("refs", help="named reference sets (a character, a product)")
    rsub = refs.add_subparsers(dest="refs_command", required=True)
    save = rsub.add_parser("save", help="save images as a named set, in slot order")
    save.add_argument("name")
    save.add_argument("images", nargs="+")
    save.set_defaults(run=refs_save)
    lst = rsub.add_parser("list", help="list your reference sets")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(run=refs_list)
    delete = rsub.add_parser("delete", help="delete a reference set")
    delete.add_argument("name")
    delete.set_defaults(run=refs_delete)


def expand_reference_set(studio: Studio, caller: Caller, args: argparse.Namespace) -> None:
    """Put a --reference-set's images before the --reference images (for generate, quote, advise)."""
    name = getattr(args, "reference_set", None)
    if name:
        args.reference = [*studio.references.get(caller, name).images, *args.reference]


def advice_to_stderr(studio: Studio, args: argparse.Namespace) -> None:
    """For generate (after expand_reference_set): the same advice `advise` prints, on stderr.

    Input that would be refused is left to the checks that follow (they say it in their own words).
    """
    try:
        items = studio.advice.advise(args.variant, args.prompt, args.first_frame, args.reference, args.resolution)
    except InputError:
        return
    for item in items:
        print(f"advice: {item.line()}", file=sys.stderr)


def advise(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    expand_reference_set(studio, caller, args)
    items = studio.advice.advise(args.variant, args.prompt, args.first_frame, args.reference, args.resolution)
    if args.json:
        print(json.dumps([i.to_dict() for i in items], indent=2, ensure_ascii=False))
    elif not items:
        print("No advice: the prompt and images look ready.")
    for item in items if not args.json else ():
        print(f"- [{item.kind.value}] {item.about}: {item.reason}\n  suggestion: {item.suggestion}")
    return 0


def refs_save(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    saved = studio.references.save(caller, args.name, args.images)
    print(f"Saved reference set {saved.name!r} with {len(saved.images)} image(s).")
    return 0


def refs_list(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    sets = studio.references.list(caller)
    if args.json:
        print(json.dumps([s.to_dict() for s in sets], indent=2, ensure_ascii=False))
    elif not sets:
        print("No reference sets yet: python -m studio refs save NAME IMAGE...")
    for s in sets if not args.json else ():
        print(f"{s.name}\t{len(s.images)} image(s)")
    return 0


def refs_delete(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    studio.references.delete(caller, args.name)
    print(f"Deleted reference set {args.name!r}.")
    return 0
