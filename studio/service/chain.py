"""One clip leads to the next (the chain section): lineage, frames, edits, finals, variations, stitching.

Every derived job goes through the core's prepare() and submit(), so the caps, the twin check
and the user's own key hold for it exactly as for a job made from a tab; it records its parent
and how it was made. Only the caller's own jobs are ever read or shown.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from studio import budgets, chain
from studio.errors import InputError, StudioError
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, MadeAs
from studio.media import clips, inspect, stitch, stitch_plan, stitch_preview, stitch_run
from studio.media.ffmpeg import FFmpegError
from studio.service.caller import Caller
from studio.service.core import Core, Prepared
from studio.service.exports import Exports, reencoded_seconds
from studio.service.join_previews import JoinPreview, JoinPreviews
from studio.service.story_clips import StoryClips

log = logging.getLogger("studio.service")


@dataclass(frozen=True)
class Offer:
    """Jobs made from a finished clip (its final, or variations), checked and quoted, ready to send as they
    stand: what a user confirms is what is sent, with no second check and no second read of the clip's job."""

    parent: Job
    prepared: Prepared                 # the request, checked and quoted once
    seeds: tuple[int | None, ...]      # one job per seed
    made_as: MadeAs
    backend: str
    quote: chain.FinalQuote | chain.VariationsQuote

    @property
    def total(self) -> float:
        return self.quote.total


