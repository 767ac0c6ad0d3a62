"""media move: the data folder's clips and posters into a bucket (studio.media.store.move).

  python -m studio media move --to s3://bucket/prefix [--keep]

Resumable: run it again after an interruption and what the bucket already holds with the right
size is skipped. Local copies are deleted once the bucket holds them whole and the ledger points
at the bucket; --keep leaves them. Then start the studio with STUDIO_MEDIA_URL set to the same
URL, and run the move once more for clips collected in between.
"""

from __future__ import annotations

import argparse
import os
import sys

from studio.errors import InputError
from studio.media.store import FolderStore, MediaSettings, open_store
from studio.media.store.move import copy_inputs, move_media
from studio.media.store.settings import bucket_access, media_url


def add(sub) -> None:
    m = sub.add_parser("media", help="where clips and posters live")
    verbs = m.add_subparsers(dest="verb", required=True)
    move = verbs.add_parser("move", help="move the data folder's clips and posters into a bucket (resumable)")
    move.add_argument("--to", required=True, metavar="URL",
                      help="s3://bucket/prefix or gs://bucket/prefix (AWS_* variables reach an S3 bucket)")
    move.add_argument("--keep", action="store_true", help="leave the local copies in place")
    move.set_defaults(run=move_command)


def move_command(studio, caller, args: argparse.Namespace) -> int:
    settings = studio.settings
    target = open_store(_target(args.to), settings.data_dir)
    target.variable = "--to"
    try:
        target.check()
    except ValueError as e:
        raise InputError(str(e)) from None
    source = FolderStore(settings.media.folder(settings.data_dir))
    print(f"moving the clips and posters in {source.root}/media to {target.url}", flush=True)
    moved = move_media(studio.ledger.locations, source, target, keep=args.keep, say=lambda s: print(s, flush=True))
    print(f"uploaded {moved.uploaded} file(s) ({moved.uploaded_bytes / 2**20:.1f} MB); {moved.already} were there "
          f"already; {moved.relocated} clip and poster location(s) now in {target.url}")
    if args.keep:
        print(f"kept {moved.left} local copies (--keep): delete {source.root}/media yourself once the studio runs "
              f"with STUDIO_MEDIA_URL={target.url}")
    else:
        print(f"deleted {moved.deleted} local copies the bucket holds whole")
    inputs = copy_inputs(FolderStore(settings.data_dir), target, say=lambda s: print(s, flush=True))
    print(f"copied {inputs.uploaded} kept input(s) to {target.url}/inputs ({inputs.already} were there already; "
          "the local copies stay)")
    moved.failed += inputs.failed
    for line in moved.failed:
        print(f"not moved: {line}", file=sys.stderr)
    for line in moved.missing:
        print(f"missing in both places: {line}", file=sys.stderr)
    if not moved.complete:
        print("run the same command again to retry what was not moved", file=sys.stderr)
        return 1
    print(f"done: start the studio with STUDIO_MEDIA_URL={target.url} (and the same AWS_* settings)")
    return 0


def _target(url: str) -> MediaSettings:
    try:
        target = media_url(url, "--to")
    except ValueError as e:
        raise InputError(str(e)) from None
    if "://" not in target:
        raise InputError(f"--to {url}: give a bucket (s3://bucket/prefix or gs://bucket/prefix); to keep media in "
                         "another folder, set STUDIO_MEDIA_URL to it instead.")
    get = lambda k: (os.environ.get(k) or "").strip() or None  # noqa: E731
    try:
        access = bucket_access(get)
    except ValueError as e:
        raise InputError(str(e)) from None
    return MediaSettings(url=target, access=access)
