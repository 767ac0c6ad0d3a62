"""One clip leads to the next (Studio's chain actions): lineage, frames, edits, finals, variations, stitching.

Every derived job goes through the studio's own prepare() and submit(), so the caps, the
twin check and the user's own key hold for it exactly as for a job made from a tab; it
records its parent and how it was made. Only the owner's jobs are ever read or shown.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from studio import budgets, chain
from studio.errors import InputError, NotFound
from studio.jobs.model import Job, MadeAs
from studio.media import clips, inspect, stitch, stitch_plan
from studio.media.ffmpeg import FFmpegError
from studio.own_key import own_key_backend, same_key
from studio.variants import Request

if TYPE_CHECKING:
    from studio.service import Prepared, Studio

log = logging.getLogger("studio.service")


class ChainActions:
    def __init__(self, studio: Studio):
        self.studio = studio
        self.ledger = studio.ledger
        self.data_dir = studio.settings.data_dir

    def origin(self, owner: str, request: Request) -> tuple[str | None, MadeAs | None]:
        """The owner's job whose frame or clip this request uses, if any (lineage without asking)."""
        found = chain.origin(self.data_dir, request)
        if found is None or self._own(owner, found[0]) is None:
            return None, None
        return found

    def lineage(self, owner: str, job_id: str) -> chain.Lineage:
        """Where a job came from and what was made from it; only the owner's jobs are shown."""
        job = self.ledger.get(job_id, owner)
        parents = [p for p in (self._own(owner, pid) for pid in job.parents) if p is not None]
        ancestors, seen, step = [], {job.id}, job
        while step.parent_id and step.parent_id not in seen:
            step = self._own(owner, step.parent_id)
            if step is None:
                break
            seen.add(step.id)
            ancestors.append(step)
        return chain.Lineage(job, parents, ancestors, self.ledger.children(job.id, owner))

    def _own(self, owner: str, job_id: str) -> Job | None:
        try:
            return self.ledger.get(job_id, owner)
        except NotFound:
            return None

    def grab_frame(self, owner: str, job_id: str, seconds: float | None = None) -> Path:
        """The frame on screen at `seconds` (None: the last frame) as a full-size PNG in the data folder,
        ready to be a first frame (Image to video) or a reference (Reference to video, Video edit)."""
        job = self.ledger.get(job_id, owner)
        video = chain.finished_clip(job, "grabbing a frame")
        if seconds is not None:
            seconds = float(seconds)
            if not 0 <= seconds <= (job.seconds or 0) + 1e-3:
                raise InputError(f"The clip runs 0 to {job.seconds:.2f} s; {seconds:g} s is outside it: "
                                 "pick a time within the clip, or the last frame.")
        at = (job.seconds or 0) + 1.0 if seconds is None else seconds  # past the end: the last frame
        dest = chain.frame_path(self.data_dir, job.id, seconds)
        clips.grab_frame(video, at, dest)
        inspect.check_first_frame(dest, "The grabbed frame")
        chain.remember_frame(self.data_dir, job.id, dest)
        return dest

    def send_to_edit(self, owner: str, job_id: str, start: float | None = None, end: float | None = None,
                     resolution: str | None = None) -> chain.EditSource:
        """A finished clip as a Video edit source, trimmed to start..end when given, with the edit's quote
        and what the trim saves. A clip longer than 15 s untrimmed comes with the offer to trim it."""
        return chain.edit_source(self.ledger.get(job_id, owner), self.data_dir, start, end, resolution)

    def _again(self, owner: str, job_id: str, what: str, **changes) -> tuple[Job, Prepared]:
        """A finished job's request, changed, checked and quoted."""
        job = self.ledger.get(job_id, owner)
        chain.generated(job, what)
        chain.finished_clip(job, what)
        fields = job.request.to_dict() | changes
        return job, self.studio.prepare(fields.pop("variant"), **fields)

    def final_quote(self, owner: str, job_id: str) -> chain.FinalQuote:
        """What the 1080P final of a draft costs, beside what the draft cost."""
        job, prepared = self._again(owner, job_id, "making the final", resolution="1080P", seed=None)
        if job.request.resolution == "1080P":
            raise InputError(f"Job {job.id} is already at 1080P: it is its own final.")
        return chain.FinalQuote(prepared.quote, chain.quote_of(job))

    def make_final(self, owner: str, job_id: str, backend: str | None = None, *, payer: str | None = None,
                   key: str | None = None) -> Job:
        """The same request and seed at 1080P, recorded as the final of the draft."""
        job, prepared = self._again(owner, job_id, "making the final", resolution="1080P")
        if job.request.resolution == "1080P":
            raise InputError(f"Job {job.id} is already at 1080P: it is its own final.")
        same_key(job, key)
        return self.studio.submit(owner, _with_seed(prepared, job.seed), backend or job.backend, parent_id=job.id,
                                  made_as=MadeAs.FINAL, payer=payer, key=key)

    def variations_quote(self, owner: str, job_id: str, count: int) -> chain.VariationsQuote:
        n = chain.variation_count(count)
        _, prepared = self._again(owner, job_id, "making variations", seed=None)
        return chain.VariationsQuote(prepared.quote, n)

    def make_variations(self, owner: str, job_id: str, count: int, backend: str | None = None, *,
                        payer: str | None = None, key: str | None = None) -> list[Job]:
        """The same request with `count` (2-4) new seeds, sent together, recorded as variations of the job.

        The caps are checked for all of them at once: either every variation is sent or none is.
        """
        n = chain.variation_count(count)
        job, prepared = self._again(owner, job_id, "making variations", seed=None)
        same_key(job, key)
        name = backend or job.backend
        name = self.studio.backend_name(name) if key is None else own_key_backend(name)
        if key is None and name != "preview":
            usage = self.ledger.spending.usage(payer or owner, budgets.day_start())
            budgets.admit(self.studio.settings.budgets, usage, prepared.quote.total * n, jobs=n)
        return [self.studio.submit(owner, _with_seed(prepared, seed), name, parent_id=job.id,
                                   made_as=MadeAs.VARIATION, payer=payer, key=key)
                for seed in chain.new_seeds(n, job.seed)]

    def variations(self, owner: str, job_id: str) -> list[Job]:
        """The variations made of a job, oldest first."""
        return [j for j in self.lineage(owner, job_id).children if j.made_as is MadeAs.VARIATION]

    def takes(self, owner: str, job_id: str) -> list[Job]:
        """The set of takes a clip belongs to: the clip that was varied, then its variations, oldest first
        ([] when it has none)."""
        job = self.ledger.get(job_id, owner)
        base = self._own(owner, job.parent_id) if job.made_as is MadeAs.VARIATION and job.parent_id else job
        variations = self.variations(owner, base.id) if base else []
        return [base, *variations] if variations else []

    def pick_take(self, owner: str, job_id: str) -> Job:
        """Pick one take of a set: it is starred and the others of the set are not."""
        job = self.ledger.get(job_id, owner)
        chain.finished_clip(job, "picking a take")
        for other in self.takes(owner, job_id):
            if other.id != job.id and other.favourite:
                self.ledger.update(other.id, favourite=0)
        return job if job.favourite else self.ledger.update(job.id, favourite=1)

    def check_storyboard(self, owner: str, shots: list[chain.StoryShot], crossfades: list[float]) -> float:
        """A storyboard's trims and crossfades checked against its clips' lengths, without opening a file
        (stitch checks again, to the frame); returns the length once joined. Raises InputError."""
        jobs = [self.ledger.get(s.job_id, owner) for s in shots]
        lengths = [stitch_plan.Length(j.seconds or 0.0) for j in jobs]
        spans, fades, _ = stitch_plan.bounds(lengths, shots, [float(f) for f in crossfades])
        return sum(b - a for a, b in spans) - sum(fades)

    def stitch(self, owner: str, shots: list[chain.StoryShot], crossfades: float | list[float] = 0.0) -> Job:
        """Join finished clips in order into one MP4 with sound: a free job of its own, lineage to each shot.

        crossfades: one length for every join, or one per join (0 is a cut)."""
        if len(shots) < 2:
            raise InputError("A storyboard needs at least two clips: add another shot.")
        jobs = [self.ledger.get(s.job_id, owner) for s in shots]
        paths = [chain.finished_clip(j, "a storyboard") for j in jobs]
        fades = [float(crossfades)] * (len(shots) - 1) if isinstance(crossfades, (int, float)) else list(crossfades)
        if any(f < 0 for f in fades):
            raise InputError("A crossfade cannot be negative: use 0 for a cut, or a length in seconds.")
        job_id = uuid.uuid4().hex[:16]
        media = self.data_dir / "media"
        try:
            result = stitch.stitch([stitch.Shot(p, s.start or 0.0, s.end) for p, s in zip(paths, shots)], fades,
                                   media / f"{job_id}.mp4")
            clips.make_poster(result.path, media / f"{job_id}.jpg")
        except FFmpegError as e:
            log.error("storyboard %s: ffmpeg failed: %s", job_id, e)
            job = chain.storyboard_failed(job_id, owner, jobs)
            self.ledger.add(job, detail="ffmpeg failed")
            return job
        job = chain.storyboard_job(job_id, owner, jobs, result, media / f"{job_id}.jpg")
        self.ledger.add(job, detail=chain.storyboard_detail(shots, fades, result))
        return job


def _with_seed(prepared: Prepared, seed: int | None) -> Prepared:
    """The same prepared request with another seed (the same quote: a seed changes no price)."""
    return dataclasses.replace(prepared, checked=dataclasses.replace(
        prepared.checked, request=dataclasses.replace(prepared.request, seed=seed)))
