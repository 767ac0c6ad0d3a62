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
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from studio.errors import InputError, StoreError
from studio.media import inspect, quality
from studio.media.store import MediaStore
from studio.variants import (EDIT_OUTPUT_MAX_SECONDS, REFERENCE_RECOMMENDED_SIDE, Request, Variant, nearest_ratio,
                            slot_label)

_KEPT = re.compile(r"^(srgb-)?[0-9a-f]{24}\.[a-z0-9]{2,4}$")  # the names kept inputs have (by content)
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
    """Kept inputs in data_dir/inputs, named by content; with a media store that is not this folder (a
    bucket), each is kept there too under inputs/<name>, so a job's inputs outlive this machine: another
    replica, or this one after a restart on an empty disk, fetches them back (restore) to make a final,
    variations or reuse the settings."""

    def __init__(self, root: Path, media: MediaStore | None = None):
        self.root = Path(root)
        self.media = media

    def restore(self, request: Request) -> Request:
        """The request with each kept input that is not on this machine as its copy in the media store's
        bounded local cache, to hand on at once (a tab's fields, a player): nothing is added to this
        machine's inputs folder. An input that is nowhere, or that the store cannot give now, stays as it
        was (check_files says so). Work that reads the files later holds them with held()."""
        return replace(request, first_frame=self.restore_path(request.first_frame),
                       references=tuple(self.restore_path(r) for r in request.references),
                       video=self.restore_path(request.video))

    def restore_path(self, path: str | None) -> str | None:
        """One kept input's local path: here, or the media store's cached copy (kept in the cache at least its
        grace after this call; the cache is bounded and evicts it later). The path as it was when it is
        nowhere or the store does not answer (logged by the store)."""
        location = self._elsewhere(path)
        if location is None or self.media is None:
            return path
        got = self.media.fetch(location)
        return str(got) if got else path

    @contextmanager
    def held(self, request: Request) -> Iterator[Request]:
        """The request with each kept input that is not on this machine held in the media store's bounded
        cache for the `with` block (checking, converting, uploading it to a provider), never copied into the
        inputs folder. An input that is nowhere stays as it was; StoreError when the store does not answer."""
        with ExitStack() as stack:
            def here(path: str | None) -> str | None:
                location = self._elsewhere(path)
                if location is None or self.media is None:
                    return path
                try:
                    return str(stack.enter_context(self.media.local(location)))
                except StoreError as e:
                    if e.code != "missing":
                        raise
                    return path
            yield replace(request, first_frame=here(request.first_frame),
                          references=tuple(here(r) for r in request.references), video=here(request.video))

    def as_kept(self, request: Request) -> Request:
        """The request with each cached copy of a kept input named as the kept input (this machine's
        inputs/<name>, which the store holds): what a job records, so a cached copy evicted later is no loss."""
        return replace(request, first_frame=self._kept_name(request.first_frame),
                       references=tuple(self._kept_name(r) for r in request.references),
                       video=self._kept_name(request.video))

    def _elsewhere(self, path: str | None) -> str | None:
        """The store's location of a kept input that is not on this machine, or None."""
        if not path or self.media is None or Path(path).is_file():
            return None
        name = Path(path).name
        if Path(path).parent.name != self.root.name or not _KEPT.match(name):
            return None  # not a kept input: nothing to fetch
        return self.media.location(f"inputs/{name}")

    def _kept_name(self, path: str | None) -> str | None:
        if path and self.media is not None and _KEPT.match(Path(path).name) \
                and self.media.cached_key(Path(path)) == f"inputs/{Path(path).name}":
            return str(self.root / Path(path).name)
        return path

    def _share(self, path: Path) -> None:
        """Keep a kept input in the media store too, unless the store is this very folder (the default)."""
        if self.media is None or self.media.key_of(str(path)) is not None or not path.is_file():
            return  # the store is this folder, or the input is not here (kept by another machine: in the store)
        key = f"inputs/{path.name}"
        if self.media.size(self.media.location(key)) != path.stat().st_size:  # the same name is the same content
            self.media.put(key, path)

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
        if (kept := self._kept_name(path)) != path:
            return kept  # a kept input's cached copy: the store holds it already
        src = Path(path)
        if src.parent == self.root:
            self._share(src)
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
        self._share(dest)
        return str(dest)


def _extension(path: Path) -> str:
    try:
        return _EXT[inspect.inspect_image(path).format]
    except InputError:
        return _EXT.get(inspect.probe_video(path).container, ".mp4")
