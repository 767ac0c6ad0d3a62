"""One clip leads to the next: the typed values and file naming behind the service's chain methods.

Frames and trimmed edit sources are kept in the data directory under names that
carry the job they came from (frames/JOB-MS.png, edits/JOB-IN-OUT.mp4), so a job
submitted with one as an input records its lineage ("frame of", "edit of")
without the caller having to say so. A grabbed frame is also noted by its
content (frames/.by-content/SHA256 holds its job's id), so the same picture
given back from elsewhere (`frame --out frame.png`, a download uploaded again)
is still known as a frame of its job.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from studio import pricing, variants
from studio.errors import InputError
from studio.jobs.model import Job, JobState, MadeAs
from studio.media import inspect, stitch
from studio.media.stitch import Stitched
from studio.media.store import MediaStore
from studio.pricing import Quote

STUDIO_BACKEND = "studio"   # jobs the studio makes itself (storyboards): free, never sent anywhere
MIN_VARIATIONS, MAX_VARIATIONS = 2, 4
EDIT_SECONDS = variants.EDIT_OUTPUT_MAX_SECONDS

_FRAME = re.compile(r"^([0-9a-f]{16})-(\d+|last)\.png$")
_EDIT = re.compile(r"^([0-9a-f]{16})-(\d+)-(\d+)\.mp4$")
_CLIP = re.compile(r"^([0-9a-f]{16})\.mp4$")
_JOB_ID = re.compile(r"^[0-9a-f]{16}$")
BY_CONTENT = ".by-content"
FRAMES_PER_CLIP = 24  # grabbed frames kept per clip; older ones are made again on request
DIGEST_MAX_BYTES = 64 * 1024 * 1024  # inputs larger than any image the models take are not looked up


@dataclass(frozen=True)
class Lineage:
    """A job's family: the jobs it was made from, and those made from it (all the owner's)."""

    job: Job
    parents: list[Job]      # direct parents in order (a storyboard's shots)
    ancestors: list[Job]    # parent, grandparent, ... along the first parent
    children: list[Job]     # jobs made from this one, oldest first

    def to_dict(self) -> dict:
        """Ids and how each was made, for an API answer."""
        def brief(j: Job) -> dict:
            return {"id": j.id, "made_as": j.made_as.value if j.made_as else None, "variant": j.variant.value,
                    "state": j.state.value}
        return {"job": brief(self.job), "parents": [brief(j) for j in self.parents],
                "ancestors": [brief(j) for j in self.ancestors], "children": [brief(j) for j in self.children]}


@dataclass(frozen=True)
class EditSource:
    """A finished clip as the source of a video edit, trimmed when asked."""

    video: Path               # the file to give Video edit as its source
    seconds: float            # its length
    clip_seconds: float       # the whole clip's length
    start: float
    end: float
    quote: Quote              # the edit of this source (input + output seconds)
    untrimmed_quote: Quote    # the edit of the whole clip
    trim_suggested: bool      # longer than the 15 s the model edits, and not trimmed
    quote_if_first_15: float  # the edit's cost once trimmed to the first 15 s

    @property
    def saving(self) -> float:
        return round(self.untrimmed_quote.total - self.quote.total, 2)

    def describe(self) -> str:
        if self.trim_suggested:
            return (f"The clip is {self.clip_seconds:.1f} s but the edit covers only the first {EDIT_SECONDS:.0f} s "
                    f"and bills all of it as input: trim it to the first {EDIT_SECONDS:.0f} s to pay "
                    f"{_money(self.quote_if_first_15)} instead of {_money(self.untrimmed_quote.total)}.")
        if self.saving > 0:
            return (f"Trimmed to {self.start:.2f}-{self.end:.2f} s: the edit costs {_money(self.quote.total)} "
                    f"instead of {_money(self.untrimmed_quote.total)} (saves {_money(self.saving)}).")
        return f"The edit costs {_money(self.quote.total)}."

    def to_dict(self) -> dict:
        return {"video": str(self.video), "seconds": self.seconds, "clip_seconds": self.clip_seconds,
                "start": self.start, "end": self.end, "quote": self.quote.to_dict(),
                "untrimmed_quote": self.untrimmed_quote.to_dict(), "saving": self.saving,
                "trim_suggested": self.trim_suggested, "quote_if_first_15": self.quote_if_first_15,
                "message": self.describe()}


@dataclass(frozen=True)
class FinalQuote:
    """The 1080P final beside the draft it comes from."""

    final: Quote
    draft: Quote

    @property
    def total(self) -> float:
        return self.final.total

    def describe(self) -> str:
        return (f"Final at 1080P: {_money(self.final.total)} (the {self.draft.resolution} draft was "
                f"{_money(self.draft.total)}), same prompt and seed.")

    def to_dict(self) -> dict:
        return {"final": self.final.to_dict(), "draft": self.draft.to_dict()}


@dataclass(frozen=True)
class VariationsQuote:
    each: Quote
    count: int

    @property
    def total(self) -> float:
        return round(self.each.total * self.count, 2)

    def describe(self) -> str:
        return f"{self.count} variations, new seeds: {self.count} × {_money(self.each.total)} = {_money(self.total)}."

    def to_dict(self) -> dict:
        return {"count": self.count, "each": self.each.to_dict(), "total": self.total}


@dataclass(frozen=True)
class StoryShot:
    """One shot of a storyboard: a finished job's clip, trimmed to start..end seconds (None: its end)."""

    job_id: str
    start: float = 0.0
    end: float | None = None


