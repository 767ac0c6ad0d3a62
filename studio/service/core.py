"""The core: what money goes through. Check and quote a request, submit it, wait for it, cancel it, retry it.

Plain Python with no Gradio import. Every method takes the Caller (studio.service.caller), so one studio
serves many users without any of them seeing another's jobs, and every job is paid by the right payer on the
right account. The sections beside it (chain, billing, gallery, advice, references) are handed this core.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from studio import budgets, chain, config, pricing, variants
from studio.errors import NotFound
from studio.inputs import Checked, InputStore, check_files
from studio.jobs import timing
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, JobState, MadeAs, is_loopback
from studio.jobs.runner import Runner
from studio.pricing import Quote
from studio.service.caller import Account, Caller
from studio.variants import Request

TWIN_SECONDS = 10.0  # the same request again within this many seconds is the same job


@dataclass(frozen=True)
class Prepared:
    """A request that passed every limit, with its quote."""

    checked: Checked
    quote: Quote

    @property
    def request(self) -> Request:
        return self.checked.request


class Core:
    def __init__(self, settings: config.Settings, ledger: Ledger, runner: Runner, inputs: InputStore):
        self.settings = settings
        self.ledger = ledger
        self.runner = runner
        self.inputs = inputs

    # --- before money is spent ---------------------------------------------

    def prepare(self, variant: str, **fields) -> Prepared:
        """Build and check a request (every limit, every file by content) and quote it. Writes nothing:
        the files are converted and kept when the job is sent (submit)."""
        request = variants.build(variant, **({"backend": self.settings.backend} | fields))  # its default model
        checked = check_files(request)
        return Prepared(checked, pricing.quote(request, checked.source_seconds))

    @staticmethod
    def price(variant: str, resolution: str | None = None, duration: int | None = None,
              source_seconds: float | None = None) -> Quote:
        """What a job of this shape would cost, before any file is chosen (an edit needs its source's length)."""
        return pricing.quote_shape(variant, resolution, duration, source_seconds)

    def backend_name(self, name: str | None) -> str:
        return self.settings.chosen_backend(name)

    def expected_time_for(self, prepared: Prepared, backend: str | None = None) -> timing.Expected:
        """Before submitting: how long these settings usually take (seconds None without history)."""
        shape = timing.request_shape(self.backend_name(backend), prepared.request, prepared.quote.output_seconds)
        return timing.expected(timing.learned(self.ledger, shape))

    # --- jobs -----------------------------------------------------------------

    def submit(self, caller: Caller, prepared: Prepared, backend: str | None = None,
               parent_id: str | None = None, made_as: MadeAs | None = None, *, again: bool = False) -> Job:
        """Record the job and start it; refused (BudgetError) when it would pass a cap.

        The same request from the same owner within TWIN_SECONDS returns the job already made
        (a double click or a retried API call pays once), unless `again` asks for another.
        The job counts against the caller's payer. On the caller's own account (when it is for `backend`,
        or `backend` is None) it runs on their key and skips the studio's caps; the key lives only in
        memory (after a restart the job waits for it).
        """
        job, account = self.new_job(caller, prepared, backend, parent_id, made_as)
        cost = 0.0 if job.backend == "preview" else prepared.quote.total
        admit = None if account is not None else (lambda usage: budgets.admit(self.settings.budgets, usage, cost))
        added = self.ledger.add(job, detail=prepared.quote.describe(), twin_window=None if again else TWIN_SECONDS,
                                admit=admit)
        if added.id == job.id:
            self.launch(added, account)
        return added

    def new_job(self, caller: Caller, prepared: Prepared, backend: str | None = None, parent_id: str | None = None,
                made_as: MadeAs | None = None) -> tuple[Job, Account | None]:
        """The job a prepared request makes, neither recorded nor sent (its inputs are kept), and the caller's
        own account it runs on (None: the studio's key, under the studio's caps). submit() records and starts
        it; a compare records several at once (studio.service.compare)."""
        account = caller.account_for(backend)
        name = account.backend if account else self.backend_name(backend)
        if parent_id is None:
            parent_id, made_as = self._origin(caller, prepared.request)
        with self.inputs.held(prepared.request) as here:  # inputs kept by another machine: from the cache
            request = self.inputs.to_send(here)
        seed = request.seed if request.seed is not None else random.randint(0, variants.MAX_SEED)
        base_url = self.settings.provider_url(name)
        now = time.time()
        job = Job(
            id=uuid.uuid4().hex[:16],
            owner=caller.owner,
            request=request,
            backend=name,
            region=self.settings.dashscope_region if name == "dashscope" else None,
            quote_usd=prepared.quote.total,
            quote=prepared.quote.to_dict(),
            seed=seed,
            parent_id=parent_id,
            payer=caller.payer,
            key_source="owner" if account is None else "user",
            made_as=made_as if parent_id else None,
            parents=(parent_id,) if parent_id else (),
            webhook_secret=secrets.token_urlsafe(24) if name == "inferencesh" else None,
            created_at=now,
            deadline_at=now + self.deadline(name, base_url, prepared),
            base_url=base_url,
        )
        return job, account

    def deadline(self, backend: str, base_url: str | None, prepared: Prepared) -> float:
        """Seconds the studio waits for this job: STUDIO_JOB_DEADLINE, or longer for a shape its model usually
        takes longer to render (studio.jobs.timing.deadline_seconds). On a test backend (preview, an emulator)
        the model's typical time does not count, only what this studio learned there: its clock is not the model's."""
        output = prepared.quote.output_seconds
        learned = timing.learned(self.ledger, timing.request_shape(backend, prepared.request, output))
        typical = None if backend == "preview" or is_loopback(base_url) else timing.typical_for(prepared.request, output)
        return timing.deadline_seconds(self.settings.job_deadline, typical, learned)

    def launch(self, job: Job, account: Account | None) -> None:
        """Start driving a recorded job (on the caller's own key when it has one for it)."""
        if account is not None:
            self.runner.use_key(job.id, account.key)
        self.runner.drive(job.id)

    def _origin(self, caller: Caller, request: Request) -> tuple[str | None, MadeAs | None]:
        """The caller's job whose frame or clip this request uses, if any (lineage without asking)."""
        found = chain.origin(self.settings.data_dir, request)
        if found is None or self.own(caller, found[0]) is None:
            return None, None
        return found

    def resume(self, caller: Caller) -> int:
        """The user gave their own key back: their jobs that wait for it continue. Returns how many."""
        account = caller.account
        if account is None:
            return 0
        waiting = [j for j in self.ledger.unfinished()
                   if j.owner == caller.owner and j.key_source == "user" and j.backend == account.backend]
        for job in waiting:
            self.runner.use_key(job.id, account.key)
            self.runner.drive(job.id)
        return len(waiting)

    def jobs(self, caller: Caller, limit: int = 200) -> list[Job]:
        return self.ledger.list(caller.owner, limit)

    def job(self, caller: Caller, job_id: str) -> Job:
        return self.ledger.get(job_id, caller.owner)

    def own(self, caller: Caller, job_id: str) -> Job | None:
        """The caller's job, or None for an unknown id or someone else's."""
        try:
            return self.job(caller, job_id)
        except NotFound:
            return None

    def history(self, caller: Caller, job_id: str) -> list[dict]:
        self.job(caller, job_id)
        return self.ledger.events(job_id)

    def wait(self, caller: Caller, job_id: str, timeout: float | None = None, interval: float = 0.25,
             on_update: Callable[[Job], None] | None = None,
             until: Callable[[Job], bool] = lambda job: job.state.finished) -> Job:
        """Block until the job is finished, or `until` says so (or the timeout passes); it runs on regardless."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(caller, job_id)
            if on_update:
                on_update(job)
            if until(job):
                return job
            if end is not None and time.monotonic() > end:
                return job
            time.sleep(interval)

    def wait_until_sent(self, caller: Caller, job_id: str) -> Job:
        """Block until the provider has the job (or it ended), so the caller may leave without a half-sent create."""
        return self.wait(caller, job_id, until=lambda job: job.state not in (JobState.QUEUED, JobState.SUBMITTING))

    def follow(self, caller: Caller, job_id: str) -> Job:
        """Drive an unfinished job from this process too: a job another live process drives stays with it."""
        job = self.job(caller, job_id)
        if not job.state.finished:
            self.runner.drive(job.id)
        return job

    def cancel(self, caller: Caller, job_id: str) -> Job:
        self.job(caller, job_id)
        return self.runner.cancel(job_id)

    def retry(self, caller: Caller, job_id: str, **changes) -> Job:
        """Run a job again with the same settings (a new seed unless the user fixed one).

        Pressing it twice within TWIN_SECONDS still makes one job; a job that ran on the user's own
        key runs again only on that key (never on the studio's).
        """
        old = self.job(caller, job_id)
        caller.check_key_for(old)
        fields = old.request.to_dict() | changes
        fields.pop("variant")
        return self.submit(caller, self.prepare(old.request.variant, **fields), old.backend, parent_id=old.id,
                           made_as=MadeAs.RETRY)

    def expected_time(self, caller: Caller, job_id: str) -> timing.Expected:
        """How long this job's settings usually take at the provider and, while it runs, the time left."""
        return timing.expected_of(self.ledger, self.job(caller, job_id))
