"""What a user can do: check and quote a request, submit it, list, watch, cancel, retry.

Plain Python with no Gradio import: the UI, the CLI and the tests all come
through this one door. Every method takes the owner, so one studio can serve
many users without any of them seeing another's jobs. The door's other sections
live beside it: service_chain, service_gallery, service_billing, service_advice.
"""

from __future__ import annotations

import hmac
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio import backends, budgets, chain, config, pricing, service_advice, variants
from studio.advice import AdviceItem
from studio.errors import NotFound
from studio.inputs import Checked, InputStore, check_files
from studio.jobs import timing
from studio.jobs.ledger import Ledger
from studio.jobs.library import Filter, Page
from studio.jobs.model import Job, JobState, MadeAs, is_loopback
from studio.jobs.runner import Runner
from studio.media import inspect
from studio.media.store import open_media
from studio.own_key import own_key_backend, same_key
from studio.pricing import Quote
from studio.reference_sets import ReferenceSet, ReferenceSets
from studio.service_billing import Billing, Spend, console_name  # noqa: F401 (console_name: for the UI)
from studio.service_chain import ChainActions
from studio.service_gallery import Gallery
from studio.variants import Request

LOCAL_OWNER = "local"
TWIN_SECONDS = 10.0  # the same request again within this many seconds is the same job


@dataclass(frozen=True)
class Prepared:
    """A request that passed every limit, with its quote."""

    checked: Checked
    quote: Quote

    @property
    def request(self) -> Request:
        return self.checked.request