@dataclass(frozen=True)
class Loaded:
    """A job's request as fields for its tab, to change and run again."""

    variant: variants.Variant
    fields: dict = field(default_factory=dict)
    seed_used: int | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"variant": self.variant.value, "fields": self.fields, "seed_used": self.seed_used,
                "notes": list(self.notes)}


def _money(x: float) -> str:
    return f"${x:.2f}"


# --- files that carry their origin -----------------------------------------------

def frame_path(data_dir: Path, job_id: str, seconds: float | None) -> Path:
    mark = "last" if seconds is None else str(int(round(seconds * 1000)))
    return data_dir / "frames" / f"{job_id}-{mark}.png"


def edit_path(data_dir: Path, job_id: str, start: float, end: float) -> Path:
    return data_dir / "edits" / f"{job_id}-{int(round(start * 1000))}-{int(round(end * 1000))}.mp4"


def prune_frames(data_dir: Path, job_id: str, keep: int) -> int:
    """Keep a clip's `keep` most recently grabbed frames (a frame is made again from its clip on request);
    the older ones leave the disk with their content notes. Returns how many went."""
    frames = sorted((data_dir / "frames").glob(f"{job_id}-*.png"), key=lambda p: p.stat().st_mtime_ns,
                    reverse=True)
    gone = 0
    for old in frames[keep:]:
        try:
            (data_dir / "frames" / BY_CONTENT / content_digest(old)).unlink(missing_ok=True)
            old.unlink()
            gone += 1
        except FileNotFoundError:
            continue
    return gone


def remember_frame(data_dir: Path, job_id: str, frame: Path) -> None:
    """Note a grabbed frame by its content, so a copy of it is known later as a frame of this job."""
    index = Path(data_dir) / "frames" / BY_CONTENT
    index.mkdir(parents=True, exist_ok=True)
    note = index / content_digest(frame)
    part = note.with_name(f".{note.name}.{os.getpid()}.part")
    part.write_text(job_id, encoding="ascii")
    os.replace(part, note)


def content_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _frame_by_content(data_dir: Path, image: Path) -> str | None:
    try:
        if not image.is_file() or image.stat().st_size > DIGEST_MAX_BYTES:
            return None
        noted = (data_dir / "frames" / BY_CONTENT / content_digest(image)).read_text(encoding="ascii").strip()
    except OSError:
        return None
    return noted if _JOB_ID.match(noted) else None


