"""What a user can do: check and quote a request, submit it, list, watch, cancel, retry.

Plain Python with no Gradio import: the UI, the CLI and the tests all come
through this one door. Every method takes the owner, so one studio can serve
many users without any of them seeing another's jobs.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio import backends, budgets, chain, config, pricing, variants
from studio.advice import AdviceItem, advise_prompt
from studio.prompts import renumber
from studio.errors import InputError, NotFound
from studio.inputs import Checked, InputStore, check_files
from studio.reference_sets import ReferenceSet, ReferenceSets
from studio.jobs.ledger import Ledger
from studio.jobs import timing
from studio.jobs.library import Cursor, Filter, Page, page_size
from studio.jobs.model import Job, JobState, MadeAs, is_loopback
from studio.jobs.runner import Runner
from studio.media import clips, inspect, quality, stitch
from studio.media.ffmpeg import FFmpegError
from studio.pricing import Quote
from studio.variants import Request

LOCAL_OWNER = "local"
TWIN_SECONDS = 10.0  # the same request again within this many seconds is the same job
log = logging.getLogger("studio.service")
FINISHED = tuple(s for s in JobState if s.finished)
DRAFT_MAX_CHARS = 100_000
CONSOLES = {"dashscope": "Alibaba Cloud Model Studio console (DashScope)",
            "inferencesh": "inference.sh dashboard (Tasks)"}


def console_name(backend: str) -> str:
    """Where a user looks up a provider's tasks by hand."""
    return CONSOLES.get(backend, f"{backend} provider's console")


@dataclass(frozen=True)
class Prepared:
    """A request that passed every limit, with its quote."""

    checked: Checked
    quote: Quote

    @property
    def request(self) -> Request:
        return self.checked.request


@dataclass(frozen=True)
class Spend:
    """Money spent on real providers; test runs (preview, emulator) are counted apart, never as money."""

    today: float
    total: float
    providers: tuple[str, ...]  # backends that charged
    test_runs: int              # jobs with a cost that ran on preview or an emulator