class Studio:
    def __init__(self, settings: config.Settings, *, time_scale: float = 1.0):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(settings.ledger_location)
        self.inputs = InputStore(settings.data_dir / "inputs")
        self.reference_sets = ReferenceSets(settings.data_dir / "reference_sets")
        self._woken: set[str] = set()  # jobs a webhook has already woken in this process
        self.media = open_media(settings)  # where collected clips are kept: the data folder, or a bucket
        self.runner = Runner(self.ledger, lambda name, key=None: backends.make_backend(name, settings, key),
                             self.media, time_scale=time_scale, webhook_url=self._webhook_url,
                             max_in_flight=settings.max_in_flight,
                             requests_per_minute=settings.requests_per_minute)
        self._chain = ChainActions(self)
        self._gallery = Gallery(self.ledger, settings.data_dir)
        self._billing = Billing(self)

    def start(self, resume: bool = True) -> "Studio":
        self.runner.start(resume=resume)
        return self

    def close(self) -> None:
        self.runner.close()

    # --- before money is spent ---------------------------------------------

    def prepare(self, variant: str, **fields) -> Prepared:
        """Build and check a request (every limit, every file by content) and quote it."""
        request = variants.build(variant, **({"backend": self.settings.backend} | fields))  # its default model
        checked = self.in_srgb(check_files(request))
        return Prepared(checked, pricing.quote(request, checked.source_seconds))

    def price(self, variant: str, resolution: str | None = None, duration: int | None = None,
              source_seconds: float | None = None) -> Quote:
        """What a job of this shape would cost, before any file is chosen (an edit needs its source's length)."""
        return pricing.quote_shape(variant, resolution, duration, source_seconds)

    def backend_name(self, name: str | None) -> str:
        return self.settings.chosen_backend(name)

    def advise(self, variant: str, prompt: str = "", first_frame: str | None = None, references=(),
               resolution: str | None = None) -> list[AdviceItem]:
        """Advice on a prompt and its images for the active backend; never blocks a job (service_advice)."""
        return service_advice.advise(self.settings.backend, variant, prompt, first_frame, references, resolution)

    def in_srgb(self, checked: Checked) -> Checked:
        """The same checked request with non-sRGB images converted to sRGB (and a note saying so)."""
        return self.inputs.in_srgb(checked)

    def expected_time_for(self, prepared: Prepared, backend: str | None = None) -> timing.Expected:
        """Before submitting: how long these settings usually take (seconds None without history)."""
        shape = timing.request_shape(self.backend_name(backend), prepared.request, prepared.quote.output_seconds)
        return timing.expected(timing.learned(self.ledger, shape))

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
        name = self.backend_name(backend) if key is None else own_key_backend(backend)
        if parent_id is None:
            parent_id, made_as = self._chain.origin(owner, prepared.request)
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
        name = own_key_backend(backend)
        waiting = [j for j in self.ledger.unfinished()
                   if j.owner == owner and j.key_source == "user" and j.backend == name]
        for job in waiting:
            self.runner.use_key(job.id, key)
            self.runner.drive(job.id)
        return len(waiting)

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
        same_key(old, key)
        fields = old.request.to_dict() | changes
        fields.pop("variant")
        return self.submit(owner, self.prepare(old.request.variant, **fields), old.backend, parent_id=old.id,
                           made_as=MadeAs.RETRY, payer=payer or old.payer, key=key)

    def expected_time(self, owner: str, job_id: str) -> timing.Expected:
        """How long this job's settings usually take at the provider and, while it runs, the time left."""
        return timing.expected_of(self.ledger, self.job(owner, job_id))

    # --- one clip leads to the next (service_chain) -----------------------------

    def lineage(self, owner: str, job_id: str) -> chain.Lineage:
        return self._chain.lineage(owner, job_id)

    def grab_frame(self, owner: str, job_id: str, seconds: float | None = None) -> Path:
        return self._chain.grab_frame(owner, job_id, seconds)

    def send_to_edit(self, owner: str, job_id: str, start: float | None = None, end: float | None = None,
                     resolution: str | None = None) -> chain.EditSource:
        return self._chain.send_to_edit(owner, job_id, start, end, resolution)

    def load_settings(self, owner: str, job_id: str) -> chain.Loaded:
        """A job's prompt, settings and inputs as fields for its tab (prepare() takes them as they are)."""
        return chain.loaded(self.job(owner, job_id))

    def final_quote(self, owner: str, job_id: str) -> chain.FinalQuote:
        return self._chain.final_quote(owner, job_id)

    def make_final(self, owner: str, job_id: str, backend: str | None = None, *, payer: str | None = None,
                   key: str | None = None) -> Job:
        return self._chain.make_final(owner, job_id, backend, payer=payer, key=key)

    def variations_quote(self, owner: str, job_id: str, count: int) -> chain.VariationsQuote:
        return self._chain.variations_quote(owner, job_id, count)

    def make_variations(self, owner: str, job_id: str, count: int, backend: str | None = None, *,
                        payer: str | None = None, key: str | None = None) -> list[Job]:
        return self._chain.make_variations(owner, job_id, count, backend, payer=payer, key=key)

    def variations(self, owner: str, job_id: str) -> list[Job]:
        return self._chain.variations(owner, job_id)

    def takes(self, owner: str, job_id: str) -> list[Job]:
        return self._chain.takes(owner, job_id)

    def pick_take(self, owner: str, job_id: str) -> Job:
        return self._chain.pick_take(owner, job_id)

    def check_storyboard(self, owner: str, shots: list[chain.StoryShot], crossfades: list[float]) -> float:
        return self._chain.check_storyboard(owner, shots, crossfades)

    def stitch(self, owner: str, shots: list[chain.StoryShot], crossfades: float | list[float] = 0.0) -> Job:
        return self._chain.stitch(owner, shots, crossfades)

    # --- reference slots and saved sets -----------------------------------------

    def close_gaps(self, variant: str, prompt: str, references) -> tuple[str, list[str]]:
        return service_advice.close_gaps(variant, prompt, references)

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

    # --- the gallery (service_gallery) ------------------------------------------

    def library(self, owner: str, filter: Filter | None = None, after: str | None = None,
                limit: int | None = None) -> Page:
        return self._gallery.page(owner, filter, after, limit)

    def gallery_changed(self, owner: str) -> str:
        """A token that changes whenever any of the owner's jobs does: poll it, re-read only on a change."""
        return self.ledger.library.changed(owner)

    def gallery_backends(self, owner: str) -> list[str]:
        return self.ledger.library.backends(owner)

    def favourite(self, owner: str, job_id: str, on: bool = True) -> Job:
        return self._gallery.favourite(owner, job_id, on)

    def delete(self, owner: str, job_id: str) -> Job:
        return self._gallery.delete(owner, job_id)

    def save_draft(self, owner: str, fields: dict) -> None:
        self._gallery.save_draft(owner, fields)

    def draft(self, owner: str) -> dict:
        return self.ledger.library.draft(owner)

    # --- money: unsure jobs, owed clips, spend (service_billing) ---------------

    def resend_unsure(self, owner: str, job_id: str, *, payer: str | None = None, key: str | None = None) -> Job:
        return self._billing.resend_unsure(owner, job_id, payer=payer, key=key)

    def keep_unsure_as_billed(self, owner: str, job_id: str) -> Job:
        return self._billing.keep_unsure_as_billed(owner, job_id)

    def collect_again(self, owner: str, job_id: str, timeout: float = 60.0) -> Job:
        return self._billing.collect_again(owner, job_id, timeout)

    def spend(self, owner: str) -> Spend:
        return self._billing.spend(owner)

    def allowance(self, owner: str, payer: str | None = None) -> str | None:
        return self._billing.allowance(owner, payer)

    # --- the header and the provider's call back --------------------------------

    def is_test_backend(self, name: str | None = None) -> bool:
        """True when jobs on this backend cost no money: preview, or a provider address on this machine."""
        name = name or self.settings.backend
        return name == "preview" or is_loopback(self.settings.provider_url(name))

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