def _clip_folder(data_dir: Path, folder: Path) -> bool:
    """The data folder's media, or the local cache's copy of a bucket's (cache/<bucket digest>/media)."""
    return folder == data_dir / "media" or (folder.name == "media" and folder.parent.parent == data_dir / "cache")


def origin(data_dir: Path, request: variants.Request) -> tuple[str, MadeAs] | None:
    """The job a request's inputs came from (a grabbed frame, a clip or its trim), if any."""
    data_dir = Path(data_dir).resolve()
    if request.video:
        p = Path(request.video).resolve()
        m = _CLIP.match(p.name) if _clip_folder(data_dir, p.parent) else \
            _EDIT.match(p.name) if p.parent == data_dir / "edits" else None
        if m:
            return m.group(1), MadeAs.EDIT
    for image in (request.first_frame, *request.references):
        if image:
            p = Path(image).resolve()
            m = _FRAME.match(p.name) if p.parent == data_dir / "frames" else None
            if m:
                return m.group(1), MadeAs.FRAME
    for image in (request.first_frame, *request.references):
        job_id = _frame_by_content(data_dir, Path(image)) if image else None
        if job_id:
            return job_id, MadeAs.FRAME
    return None


# --- reuse ---------------------------------------------------------------------------

def edit_source(job: Job, data_dir: Path, start: float | None, end: float | None,
                resolution: str | None, media: MediaStore) -> EditSource:
    """The job's clip as a Video edit source: whole, or trimmed (frame-exact) into data_dir/edits.
    The whole clip is its local file: the data folder's, or the bucket's copy in the local cache."""
    with media.local(finished_clip(job, "sending to Video edit", media)) as video:
        length = inspect.probe_video(video).duration
        probe = variants.Request(variants.Variant.EDIT, prompt="edit", video=str(video),
                                 resolution=(resolution or job.request.resolution).upper())
        whole = pricing.quote(probe, length)
        first_15 = pricing.quote(probe, min(length, EDIT_SECONDS)).total
        if start is None and end is None:
            return EditSource(video, length, length, 0.0, length, whole, whole, length > EDIT_SECONDS + 0.05,
                              first_15)
        a, b = float(start or 0.0), length if end is None else float(end)
        if not 0 <= a < b <= length + 0.05 or b - a < variants.VIDEO_MIN_SECONDS:
            raise InputError(f"Trim {a:g}-{b:g} s does not fit the {length:.2f} s clip: choose an in point and an "
                             f"out point within it, at least {variants.VIDEO_MIN_SECONDS:g} s apart.")
        dest = edit_path(data_dir, job.id, a, b)
        if not dest.exists():
            stitch.trim(stitch.Shot(video, a, min(b, length)), dest)
    seconds = inspect.probe_video(dest).duration
    return EditSource(dest, seconds, length, a, b, pricing.quote(probe, seconds), whole, False, first_15)


def loaded(job: Job) -> Loaded:
    """A job's request as fields for its tab; inputs gone from the data folder are left out, with a note."""
    generated(job, "loading settings")
    fields = job.request.to_dict()
    variant = variants.Variant(fields.pop("variant"))
    notes = []
    for key in ("first_frame", "video"):
        if fields[key] and not Path(fields[key]).is_file():
            notes.append(f"The {key.replace('_', ' ')} of job {job.id} is gone from the data folder: add it again.")
            fields[key] = None
    kept = [r for r in fields["references"] if Path(r).is_file()]
    if len(kept) < len(fields["references"]):
        notes.append(f"{len(fields['references']) - len(kept)} reference image(s) are gone: add them again.")
    fields["references"] = kept
    return Loaded(variant, fields, job.seed, tuple(notes))


# --- checks ------------------------------------------------------------------------

