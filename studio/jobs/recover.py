"""When the provider billed a task but the clip is not here yet, or a job passed its deadline
while its task may still finish: keep after it, rarely, and collect the clip if it comes.

Mixed into the Runner (it uses the runner's ledger, wake events and limits):

- billed, not collected: the provider reported the task SUCCEEDED but the download was refused,
  cut short, not an MP4 or a server error. The job is `uncollected` with its cost; the clip is
  tried again with backoff (re-reading the task first, for a fresh link) while the provider's
  link may be valid, and at once when the user asks (the billing section's collect_again).
- past its deadline, not cancelled: the task is read now and then until it ends; a clip that
  arrives is collected and billed as the provider says, a task that fails is not billed.
"""

from __future__ import annotations

import asyncio
import logging
import time

from studio.backends.base import Backend, TaskState, TaskStatus
from studio.errors import ProviderError, StoreError
from studio.jobs import messages
from studio.jobs.collect import collect
from studio.jobs.limits import BackendLimits
from studio.jobs.model import Job, JobState, Phase

log = logging.getLogger("studio.runner")

LINK_SECONDS = 24 * 3600        # how long a provider's result link (and task id) lives
COLLECT_DELAYS = (30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)  # then every 30 min, until the link expires
LATE_READ_SECONDS = 60.0        # how often a job past its deadline is read
KEY_ERRORS = {401, 403}         # a status read refused for the key, not for the task


