"""Checks every input file against the API's limits and keeps a durable copy.

Checking writes nothing (a quote is asked for on every change of a form): it
reads the files and says what will happen to them. Uploads arrive as temporary
files (Gradio's cache, a CLI path); a job must outlive them, so when a job is
sent its inputs are converted to sRGB where needed and copied into the data
directory under a name derived from their content: the same image used twice
is stored once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from studio.errors import InputError
from studio.media import inspect, quality
from studio.variants import (EDIT_OUTPUT_MAX_SECONDS, REFERENCE_RECOMMENDED_SIDE, Request, Variant, nearest_ratio,
                            slot_label)

_EXT = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "WEBP": ".webp", "mp4": ".mp4", "mov": ".mov"}


@dataclass(frozen=True)
class Checked:
    """A request whose every file passed its limits, with what we learnt about them."""

    request: Request
    source_seconds: float | None = None     # edit: the source clip's length
    implied_ratio: str | None = None        # i2v: the ratio the first frame implies
    notes: tuple[str, ...] = field(default_factory=tuple)


def check_files(request: Request) -> Checked:
    """Check each file by content. Raises InputError naming the file and the fix."""
    notes: list[str] = []
    source_seconds = implied = None
    limits = request.family.limits  # the request's model's limits where models differ
    for path in _paths(request):
        if not Path(path).is_file():
            raise InputError(f"The file {Path(path).name!r} is not there any more: upload it again.")
    if request.first_frame:
        info = inspect.check_first_frame(request.first_frame, limits=limits)
        implied = nearest_ratio(info.width, info.height)
    for i, ref in enumerate(request.references, start=1):
        info = inspect.check_reference(ref, request.slot(i), request.variant, limits)
        if request.variant is Variant.R2V and min(info.width, info.height) < REFERENCE_RECOMMENDED_SIDE:
            notes.append(f"{slot_label(request.variant, request.slot(i))} is {info.width}x{info.height}: {REFERENCE_RECOMMENDED_SIDE} px or more "
                         "on the short side keeps the subject more faithful.")
    if request.video:
        video = inspect.check_source_video(request.video, limits=limits)
        source_seconds = video.duration
        if video.duration > EDIT_OUTPUT_MAX_SECONDS:
            notes.append(f"The source is {video.duration:.1f} s: the edit covers its first {EDIT_OUTPUT_MAX_SECONDS:.0f} s, "
                         "but the whole clip is billed as input.")
    return Checked(request, source_seconds, implied, tuple(notes + _srgb_notes(request)))


def _srgb_notes(request: Request) -> list[str]:
    """What sending will convert to sRGB (InputStore.to_send does it), said before anything is written."""
    notes = []
    if request.first_frame and (profile := quality.needs_srgb(request.first_frame)):
        notes.append(f"First frame: converted from {profile} to sRGB before sending.")
    for i, ref in enumerate(request.references, start=1):
        if profile := quality.needs_srgb(ref):
            notes.append(f"{slot_label(request.variant, request.slot(i))}: converted from {profile} "
                         "to sRGB before sending.")
    return notes


def _paths(request: Request) -> list[str]:
    return [p for p in (request.first_frame, request.video, *request.references) if p]


class InputStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def to_send(self, request: Request) -> Request:
        """The request as a job sends it: non-sRGB images converted to sRGB (each copy meets the same
        limits), every file a durable copy."""
        return self.keep(self._in_srgb(request))

    def keep(self, request: Request) -> Request:
        """The same request, pointing at durable copies of its files."""
        return replace(
            request,
            first_frame=self._keep(request.first_frame),
            references=tuple(self._keep(r) for r in request.references),
            video=self._keep(request.video),
        )

    def _in_srgb(self, req: Request) -> Request:
        first_frame, refs = req.first_frame, list(req.references)
        if first_frame and (c := quality.to_srgb(first_frame, self.root)):
            first_frame = str(inspect.check_first_frame(c.path).path)  # the copy meets the same limits
        for i, ref in enumerate(refs):
            if c := quality.to_srgb(ref, self.root):
                refs[i] = str(inspect.check_reference(c.path, req.slot(i + 1), req.variant).path)
        return replace(req, first_frame=first_frame, references=tuple(refs))

    def _keep(self, path: str | None) -> str | None:
        if not path:
            return None
        src = Path(path)
        if src.parent == self.root:
            return str(src)
        digest = hashlib.sha256()
        with src.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        dest = self.root / (digest.hexdigest()[:24] + _extension(src))
        if not dest.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(dir=self.root, prefix=".", suffix=".part")
            os.close(fd)
            try:
                shutil.copyfile(src, part)
                os.replace(part, dest)  # same content under the same name: a racing twin is harmless
            finally:
                Path(part).unlink(missing_ok=True)
        return str(dest)


def _extension(path: Path) -> str:
    try:
        return _EXT[inspect.inspect_image(path).format]
    except InputError:
        return _EXT.get(inspect.probe_video(path).container, ".mp4")
