"""What a user can do: check and quote a request, submit it, list, watch, cancel, retry.

Plain Python with no Gradio import: the UI, the CLI and the tests all come
through this one door. Every method takes the owner, so one studio can serve
many users without any of them seeing another's jobs.
"""

from __future__ import annotations

import hmac
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from studio import backends, config, pricing, variants
from studio.errors import InputError, NotFound
from studio.inputs import Checked, InputStore, check_files
from studio.jobs.ledger import Ledger
from studio.jobs import timing
from studio.jobs.model import Job, JobState
from studio.jobs.runner import Runner
from studio.pricing import Quote
from studio.variants import Request

LOCAL_OWNER = "local"


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
        self.ledger = Ledger(settings.ledger_path)
        self.inputs = InputStore(settings.data_dir / "inputs")
        self._woken: set[str] = set()  # jobs a webhook has already woken in this process
        self.runner = Runner(self.ledger, lambda name: backends.make_backend(name, settings),
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
        checked = check_files(request)
        return Prepared(checked, pricing.quote(request, checked.source_seconds))

    def backend_name(self, name: str | None) -> str:
        name = (name or self.settings.backend).lower()
        available = self.settings.available_backends()
        if name not in available:
            key = {"dashscope": "DASHSCOPE_API_KEY", "inferencesh": "INFERENCE_API_KEY"}.get(name)
            if key:
                raise InputError(f"The {name} backend needs {key} in the environment; "
                                 f"available now: {', '.join(available)}.")
            raise InputError(f"Unknown backend {name!r}: use one of {', '.join(available)}.")
        return name

    # --- jobs -----------------------------------------------------------------

    def submit(self, owner: str, prepared: Prepared, backend: str | None = None,
               parent_id: str | None = None) -> Job:
        name = self.backend_name(backend)
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
            webhook_secret=secrets.token_urlsafe(24) if name == "inferencesh" else None,
            created_at=now,
            deadline_at=now + self.settings.job_deadline,
        )
        self.ledger.add(job, detail=prepared.quote.describe())
        self.runner.drive(job.id)
        return job

    def jobs(self, owner: str, limit: int = 200) -> list[Job]:
        return self.ledger.list(owner, limit)

    def job(self, owner: str, job_id: str) -> Job:
        return self.ledger.get(job_id, owner)

    def history(self, owner: str, job_id: str) -> list[dict]:
        self.ledger.get(job_id, owner)
        return self.ledger.events(job_id)

    def wait(self, owner: str, job_id: str, timeout: float | None = None, interval: float = 0.25,
             on_update: Callable[[Job], None] | None = None) -> Job:
        """Block until the job is finished (or the timeout passes); the job runs on regardless."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(owner, job_id)
            if on_update:
                on_update(job)
            if job.state.finished:
                return job
            if end is not None and time.monotonic() > end:
                return job
            time.sleep(interval)

    def cancel(self, owner: str, job_id: str) -> Job:
        self.ledger.get(job_id, owner)
        return self.runner.cancel(job_id)

    def retry(self, owner: str, job_id: str, **changes) -> Job:
        """Run a job again with the same settings (a new seed unless the user fixed one)."""
        old = self.job(owner, job_id)
        fields = old.request.to_dict() | changes
        fields.pop("variant")
        return self.submit(owner, self.prepare(old.request.variant, **fields), old.backend, parent_id=old.id)

    # --- one clip leads to the next: frames, finals, variations, stitching ---

    # --- advice before money is spent -----------------------------------------

    # --- timing: what earlier jobs teach about the next -------------------------

    def expected_time(self, owner: str, job_id: str) -> timing.Expected:
        """How long this job's settings usually take at the provider and, while it runs, the time left."""
        job = self.job(owner, job_id)
        est = self._estimate(timing.job_shape(job))
        running = job.state is JobState.RUNNING
        since = self.ledger.running_since(job.id) if running else None
        return timing.expected(est, None if since is None else max(0.0, time.time() - since))

    def expected_time_for(self, prepared: Prepared, backend: str | None = None) -> timing.Expected:
        """Before submitting: how long these settings usually take (seconds None without history)."""
        shape = timing.request_shape(self.backend_name(backend), prepared.request, prepared.quote.output_seconds)
        return timing.expected(self._estimate(shape))

    def _estimate(self, shape: str) -> timing.Estimate | None:
        return timing.estimate(self.ledger.run_times(shape, timing.HISTORY))

    # --- spend and the header ---------------------------------------------------

    def spent(self, owner: str) -> float:
        return self.ledger.spent(owner)

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