async def until_woken(wake: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `wake` is set. asyncio.timeout, not wait_for: on Python 3.11 wait_for returns
    the wake and drops a cancel that comes in the same moment, and the job went on as its runner closed."""
    try:
        async with asyncio.timeout(seconds):
            await wake.wait()
    except TimeoutError:
        pass


class Recovery:
    """The runner's patient side (see the module docstring)."""

    db: object  # the ledger, awaited (studio.jobs.offloop.LoopLedger)
    media: object  # studio.media.store.MediaStore
    time_scale: float
    _wake: dict[str, asyncio.Event]
    _known: set[str]

    @staticmethod
    def _recovering(job: Job) -> bool:
        return job.phase is Phase.OWED or (job.phase is Phase.PAST_DEADLINE and bool(job.task_id))

    async def _recover(self, job: Job, backend: Backend, limits: BackendLimits) -> None:
        if job.state is JobState.UNCOLLECTED:
            await self._collect_until_expired(job, backend, limits)
        else:
            await self._watch_late(job, backend, limits)

    # --- a finished task's clip -------------------------------------------------

    async def _bring_home(self, job: Job, backend: Backend, status: TaskStatus, *, detail: str | None = None,
                          attempt: int = 1) -> bool:
        """Collect the clip of a task the provider reports SUCCEEDED; a clip that cannot be collected
        leaves the job `uncollected` with its cost (it was billed). True when the clip is here."""
        billed = status.billed_seconds if status.billed_seconds is not None else job.quote.get("billed_seconds")
        cost = 0.0 if job.is_preview else messages.cost(job, billed)
        rewritten = status.actual_prompt or job.actual_prompt  # the provider's rewrite, shown beside the clip
        marked = None  # 'downloading' is written while the clip comes, not before it starts
        if job.state is not JobState.UNCOLLECTED:
            marked = asyncio.ensure_future(self._set(
                job, JobState.DOWNLOADING, detail=status.request_id,
                only_from=(JobState.RUNNING, JobState.DOWNLOADING, JobState.CANCELLED, JobState.FAILED)))
        try:
            try:
                got = await collect(job, backend, status, self.media, retry_delay=self.time_scale)
            finally:
                if marked is not None:
                    await marked  # (its event comes before the outcome's)
        except (ProviderError, StoreError) as e:  # the provider's file, or keeping it: tried again later
            since = await self.db.entered(job.id, JobState.UNCOLLECTED) or time.time()
            await self._set(job, JobState.UNCOLLECTED, detail=f"not collected ({e.code})",
                            billed_seconds=billed, cost_usd=cost, progress=1.0, actual_prompt=rewritten,
                            **messages.not_collected(job, e, None if job.is_test else cost, attempt,
                                                     since + LINK_SECONDS))
            return False
        await self._set(job, JobState.SUCCEEDED, detail=detail,
                        output_path=got.video, poster_path=got.poster, width=got.width,
                        height=got.height, seconds=got.seconds, billed_seconds=billed, cost_usd=cost,
                        progress=1.0, error_code=None, error_message=None, actual_prompt=rewritten)
        backend.forget(job.task_id)
        return True

    async def _collect_until_expired(self, job: Job, backend: Backend, limits: BackendLimits) -> None:
        since = await self.db.entered(job.id, JobState.UNCOLLECTED) or job.updated_at
        attempt = sum(1 for e in await self.db.events(job.id) if e["state"] == JobState.UNCOLLECTED.value)
        while time.time() < since + LINK_SECONDS:
            attempt += 1
            status = await self._read_quietly(job, backend, limits)
            if status is not None and status.state is TaskState.UNKNOWN:
                break  # the provider forgot the task: its link went with it
            if status is not None and status.state is TaskState.SUCCEEDED:
                job = await self.db.get(job.id)
                if job.state is not JobState.UNCOLLECTED:
                    return  # collected meanwhile (another try, another process)
                if await self._bring_home(job, backend, status, detail="collected again", attempt=attempt):
                    return
            delay = COLLECT_DELAYS[min(attempt - 1, len(COLLECT_DELAYS) - 1)]
            await self._rest(job, delay * self.time_scale)
            job = await self.db.get(job.id)
            if not self._recovering(job):
                return
        await self._set(job, JobState.UNCOLLECTED, detail="link expired", only_from=(JobState.UNCOLLECTED,),
                        **messages.link_expired(job))

    # --- a task past its deadline ---------------------------------------------------

    async def _watch_late(self, job: Job, backend: Backend, limits: BackendLimits) -> None:
        started = await self.db.running_since(job.id) or job.created_at
        while time.time() < started + LINK_SECONDS:
            await self._rest(job, LATE_READ_SECONDS * self.time_scale)
            status = await self._read_quietly(job, backend, limits)
            if status is None or not status.state.terminal or status.state is TaskState.UNKNOWN:
                continue  # unknown within 24 h: most likely read with another key; keep looking
            job = await self.db.get(job.id)
            if not self._recovering(job):
                return
            if status.state is TaskState.SUCCEEDED:
                await self._bring_home(job, backend, status, detail="arrived after the deadline")
            else:
                await self._set(job, JobState.FAILED, detail=f"ended after the deadline ({status.state.value})",
                                only_from=(JobState.FAILED,), **messages.late(status))
            return

    # --- helpers ----------------------------------------------------------------------

    async def _maybe_other_key(self, job: Job) -> bool:
        """An unknown task that is too young to have expired, first read since a restart: most likely read
        with another key than the one that made it. Wait for that key rather than call it lost."""
        young = time.time() - (await self.db.running_since(job.id) or 0) < LINK_SECONDS
        return young and job.id not in self._known

    async def _read_quietly(self, job: Job, backend: Backend, limits: BackendLimits) -> TaskStatus | None:
        """One status read; None when it could not be read this time (the next try may)."""
        await limits.before_call()
        try:
            return await backend.status(job.task_id)
        except ProviderError as e:
            log.info("job %s: status not read (%s)", job.id, e.code)
            return None

    async def _rest(self, job: Job, seconds: float) -> None:
        """Sleep, or less when someone asks for the job now (a webhook, Collect again)."""
        wake = self._wake.setdefault(job.id, asyncio.Event())
        await until_woken(wake, seconds)
        wake.clear()

    def collect_again(self, job_id: str) -> None:
        """Try the job's clip now: wake its collector, or start one (called from any thread)."""
        def now() -> None:
            wake = self._wake.get(job_id)
            if wake is not None:
                wake.set()
            else:
                self._ensure_driving(job_id)
        self._loop.call_soon_threadsafe(now)