class Chain:
    def __init__(self, core: Core, ledger: Ledger):
        self.core = core
        self.ledger = ledger
        self.data_dir = core.settings.data_dir
        self.media = core.runner.media  # where clips are kept: the data folder, or a bucket (studio.media.store)
        self.exports = Exports()  # one storyboard export at a time per payer, bounded re-encoding per hour
        self.story_clips = StoryClips(self.data_dir, self.media)  # the timeline's frame grids, filmstrips, frames
        self.join_previews = JoinPreviews(self.data_dir, self.media)  # each join of a timeline, small, kept

    def lineage(self, caller: Caller, job_id: str) -> chain.Lineage:
        """Where a job came from and what was made from it; only the caller's jobs are shown."""
        job = self.core.job(caller, job_id)
        parents = [p for p in (self.core.own(caller, pid) for pid in job.parents) if p is not None]
        ancestors, seen, step = [], {job.id}, job
        while step.parent_id and step.parent_id not in seen:
            step = self.core.own(caller, step.parent_id)
            if step is None:
                break
            seen.add(step.id)
            ancestors.append(step)
        return chain.Lineage(job, parents, ancestors, self.ledger.children(job.id, caller.owner))

    def load_settings(self, caller: Caller, job_id: str) -> chain.Loaded:
        """A job's prompt, settings and inputs as fields for its tab (prepare() takes them as they are)."""
        job = self.core.job(caller, job_id)
        return chain.loaded(dataclasses.replace(job, request=self.core.inputs.restore(job.request)))

    def grab_frame(self, caller: Caller, job_id: str, seconds: float | None = None) -> Path:
        """The frame on screen at `seconds` (None: the last frame) as a full-size PNG in the data folder,
        ready to be a first frame (Image to video) or a reference (Reference to video, Video edit)."""
        job = self.core.job(caller, job_id)
        clip = chain.finished_clip(job, "grabbing a frame", self.media)
        if seconds is not None:
            seconds = float(seconds)
            if not 0 <= seconds <= (job.seconds or 0) + 1e-3:
                raise InputError(f"The clip runs 0 to {job.seconds:.2f} s; {seconds:g} s is outside it: "
                                 "pick a time within the clip, or the last frame.")
        at = (job.seconds or 0) + 1.0 if seconds is None else seconds  # past the end: the last frame
        dest = chain.frame_path(self.data_dir, job.id, seconds)
        with self.media.local(clip) as video:  # a bucket's clip is fetched into the bounded cache first
            clips.grab_frame(video, at, dest)
        inspect.check_first_frame(dest, "The grabbed frame")
        chain.remember_frame(self.data_dir, job.id, dest)
        chain.prune_frames(self.data_dir, job.id, chain.FRAMES_PER_CLIP)  # a frame at every new time adds one
        return dest

    def send_to_edit(self, caller: Caller, job_id: str, start: float | None = None, end: float | None = None,
                     resolution: str | None = None) -> chain.EditSource:
        """A finished clip as a Video edit source, trimmed to start..end when given, with the edit's quote
        and what the trim saves. A clip longer than 15 s untrimmed comes with the offer to trim it."""
        return chain.edit_source(self.core.job(caller, job_id), self.data_dir, start, end, resolution,
                                 self.media)

    def _again(self, caller: Caller, job_id: str, what: str, **changes) -> tuple[Job, Prepared]:
        """A finished job's request, changed, checked and quoted."""
        job = self.core.job(caller, job_id)
        chain.generated(job, what)
        chain.finished_clip(job, what, self.media)
        with self.core.inputs.held(job.request) as here:  # inputs kept on another machine: held in the cache
            fields = here.to_dict() | changes
            prepared = self.core.prepare(fields.pop("variant"), **fields)
        kept = self.core.inputs.as_kept(prepared.request)  # the offer names kept inputs, not cached copies
        return job, dataclasses.replace(prepared, checked=dataclasses.replace(prepared.checked, request=kept))

    def offer_final(self, caller: Caller, job_id: str, backend: str | None = None) -> Offer:
        """The 1080P final of a draft: the same request and seed at 1080P, quoted beside what the draft cost."""
        job, prepared = self._again(caller, job_id, "making the final", resolution="1080P")
        if job.request.resolution == "1080P":
            raise InputError(f"Job {job.id} is already at 1080P: it is its own final.")
        return Offer(job, prepared, (job.seed,), MadeAs.FINAL, backend or job.backend,
                     chain.FinalQuote(prepared.quote, chain.quote_of(job)))

    def offer_variations(self, caller: Caller, job_id: str, count: int, backend: str | None = None) -> Offer:
        """The same request with `count` (2-4) new seeds, quoted together."""
        n = chain.variation_count(count)
        job, prepared = self._again(caller, job_id, "making variations", seed=None)
        return Offer(job, prepared, tuple(chain.new_seeds(n, job.seed)), MadeAs.VARIATION, backend or job.backend,
                     chain.VariationsQuote(prepared.quote, n))

    def send(self, caller: Caller, offer: Offer) -> list[Job]:
        """Send what was offered, recorded as made from its clip. The caps are checked for all its jobs at
        once: either every variation is sent or none is."""
        caller.check_key_for(offer.parent, offer.backend)
        n = len(offer.seeds)
        if n > 1 and caller.account_for(offer.backend) is None and self.core.backend_name(offer.backend) != "preview":
            usage = self.ledger.spending.usage(caller.payer, budgets.day_start())
            budgets.admit(self.core.settings.budgets, usage, offer.prepared.quote.total * n, jobs=n)
        return [self.core.submit(caller, _with_seed(offer.prepared, seed), offer.backend, parent_id=offer.parent.id,
                                 made_as=offer.made_as)
                for seed in offer.seeds]

    def variations(self, caller: Caller, job_id: str) -> list[Job]:
        """The variations made of a job, oldest first."""
        return [j for j in self.lineage(caller, job_id).children if j.made_as is MadeAs.VARIATION]

    def takes(self, caller: Caller, job_id: str) -> list[Job]:
        """The set of takes a clip belongs to: the clip that was varied, then its variations, oldest first
        ([] when it has none)."""
        job = self.core.job(caller, job_id)
        base = self.core.own(caller, job.parent_id) if job.made_as is MadeAs.VARIATION and job.parent_id else job
        variations = self.variations(caller, base.id) if base else []
        return [base, *variations] if variations else []

    def pick_take(self, caller: Caller, job_id: str) -> Job:
        """Pick one take of a set: it is starred and the others of the set are not."""
        job = self.core.job(caller, job_id)
        chain.finished_clip(job, "picking a take", self.media)
        for other in self.takes(caller, job_id):
            if other.id != job.id and other.favourite:
                self.ledger.update(other.id, favourite=0)
        return job if job.favourite else self.ledger.update(job.id, favourite=1)

    def check_storyboard(self, caller: Caller, shots: list[chain.StoryShot], crossfades: list[float]) -> float:
        """A storyboard's trims and crossfades checked against its clips, on each clip's own frame grid as
        stitch will snap them; returns the length once joined, which is the exported file's. Raises InputError."""
        jobs = [self.core.job(caller, s.job_id) for s in shots]
        facts = [self.story_clips.facts(j) for j in jobs]
        lengths = [stitch_plan.Length(f.video_end, f.fps) for f in facts]
        spans, fades, _ = stitch_plan.bounds(lengths, shots, [float(f) for f in crossfades])
        return stitch_plan.joined(spans, fades)

    def stitch(self, caller: Caller, shots: list[chain.StoryShot], crossfades: float | list[float] = 0.0,
               fit: str | None = None, on_step=None) -> Job:
        """Join finished clips in order into one MP4 with sound: a free job of its own, lineage to each shot.

        crossfades: one length for every join, or one per join (0 is a cut). fit: the cut's picture when the
        shots' sizes differ ("largest" scales the others up, "smallest" down; None: the first shot's).
        on_step(done, total, words) hears each step; cancel_export() stops it (stitch_run.Cancelled rises,
        and nothing of it is kept)."""
        if len(shots) < 2:
            raise InputError("A storyboard needs at least two clips: add another shot.")
        if fit not in (None, *stitch.FITS):
            raise InputError(f"Mixed sizes are resolved by scaling up to the largest or down to the smallest; "
                             f"{fit!r} is neither.")
        jobs = [self.core.job(caller, s.job_id) for s in shots]
        kept = [chain.finished_clip(j, "a storyboard", self.media) for j in jobs]
        fades = [float(crossfades)] * (len(shots) - 1) if isinstance(crossfades, (int, float)) else list(crossfades)
        if any(f < 0 for f in fades):
            raise InputError("A crossfade cannot be negative: use 0 for a cut, or a length in seconds.")
        job_id = uuid.uuid4().hex[:16]
        self.check_storyboard(caller, shots, fades)  # refused in words before it counts against the payer
        trims = sum(1 for s in shots if s.start or s.end is not None)
        try:
            with self.exports.export(caller.payer, reencoded_seconds(fades, trims)) as cancel:  # bounded per payer
                steps = stitch_run.Steps(on_step, cancel)
                result, clip, poster = self._stitch_and_keep(job_id, kept, shots, fades, fit, steps)
        except FFmpegError as e:
            log.error("storyboard %s: ffmpeg failed: %s", job_id, e)
            job = chain.storyboard_failed(job_id, caller.owner, jobs)
            self.ledger.add(job, detail="ffmpeg failed")
            return job
        job = chain.storyboard_job(job_id, caller.owner, jobs, result, clip, poster)
        self.ledger.add(job, detail=chain.storyboard_detail(shots, fades, result))
        return job

    def preview_join(self, caller: Caller, shots: list[chain.StoryShot], crossfades: list[float], join,
                     fit: str | None = None) -> JoinPreview:
        """Join `join` of a storyboard (0: between shots 1 and 2) as the export would make it, small and fast:
        the same trims, fade, picture (fit as stitch() takes it) and sound, around the join only. Free and no
        job: nothing reaches the ledger or the gallery. Raises InputError in words (an unknown join, a
        storyboard the export would refuse, another preview of the caller's still rendering)."""
        joins = len(shots) - 1
        if not isinstance(join, int) or isinstance(join, bool) or not 0 <= join < joins:
            said = str(join)[:24]
            raise InputError(f"There is no join {said} to preview: " + (
                f"this storyboard has {joins} join{'s' * (joins != 1)}, between its {len(shots)} shots."
                if joins > 0 else "a storyboard needs two shots to have a join."))
        if fit not in (None, *stitch.FITS):
            raise InputError(f"Mixed sizes are resolved by scaling up to the largest or down to the smallest; "
                             f"{fit!r} is neither.")
        jobs = [self.core.job(caller, s.job_id) for s in shots]  # only the caller's: another's is not found
        for j in jobs[join:join + 2]:
            chain.finished_clip(j, "a join preview", self.media)
        facts = [self.story_clips.facts(j) for j in jobs]
        spans, fades, _ = stitch_plan.bounds([stitch_plan.Length(f.video_end, f.fps) for f in facts], shots,
                                             [float(f) for f in crossfades])
        first = facts[stitch.reference(facts, fit)]  # the picture the export conforms every shot to
        win = stitch_preview.window(spans, fades, join)
        return self.join_previews.get(caller.payer, (jobs[join], jobs[join + 1]), join, win,
                                      (first.width, first.height), first.fps)

    def cancel_export(self, caller: Caller) -> bool:
        """Stop the caller's running storyboard export (False: none runs)."""
        return self.exports.cancel(caller.payer)

    def _stitch_and_keep(self, job_id: str, kept: list[str], shots: list[chain.StoryShot], fades: list[float],
                         fit: str | None, steps: stitch_run.Steps) -> tuple[stitch.Stitched, str, str]:
        """Join the shots' clips (each a local file: a bucket's is fetched into the bounded cache) where the
        store stages files, then keep poster and clip, each whole; returns the result and their locations.
        The caller adds the ledger row only after both are kept."""
        clip_key, poster_key = f"media/{job_id}.mp4", f"media/{job_id}.jpg"
        work = self.media.staging_dir(clip_key)
        work.mkdir(parents=True, exist_ok=True)
        built, drawn = work / f"{job_id}.mp4", work / f".{job_id}.poster.jpg"
        done = False
        try:
            with contextlib.ExitStack() as opened:
                paths = [opened.enter_context(self.media.local(location)) for location in kept]
                result = stitch.stitch([stitch.Shot(p, s.start or 0.0, s.end) for p, s in zip(paths, shots)], fades,
                                       built, fit=fit, steps=steps)
            steps.step("Keeping the file")
            clips.make_poster(result.path, drawn)
            poster = self.media.put(poster_key, drawn, take=True)
            try:
                clip = self.media.put(clip_key, result.path, take=True)
            except BaseException:  # no row will name the poster (each storyboard has a fresh id): remove it
                try:
                    self.media.delete(poster.location)
                except (StudioError, OSError) as e:
                    log.warning("storyboard %s: its poster could not be removed after the clip failed: %s", job_id, e)
                raise
            done = True
        finally:
            drawn.unlink(missing_ok=True)
            if not done:  # nothing of a storyboard that has no row stays
                built.unlink(missing_ok=True)
        return result, clip.location, poster.location


def _with_seed(prepared: Prepared, seed: int | None) -> Prepared:
    """The same prepared request with another seed (the same quote: a seed changes no price)."""
    return dataclasses.replace(prepared, checked=dataclasses.replace(
        prepared.checked, request=dataclasses.replace(prepared.request, seed=seed)))