def finished_clip(job: Job, what: str, media: MediaStore) -> str:
    """Where a succeeded job's clip is kept (its location: studio.media.store), or InputError saying why it
    cannot be used yet. Open it with `media.local(location)`: a bucket's clip is fetched into the bounded cache."""
    if job.state is not JobState.SUCCEEDED:
        why = "is still " + job.state.words if not job.state.finished else f"{job.state.words}"
        raise InputError(f"Job {job.id} {why}: {what} needs a finished clip; pick one that is done.")
    if not job.output_path or not media.exists(job.output_path):
        raise InputError(f"Job {job.id}'s clip is missing from the media store ({media.url}): run it again to "
                         f"{what}.")
    return job.output_path


def generated(job: Job, what: str) -> None:
    if job.request.variant is variants.Variant.STITCH:
        raise InputError(f"Job {job.id} is a storyboard, not a generation: {what} works on a generated clip.")


def variation_count(count) -> int:
    """How many variations to make: a whole number from 2 to 4."""
    try:
        n = int(str(count).strip())
    except ValueError:
        n = None
    if n is None or not MIN_VARIATIONS <= n <= MAX_VARIATIONS:
        raise InputError(f"Variations come in sets of {MIN_VARIATIONS} to {MAX_VARIATIONS}; {count!r} is not one: "
                         f"ask for 2, 3 or 4.")
    return n


def new_seeds(count: int, taken: int | None) -> list[int]:
    seeds: set[int] = set()
    while len(seeds) < count:
        s = random.randint(0, variants.MAX_SEED)
        if s != taken:
            seeds.add(s)
    return sorted(seeds, key=lambda _: random.random())


def quote_of(job: Job) -> Quote:
    """The quote a job was sent with, as recorded."""
    names = Quote.__dataclass_fields__
    return Quote(**{k: v for k, v in job.quote.items() if k in names})


# --- storyboards -----------------------------------------------------------------

def storyboard_job(job_id: str, owner: str, shots: list[Job], result: Stitched, clip: str, poster: str) -> Job:
    """The ledger's record of a finished storyboard: free, made here, lineage to every shot in order.
    clip, poster: where the media store keeps them (their locations)."""
    job = _storyboard(job_id, owner, shots, JobState.SUCCEEDED)
    job.output_path, job.poster_path, job.progress = clip, poster, 1.0
    job.width, job.height, job.seconds = result.width, result.height, result.seconds
    return job


def storyboard_failed(job_id: str, owner: str, shots: list[Job]) -> Job:
    job = _storyboard(job_id, owner, shots, JobState.FAILED)
    job.error_code = "stitch_failed"
    job.error_message = ("The clips could not be joined (the encoder failed); try cuts instead of crossfades, "
                         "or run the shots again.")
    return job


def _storyboard(job_id: str, owner: str, shots: list[Job], state: JobState) -> Job:
    n = len(shots)
    request = variants.Request(variants.Variant.STITCH, prompt=f"Storyboard of {n} shots: " + " | ".join(
        (j.request.prompt or j.request.variant.title)[:60] for j in shots), resolution=shots[0].request.resolution)
    return Job(id=job_id, owner=owner, request=request, backend=STUDIO_BACKEND, state=state,
               billed_seconds=0.0, cost_usd=0.0, parent_id=shots[0].id, made_as=MadeAs.STITCH,
               parents=tuple(j.id for j in shots), created_at=time.time())


def storyboard_detail(shots: list[StoryShot], fades: list[float], result: Stitched) -> str:
    """The storyboard as made (for the job's history): each shot's trim, each join, what was copied."""
    return json.dumps({
        "shots": [{"job": s.job_id, "start": s.start or 0.0, "end": s.end} for s in shots],
        "crossfades": fades,
        "copied_seconds": round(result.copied_seconds, 3),
        "encoded_seconds": round(result.encoded_seconds, 3),
        "conformed": result.conformed,
    })