class Studio:
    def __init__(self, settings: config.Settings, *, time_scale: float = 1.0):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(settings.ledger_location)
        self.inputs = InputStore(settings.data_dir / "inputs")
        self.reference_sets = ReferenceSets(settings.data_dir / "reference_sets")
        self._woken: set[str] = set()  # jobs a webhook has already woken in this process
        self.runner = Runner(self.ledger, lambda name, key=None: backends.make_backend(name, settings, key),
                             settings.data_dir / "media", time_scale=time_scale, webhook_url=self._webhook_url,
                             max_in_flight=settings.max_in_flight,
                             requests_per_minute=settings.requests_per_minute)

    def start(self, resume: bool = True) -> "Studio":
        self.runner.start(resume=resume)
        return self

    def close(self) -> None:
        self.runner.close()

    # --- before money is spent ---------------------------------------------

    def prepare(self, variant: str, **fields) -> Prepared:
        """Build and check a request (every limit, every file by content) and quote it."""
        request = variants.build(variant, **fields)
        checked = self.in_srgb(check_files(request))
        return Prepared(checked, pricing.quote(request, checked.source_seconds))

    def price(self, variant: str, resolution: str | None = None, duration: int | None = None,
              source_seconds: float | None = None) -> Quote:
        """What a job of this shape would cost, before any file is chosen (an edit needs its source's length)."""
        return pricing.quote_shape(variant, resolution, duration, source_seconds)

    def backend_name(self, name: str | None) -> str:
        return self.settings.chosen_backend(name)

    # --- jobs -----------------------------------------------------------------

    def submit(self, owner: str, prepared: Prepared, backend: str | None = None,
               parent_id: str | None = None, made_as: MadeAs | None = None, *, payer: str | None = None,
               again: bool = False, key: str | None = None) -> Job:
        """Record the job and start it; refused (BudgetError) when it would pass a cap.

        The same request from the same owner within TWIN_SECONDS returns the job already made
        (a double click or a retried API call pays once), unless `again` asks for another.
        payer: whose budget it counts against (default: the owner).
        key: the user's own provider key for `backend`: the job runs on their account, skips the
        owner's caps, and the key lives only in memory (after a restart the job waits for it).
        """
        name = self.backend_name(backend) if key is None else self._own_key_backend(backend)
        if parent_id is None:
            parent_id, made_as = self._origin(owner, prepared.request)
        request = self.inputs.keep(prepared.request)
        seed = request.seed if request.seed is not None else random.randint(0, variants.MAX_SEED)
        now = time.time()
        job = Job(
            id=uuid.uuid4().hex[:16],
            owner=owner,
            request=request,
            backend=name,
            region=self.settings.dashscope_region if name == "dashscope" else None,
            quote_usd=prepared.quote.total,
            quote=prepared.quote.to_dict(),
            seed=seed,
            parent_id=parent_id,
            payer=payer or owner,
            key_source="owner" if key is None else "user",
            made_as=made_as if parent_id else None,
            parents=(parent_id,) if parent_id else (),
            webhook_secret=secrets.token_urlsafe(24) if name == "inferencesh" else None,
            created_at=now,
            deadline_at=now + self.settings.job_deadline,
            base_url=self.settings.provider_url(name),
        )
        cost = 0.0 if name == "preview" else prepared.quote.total
        admit = None if key is not None else (lambda usage: budgets.admit(self.settings.budgets, usage, cost))
        added = self.ledger.add(job, detail=prepared.quote.describe(), twin_window=None if again else TWIN_SECONDS,
                                admit=admit)
        if added.id == job.id:
            if key is not None:
                self.runner.use_key(job.id, key)
            self.runner.drive(job.id)
        return added

    def use_key(self, owner: str, backend: str, key: str) -> int:
        """The user gives their own key back: their jobs that wait for it continue. Returns how many."""
        name = self._own_key_backend(backend)
        waiting = [j for j in self.ledger.unfinished()
                   if j.owner == owner and j.key_source == "user" and j.backend == name]
        for job in waiting:
            self.runner.use_key(job.id, key)
            self.runner.drive(job.id)
        return len(waiting)

    @staticmethod
    def _own_key_backend(backend: str | None) -> str:
        if backend not in backends.KEY_SETTING:
            raise InputError(f"Your own key works with {' or '.join(backends.KEY_SETTING)}, not {backend!r}.")
        return backend

    def jobs(self, owner: str, limit: int = 200) -> list[Job]:
        return self.ledger.list(owner, limit)

    def job(self, owner: str, job_id: str) -> Job:
        return self.ledger.get(job_id, owner)

    def history(self, owner: str, job_id: str) -> list[dict]:
        self.ledger.get(job_id, owner)
        return self.ledger.events(job_id)

    def wait(self, owner: str, job_id: str, timeout: float | None = None, interval: float = 0.25,
             on_update: Callable[[Job], None] | None = None,
             until: Callable[[Job], bool] = lambda job: job.state.finished) -> Job:
        """Block until the job is finished, or `until` says so (or the timeout passes); it runs on regardless."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(owner, job_id)
            if on_update:
                on_update(job)
            if until(job):
                return job
            if end is not None and time.monotonic() > end:
                return job
            time.sleep(interval)

    def wait_until_sent(self, owner: str, job_id: str) -> Job:
        """Block until the provider has the job (or it ended), so the caller may leave without a half-sent create."""
        return self.wait(owner, job_id, until=lambda job: job.state not in (JobState.QUEUED, JobState.SUBMITTING))

    def follow(self, owner: str, job_id: str) -> Job:
        """Drive an unfinished job from this process too: a job another live process drives stays with it."""
        job = self.job(owner, job_id)
        if not job.state.finished:
            self.runner.drive(job.id)
        return job

    def cancel(self, owner: str, job_id: str) -> Job:
        self.ledger.get(job_id, owner)
        return self.runner.cancel(job_id)

    def retry(self, owner: str, job_id: str, *, payer: str | None = None, key: str | None = None,
              **changes) -> Job:
        """Run a job again with the same settings (a new seed unless the user fixed one).

        Pressing it twice within TWIN_SECONDS still makes one job; a job that ran on the user's own
        key runs again only on that key (never on the owner's).
        """
        old = self.job(owner, job_id)
        self._same_key(old, key)
        fields = old.request.to_dict() | changes
        fields.pop("variant")
        return self.submit(owner, self.prepare(old.request.variant, **fields), old.backend, parent_id=old.id,
                           made_as=MadeAs.RETRY, payer=payer or old.payer, key=key)

    @staticmethod
    def _same_key(old: Job, key: str | None) -> None:
        if old.key_source == "user" and key is None:
            raise InputError(f"Job {old.id} ran on your own {old.backend} key: give the studio your key again "
                             "(Use your own provider key) to run it again on your account.")

    def _origin(self, owner: str, request: Request) -> tuple[str | None, MadeAs | None]:
        """The owner's job whose frame or clip this request uses, if any (lineage without asking)."""
        found = chain.origin(self.settings.data_dir, request)
        if found is None or self._own(owner, found[0]) is None:
            return None, None
        return found

    # --- one clip leads to the next: frames, finals, variations, stitching ---

    def lineage(self, owner: str, job_id: str) -> chain.Lineage:
        """Where a job came from and what was made from it; only the owner's jobs are shown."""
        job = self.job(owner, job_id)
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
        job = self.job(owner, job_id)
        video = chain.finished_clip(job, "grabbing a frame")
        if seconds is not None:
            seconds = float(seconds)
            if not 0 <= seconds <= (job.seconds or 0) + 1e-3:
                raise InputError(f"The clip runs 0 to {job.seconds:.2f} s; {seconds:g} s is outside it: "
                                 "pick a time within the clip, or the last frame.")
        at = (job.seconds or 0) + 1.0 if seconds is None else seconds  # past the end: the last frame
        dest = chain.frame_path(self.settings.data_dir, job.id, seconds)
        clips.grab_frame(video, at, dest)
        inspect.check_first_frame(dest, "The grabbed frame")
        return dest

    def send_to_edit(self, owner: str, job_id: str, start: float | None = None, end: float | None = None,
                     resolution: str | None = None) -> chain.EditSource:
        """A finished clip as a Video edit source, trimmed to start..end when given, with the edit's quote
        and what the trim saves. A clip longer than 15 s untrimmed comes with the offer to trim it."""
        job = self.job(owner, job_id)
        return chain.edit_source(job, self.settings.data_dir, start, end, resolution)

    def load_settings(self, owner: str, job_id: str) -> chain.Loaded:
        """A job's prompt, settings and inputs as fields for its tab (prepare() takes them as they are)."""
        return chain.loaded(self.job(owner, job_id))

    def _again(self, owner: str, job_id: str, what: str, **changes) -> tuple[Job, Prepared]:
        """A finished job's request, changed, checked and quoted."""
        job = self.job(owner, job_id)
        chain.generated(job, what)
        chain.finished_clip(job, what)
        fields = job.request.to_dict() | changes
        return job, self.prepare(fields.pop("variant"), **fields)

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
        self._same_key(job, key)
        fixed = Prepared(dataclasses.replace(prepared.checked, request=dataclasses.replace(
            prepared.request, seed=job.seed)), prepared.quote)
        return self.submit(owner, fixed, backend or job.backend, parent_id=job.id, made_as=MadeAs.FINAL,
                           payer=payer, key=key)

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
        self._same_key(job, key)
        name = backend or job.backend
        name = self.backend_name(name) if key is None else self._own_key_backend(name)
        if key is None and name != "preview":
            usage = self.ledger.spending.usage(payer or owner, owner, budgets.day_start())
            budgets.admit(self.settings.budgets, usage, prepared.quote.total * n, jobs=n)
        made = []
        for seed in chain.new_seeds(n, job.seed):
            one = Prepared(dataclasses.replace(prepared.checked, request=dataclasses.replace(
                prepared.request, seed=seed)), prepared.quote)
            made.append(self.submit(owner, one, name, parent_id=job.id, made_as=MadeAs.VARIATION,
                                    payer=payer, key=key))
        return made

    def variations(self, owner: str, job_id: str) -> list[Job]:
        """The variations made of a job, oldest first."""
        return [j for j in self.lineage(owner, job_id).children if j.made_as is MadeAs.VARIATION]

    def stitch(self, owner: str, shots: list[chain.StoryShot], crossfades: float | list[float] = 0.0) -> Job:
        """Join finished clips in order into one MP4 with sound: a free job of its own, lineage to each shot.

        crossfades: one length for every join, or one per join (0 is a cut)."""
        if len(shots) < 2:
            raise InputError("A storyboard needs at least two clips: add another shot.")
        jobs = [self.job(owner, s.job_id) for s in shots]
        paths = [chain.finished_clip(j, "a storyboard") for j in jobs]
        fades = [float(crossfades)] * (len(shots) - 1) if isinstance(crossfades, (int, float)) else list(crossfades)
        if any(f < 0 for f in fades):
            raise InputError("A crossfade cannot be negative: use 0 for a cut, or a length in seconds.")
        job_id = uuid.uuid4().hex[:16]
        media = self.settings.data_dir / "media"
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

    # --- advice before money is spent -----------------------------------------

    def advise(self, variant: str, prompt: str = "", first_frame: str | None = None, references=(),
               resolution: str | None = None) -> list[AdviceItem]:
        """Advice on a prompt and its images; never blocks a job.

        `references` are by on-screen slot (None for an empty one). Raises
        InputError for what would be refused anyway: a reference token naming an
        empty slot, or an image that fails its checks.
        """
        variant = variants.parse_variant(variant)
        resolution = (resolution or variants.DEFAULT_RESOLUTION).upper()
        if resolution not in variants.RESOLUTIONS:
            raise InputError(f"Resolution {resolution!r} is not offered: choose 720P or 1080P.")
        slots = variants.slotted(references) if variant in (variants.Variant.R2V, variants.Variant.EDIT) else {}
        if slots or variant in (variants.Variant.R2V, variants.Variant.EDIT):
            variants.check_tokens(variant, prompt or "", slots)
        items = advise_prompt(prompt, variant.value, self.reference_token(1).replace("1", "{n}"))
        if first_frame and variant is variants.Variant.I2V:
            inspect.check_first_frame(first_frame)
            items += quality.first_frame_advice(first_frame, variants.SHORT_SIDE[resolution], resolution)
        for slot, path in slots.items():
            inspect.check_reference(path, slot, variant)
        return items + quality.duplicate_advice(slots, lambda n: variants.slot_label(variant, n))

    def in_srgb(self, checked: Checked) -> Checked:
        """The same checked request with non-sRGB images converted to sRGB (and a note saying so)."""
        return self.inputs.in_srgb(checked)

    def close_gaps(self, variant: str, prompt: str, references) -> tuple[str, list[str]]:
        """Move the filled reference slots up to 1..n and renumber the prompt's tokens to match.

        Refused while the prompt names an empty slot: after the move that token
        would silently name a different picture.
        """
        slots = variants.slotted(references)
        variants.check_tokens(variants.Variant(variant), prompt or "", slots)
        return renumber(prompt or "", variants.compaction(slots)), list(slots.values())

    def save_reference_set(self, owner: str, name: str, images) -> ReferenceSet:
        """Keep the filled slots' images under a name (a character, a product), in slot order."""
        paths = [p for p in (images or ()) if p]
        for n, path in enumerate(paths, start=1):
            inspect.check_reference(path, n, variants.Variant.EDIT)  # the looser limits; each use checks again
        kept = self.inputs.keep(Request(variant=variants.Variant.R2V, references=tuple(paths))).references
        return self.reference_sets.save(owner, name, list(kept))

    def list_reference_sets(self, owner: str) -> list[ReferenceSet]:
        return self.reference_sets.list(owner)

    def reference_set(self, owner: str, name: str) -> ReferenceSet:
        return self.reference_sets.get(owner, name)

    def delete_reference_set(self, owner: str, name: str) -> None:
        self.reference_sets.delete(owner, name)

    # --- timing: what earlier jobs teach about the next -------------------------

    def expected_time(self, owner: str, job_id: str) -> timing.Expected:
        """How long this job's settings usually take at the provider and, while it runs, the time left."""
        return timing.expected_of(self.ledger, self.job(owner, job_id))

    def expected_time_for(self, prepared: Prepared, backend: str | None = None) -> timing.Expected:
        """Before submitting: how long these settings usually take (seconds None without history)."""
        shape = timing.request_shape(self.backend_name(backend), prepared.request, prepared.quote.output_seconds)
        return timing.expected(timing.learned(self.ledger, shape))

    # --- the gallery: browse, favourite, delete ---

    def library(self, owner: str, filter: Filter | None = None, after: str | None = None,
                limit: int | None = None) -> Page:
        """A page of the owner's jobs, newest first, filtered; `after` is the previous page's next cursor."""
        return self.ledger.library.page(owner, filter or Filter(), Cursor.decode(after), page_size(limit))

    def gallery_changed(self, owner: str) -> str:
        """A token that changes whenever any of the owner's jobs does: poll it, re-read only on a change."""
        return self.ledger.library.changed(owner)

    def gallery_backends(self, owner: str) -> list[str]:
        return self.ledger.library.backends(owner)

    def favourite(self, owner: str, job_id: str, on: bool = True) -> Job:
        """Star a job (or take the star off); only the owner's own jobs."""
        self.job(owner, job_id)
        return self.ledger.update(job_id, favourite=1 if on else 0)

    def delete(self, owner: str, job_id: str) -> Job:
        """Delete a finished job from the gallery and its clip and poster from the disk.

        The ledger keeps the row, hidden, so the spend stays true and derived jobs
        keep their lineage. Input files stay: other jobs may share them.
        """
        job = self.job(owner, job_id)
        if job.deleted_at:
            return job
        if not job.state.finished or job.error_code == "stopped_waiting":
            raise InputError(f"Job {job.id} is still {job.state.words}: cancel it first, then delete it.")
        gone = self.ledger.update(job_id, only_from=FINISHED, deleted_at=time.time())
        if gone is None:
            raise InputError(f"Job {job.id} changed while you were deleting it: look again, then delete.")
        for path in (job.output_path, job.poster_path):
            if path and Path(path).is_relative_to(self.settings.data_dir):
                Path(path).unlink(missing_ok=True)
        return gone

    def save_draft(self, owner: str, fields: dict) -> None:
        """Keep the owner's unsent form (prompt, settings, uploaded file names) so a reload restores it."""
        if len(json.dumps(fields, ensure_ascii=False)) > DRAFT_MAX_CHARS:
            raise InputError("The draft is too large to keep: shorten the prompt.")
        self.ledger.library.save_draft(owner, fields)

    def draft(self, owner: str) -> dict:
        return self.ledger.library.draft(owner)

    def resend_unsure(self, owner: str, job_id: str, *, payer: str | None = None, key: str | None = None) -> Job:
        """The user checked the provider console and the task is not there: send the same request again.

        The unsure job is closed as never run (not billed); the new job records it as its parent.
        """
        job = self._unsure(owner, job_id)
        self._same_key(job, key)
        fields = job.request.to_dict() | {"seed": job.seed}
        prepared = self.prepare(fields.pop("variant"), **fields)
        closed = self.ledger.update(job.id, state=JobState.CANCELLED, only_from=(JobState.UNSURE,), cost_usd=0.0,
                                    detail="not in the provider console: sent again", error_code="not_sent",
                                    error_message=f"You found no task in the {console_name(job.backend)}: "
                                                  "not billed, sent again.")
        if closed is None:
            raise InputError(f"Job {job.id} was already decided: look at it again.")
        return self.submit(owner, prepared, job.backend, parent_id=job.id, payer=payer or job.payer, key=key)

    def keep_unsure_as_billed(self, owner: str, job_id: str) -> Job:
        """The user found the task in the provider console: count its quoted cost as spent."""
        job = self._unsure(owner, job_id)
        billed = job.quote.get("billed_seconds")
        kept = self.ledger.update(
            job.id, state=JobState.FAILED, only_from=(JobState.UNSURE,), cost_usd=job.quote_usd,
            billed_seconds=billed, detail="ran at the provider: kept as billed", error_code="kept_billed",
            error_message=(f"You found it in the {console_name(job.backend)}: counted as billed "
                           f"(${job.quote_usd:.2f}). The studio never got its task id, so the clip is only "
                           "there."))
        if kept is None:
            raise InputError(f"Job {job.id} was already decided: look at it again.")
        return kept

    def _unsure(self, owner: str, job_id: str) -> Job:
        job = self.job(owner, job_id)
        if job.state is not JobState.UNSURE:
            raise InputError(f"Job {job.id} is {job.state.words}, not waiting for your decision.")
        return job

    # --- when the provider billed but the clip is not here yet ---------------

    def collect_again(self, owner: str, job_id: str, timeout: float = 60.0) -> Job:
        """Try now to collect the clip of a task the provider finished and billed (or one that passed its
        deadline and may still finish); returns the job after that try. Never starts a new paid task."""
        job = self.ledger.get(job_id, owner)
        if job.state is JobState.SUCCEEDED:
            return job  # already here (a background try got it first)
        if job.state is JobState.UNCOLLECTED and job.error_code == "link_expired":
            job = self.ledger.update(job.id, error_code="not_collected") or job  # one more try, on request
        if not (job.state is JobState.UNCOLLECTED or (job.state is JobState.FAILED and job.error_code == "deadline")):
            raise InputError(f"Job {job.id} has no billed clip waiting to be collected (it is {job.state.words}); "
                             "collect again is for jobs marked \"billed, clip not collected yet\".")
        before = job.updated_at
        self.runner.collect_again(job.id)
        return self.wait(owner, job.id, timeout=timeout, interval=0.1,
                         until=lambda j: j.state is not job.state or j.updated_at > before)

    # --- spend and the header ---------------------------------------------------

    def spend(self, owner: str) -> Spend:
        """What the owner spent on real providers, today (from 00:00 UTC, as the caps count) and in total.

        Preview jobs and jobs sent to a loopback address (an emulator) are test runs: never money.
        """
        midnight = budgets.day_start()  # the caps' day: from 00:00 UTC
        today = total = 0.0
        providers: set[str] = set()
        tests = 0
        for backend, base_url, cost, at in self.ledger.spending.charges(owner):
            if backend == "preview" or is_loopback(base_url):
                tests += 1
                continue
            total += cost
            today += cost if at >= midnight else 0.0
            providers.add(backend)
        return Spend(round(today, 2), round(total, 2), tuple(sorted(providers)), tests)

    def is_test_backend(self, name: str | None = None) -> bool:
        """True when jobs on this backend cost no money: preview, or a provider address on this machine."""
        name = name or self.settings.backend
        return name == "preview" or is_loopback(self.settings.provider_url(name))

    def allowance(self, owner: str, payer: str | None = None) -> str | None:
        """The caps in force and what is left of them today, in a line; None when no cap is set."""
        caps = self.settings.budgets
        if not caps.any:
            return None
        usage = self.ledger.spending.usage(payer or owner, owner, budgets.day_start())
        parts = []
        if caps.user_day is not None:
            parts.append(f"${max(0.0, caps.user_day - usage.payer_today):.2f} of your ${caps.user_day:.2f} left today")
        if caps.studio_day is not None:
            parts.append(f"studio ${max(0.0, caps.studio_day - usage.studio_today):.2f} "
                         f"of ${caps.studio_day:.2f} left today")
        if caps.running is not None:
            parts.append(f"{usage.running} of {caps.running} jobs running")
        return " · ".join(parts)

    def reference_token(self, n: int) -> str:
        """How a prompt on the active backend names reference n, e.g. [Image 1] or character1."""
        return backends.reference_token(self.settings.backend, n)

    def backend_label(self, name: str | None = None) -> str:
        return backends.describe(name or self.settings.backend, self.settings)

    def webhook(self, job_id: str, secret: str) -> str:
        """A provider says a task ended: 'accepted' (the runner checks now), 'ignored' or 'refused'."""
        try:
            job = self.ledger.get(job_id)
        except NotFound:
            return "refused"
        if not job.webhook_secret or not hmac.compare_digest(job.webhook_secret.encode(), secret.encode()):
            return "refused"
        if (job.state.finished and job.error_code != "stopped_waiting") or job_id in self._woken:
            return "ignored"  # a task ends once: a replay changes nothing and costs no provider call
        self._woken.add(job_id)
        self.runner.wake(job_id)
        return "accepted"

    def _webhook_url(self, job: Job) -> str | None:
        if job.backend != "inferencesh" or not self.settings.public_url or not job.webhook_secret:
            return None
        return f"{self.settings.public_url}/studio/webhook/{job.id}?secret={job.webhook_secret}"
