"""What a user can do: check and quote a request, submit it, list, watch, cancel, retry.

Plain Python with no Gradio import: the UI, the CLI and the tests all come
through this one door. Every method takes the owner, so one studio can serve
many users without any of them seeing another's jobs.
"""

from __future__ import annotations

import hmac
import json
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio import backends, config, pricing, variants
from studio.errors import InputError, NotFound
from studio.inputs import Checked, InputStore, check_files
from studio.jobs.ledger import Ledger
from studio.jobs.library import Cursor, Filter, Page, page_size
from studio.jobs.model import Job, JobState
from studio.jobs.runner import Runner
from studio.pricing import Quote
from studio.variants import Request

LOCAL_OWNER = "local"
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

    # --- the gallery: browse, favourite, delete ---

    def library(self, owner: str, filter: Filter | None = None, after: str | None = None,
                limit: int | None = None) -> Page:
        """A page of the owner's jobs, newest first, filtered; `after` is the previous page's next cursor."""
        return self.ledger.page(owner, filter or Filter(), Cursor.decode(after), page_size(limit))

    def gallery_changed(self, owner: str) -> str:
        """A token that changes whenever any of the owner's jobs does: poll it, re-read only on a change."""
        return self.ledger.changed(owner)

    def gallery_backends(self, owner: str) -> list[str]:
        return self.ledger.backends(owner)

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
        self.ledger.save_draft(owner, fields)

    def draft(self, owner: str) -> dict:
        return self.ledger.draft(owner)

    def resend_unsure(self, owner: str, job_id: str) -> Job:
        """The user checked the provider console and the task is not there: send the same request again.

        The unsure job is closed as never run (not billed); the new job records it as its parent.
        """
        job = self._unsure(owner, job_id)
        fields = job.request.to_dict() | {"seed": job.seed}
        prepared = self.prepare(fields.pop("variant"), **fields)
        closed = self.ledger.update(job.id, state=JobState.CANCELLED, only_from=(JobState.UNSURE,), cost_usd=0.0,
                                    detail="not in the provider console: sent again", error_code="not_sent",
                                    error_message=f"You found no task in the {console_name(job.backend)}: "
                                                  "not billed, sent again.")
        if closed is None:
            raise InputError(f"Job {job.id} was already decided: look at it again.")
        return self.submit(owner, prepared, job.backend, parent_id=job.id)

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
