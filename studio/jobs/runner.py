"""The runner: drives every job from the ledger to its end, independent of any browser.

One asyncio event loop in one background thread drives all jobs (no thread
per job); it never waits on the ledger itself: each ledger call is awaited and
runs on the ledger's own threads (studio.jobs.offloop). Each step's result is
written to the ledger before the next step waits on anything, so a restart
resumes from the ledger:

    queued -> submitting -> running -> downloading -> succeeded
                  |            |            |
                unsure       failed / cancelled

A job left in `submitting` by a crash may or may not have reached the provider:
it is never re-sent, but marked `unsure` for the user to decide.

Beside it: accounts (which backend and limits a job runs on), watching (following a
sent task until it ends), recover (a billed clip not collected yet, a task past its
deadline) and cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from typing import Any

from studio.backends.base import Backend, JobSpec, TaskState, TaskStatus
from studio.errors import AmbiguousSubmit, ProviderError, StudioError, TransientError
from studio.jobs import messages
from studio.jobs.accounts import Accounts
from studio.jobs.cancel import cancel_job, try_cancel
from studio.jobs.collect import warm_up
from studio.jobs.ledger import Ledger, runner_id
from studio.jobs.limits import BackendLimits
from studio.jobs.model import Job, JobState
from studio.jobs.offloop import LoopLedger, OffLoop
from studio.jobs.recover import Recovery
from studio.jobs.watching import Watching
from studio.media.store import MediaStore

log = logging.getLogger("studio.runner")

SUBMIT_TRIES = 5
SWEEP_SECONDS = 15.0


class Runner(Watching, Recovery):
    def __init__(self, ledger: Ledger, make_backend: Callable[[str, str | None], Backend], media: MediaStore,
                 *, time_scale: float = 1.0, webhook_url: Callable[[Job], str | None] | None = None,
                 max_in_flight: int | None = None, requests_per_minute: int | None = None):
        self.ledger = ledger  # for calls from other threads; the event loop's side uses self.db
        self.off = OffLoop()
        self.db = LoopLedger(ledger, self.off)
        self.media = media  # where collected clips are kept (studio.media.store)
        # the request with its kept inputs on this machine (fetched back from the media store when another
        # replica kept them: it may have queued the job and died); set by the studio
        self.inputs_here: Callable[[Any], AbstractContextManager[Any]] | None = None
        self.time_scale = time_scale  # tests set it near zero
        self.holder = runner_id()
        self.accounts = Accounts(ledger, make_backend, self.holder, self.off, max_in_flight=max_in_flight,
                                 requests_per_minute=requests_per_minute)
        self._webhook_url = webhook_url or (lambda job: None)
        self._tasks: dict[str, asyncio.Task] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._started: dict[str, float] = {}  # job -> when the provider took it (this process)
        self._known: set[str] = set()  # jobs whose task this process created or read (with today's key)
        self._left: set[str] = set()  # jobs this process drove and has left (for now, or for good)
        self._sweeper: asyncio.Task | None = None
        self._unlisten: Callable[[], None] | None = None  # other replicas' wake-ups (PostgreSQL)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="studio-runner", daemon=True)
        self._warming = False

    # --- called from any thread --------------------------------------------

    def start(self, resume: bool = True) -> None:
        """resume: drive the ledger's unfinished jobs too (the studio), or only the jobs sent from here (one
        command: its collect's imports wait until its create is out, which they would otherwise slow)."""
        self._thread.start()
        self._unlisten = self.ledger.listen(self._wake_here)
        if resume:
            self._warm_up()
            self._loop.call_soon_threadsafe(self._start_sweeping)

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        if self._unlisten is not None:
            self._unlisten()
        self.call_wait(self._shutdown(), timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self.off.close()

    def _warm_up(self) -> None:
        """Import what a collect needs, once, on a thread of its own (collect.warm_up)."""
        if not self._warming:
            self._warming = True
            threading.Thread(target=warm_up, name="studio-warm-up", daemon=True).start()

    def call(self, coro: Coroutine) -> "asyncio.Future[Any]":
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call_wait(self, coro: Coroutine, timeout: float | None = 60) -> Any:
        return self.call(coro).result(timeout)

    def drive(self, job_id: str) -> None:
        """Start driving a job (safe to call twice: one driver per job)."""
        self._loop.call_soon_threadsafe(self._ensure_driving, job_id)

    def wake(self, job_id: str) -> None:
        """Something (a webhook) says the job changed: read its status now, whichever replica drives it."""
        self._wake_here(job_id)
        self.ledger.notify(job_id)

    def _wake_here(self, job_id: str) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(lambda: self._wake.get(job_id, asyncio.Event()).set())

    def cancel(self, job_id: str) -> Job:
        job = self.call_wait(cancel_job(self.db, self.accounts, job_id, self._stop_driving))
        self.ledger.notify(job_id)  # the replica driving it reads the provider now, not at its next poll
        return job

    def use_key(self, job_id: str, key: str) -> None:
        """Drive this job on the user's own key (kept in memory only: after a restart it is asked for again)."""
        self._loop.call_soon_threadsafe(self.accounts.use_key, job_id, key)

    def looked_at(self, job_id: str) -> bool:
        """Whether this process has driven the job and left it: it ended, waits for something (a key, the
        user), or another process holds it. Nothing more happens to it here until something wakes it."""
        task = self._tasks.get(job_id)
        return job_id in self._left and (task is None or task.done())

    # --- the event loop's side ----------------------------------------------

    def _ensure_driving(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is None or task.done():
            self._tasks[job_id] = self._loop.create_task(self._drive(job_id), name=f"job-{job_id}")

    def _start_sweeping(self) -> None:
        self._sweeper = self._loop.create_task(self._sweep_forever(), name="sweeper")

    async def _sweep_forever(self) -> None:
        """Resume unfinished jobs now, and pick up orphans (a killed CLI's) later."""
        while True:
            await self.db.renew_claims(self.holder)
            for job in await self.db.unfinished():
                if job.id not in self._tasks or self._tasks[job.id].done():
                    self._ensure_driving(job.id)
            await asyncio.sleep(max(0.5, SWEEP_SECONDS * min(1.0, self.time_scale)))

    async def _shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        for job_id in list(self._tasks):
            await self.db.release(job_id, self.holder)
        await self.accounts.aclose()
        # whatever those left behind (an ffmpeg progress reader whose cancel is still on its way) ends too:
        # a task still pending when the loop stops is reported destroyed
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    async def _drive(self, job_id: str) -> None:
        if not await self.db.claim(job_id, self.holder):
            self._left.add(job_id)
            return  # a live process drives it
        self._wake[job_id] = asyncio.Event()
        try:
            job = await self.db.get(job_id)
            chosen = await self.accounts.for_job(job)
            if chosen is None:
                if job.error_code != "needs_key" and not self._recovering(job):  # an owed clip keeps its words
                    await self.db.update(job.id, **self.accounts.waiting(job))
                return  # driven again once the key is back (Core.resume, or a restart with it)
            backend, limits = chosen
            if self._recovering(job):
                await self._recover(job, backend, limits)
                return
            if job.error_code in messages.WAITING:
                job = await self.db.update(job.id, error_code=None, error_message=None) or job
            if job.state is JobState.SUBMITTING:
                await self._set(job, JobState.UNSURE, detail="restarted while sending", **messages.unsure(job))
                return
            if job.state is JobState.QUEUED:
                await limits.take_slot(job.id)
            else:
                await limits.hold_slot(job.id)
            try:
                if job.state is JobState.QUEUED:
                    job = await self._submit(job, backend, limits)
                if job is not None:
                    self._warm_up()  # the create is out: a collect's imports now, long before its clip is ready
                    status = await self._wait(job, backend, limits)
                    if status is not None:
                        await self._finish(await self.db.get(job.id), backend, status)
            finally:
                await limits.free_slot(job_id)  # (job is None when the submit ended it)
            job = await self.db.get(job_id)
            if self._recovering(job):  # billed but not collected, or past its deadline: keep after it
                await self._recover(job, backend, limits)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a bug must not leave the job hanging silently
            log.exception("job %s crashed", job_id)
            await self._fail(job_id, messages.internal(e))
        finally:
            self._wake.pop(job_id, None)
            self._started.pop(job_id, None)
            await self.db.release(job_id, self.holder)
            if self.accounts.holds_key(job_id) and (await self.db.get(job_id)).state.finished:
                self.accounts.forget_key(job_id)  # a user's own key is held no longer than its job
            self._left.add(job_id)

    async def _submit(self, job: Job, backend: Backend, limits: BackendLimits) -> Job | None:
        """Send the create once; only a clear refusal (429, 503, no connection) is tried again.

        Every transition out of `submitting` is conditional: a cancel that arrived
        meanwhile wins, and a task created despite it is cancelled at once.
        """
        held = contextlib.ExitStack()  # inputs another replica kept, held in the media cache while sending
        request = job.request
        if self.inputs_here is not None:
            try:
                request = await asyncio.to_thread(held.enter_context, self.inputs_here(job.request))
            except StudioError as e:  # the bucket did not answer: the upload below says which file is missing
                log.warning("job %s: its inputs could not be fetched back: %s", job.id, e)
        try:
            return await self._send(job, request, backend, limits)
        finally:
            await asyncio.to_thread(held.close)

    async def _send(self, job: Job, request: Any, backend: Backend, limits: BackendLimits) -> Job | None:
        sending = (JobState.SUBMITTING,)
        for attempt in range(1, SUBMIT_TRIES + 1):
            await limits.before_call()
            if await self.db.update(job.id, state=JobState.SUBMITTING, only_from=(JobState.QUEUED,)) is None:
                return None  # cancelled while waiting for a slot
            spec = JobSpec(job_id=job.id, request=request, seed=job.seed, webhook_url=self._webhook_url(job))
            try:
                sub = await backend.submit(spec)
            except AmbiguousSubmit as e:
                await self._set(job, JobState.UNSURE, detail=str(e), **messages.unsure(job, e))
                return None
            except TransientError as e:  # clearly not created: safe to send again later
                delay = e.retry_after or 2.0 * attempt
                limits.pause(delay * self.time_scale)
                if attempt == SUBMIT_TRIES:
                    await self._set(job, JobState.FAILED, detail="gave up", only_from=sending, **messages.provider(e))
                    return None
                if await self.db.update(job.id, state=JobState.QUEUED, only_from=sending, **messages.fields(e),
                                        detail=f"provider busy ({e.code}), retrying") is None:
                    return None  # cancelled: nothing was created, nothing to undo
                await asyncio.sleep(delay * self.time_scale)
                continue
            except ProviderError as e:
                await self._set(job, JobState.FAILED, detail=e.code, only_from=sending, **messages.provider(e))
                return None
            self._started[job.id] = now = time.time()
            self._known.add(job.id)
            # The deadline counts from the task's start: time spent queued for a free slot (a compare's
            # later lines, a busy account) is not taken out of the render's time.
            deadline = {"deadline_at": now + (job.deadline_at - job.created_at)} if job.deadline_at else {}
            running = await self.db.update(job.id, state=JobState.RUNNING, detail=f"task {sub.task_id}",
                                           only_from=sending, task_id=sub.task_id, request_id=sub.request_id,
                                           error_code=None, error_message=None, **deadline)
            if running is not None:
                return running
            return await self._cancelled_while_sending(job, backend, sub.task_id, sub.request_id)
        return None

    async def _cancelled_while_sending(self, job: Job, backend: Backend, task_id: str,
                                       request_id: str | None) -> Job | None:
        """The user cancelled while the create was on its way, and it created a task."""
        await self.db.update(job.id, task_id=task_id, request_id=request_id)
        if await try_cancel(backend, task_id):
            await self._set(job, JobState.CANCELLED, detail="cancelled at the provider", error_code="cancelled",
                      error_message=messages.CANCELLED_AT_PROVIDER)
            return None
        # Too late to cancel: keep collecting the clip the user may be billed for.
        return await self._set(job, JobState.CANCELLED, detail="stopped waiting", error_code="stopped_waiting",
                         error_message=messages.STOPPED_WAITING)

    async def _finish(self, job: Job, backend: Backend, status: TaskStatus) -> None:
        late = job.state is JobState.CANCELLED
        if status.state is TaskState.SUCCEEDED:
            await self._bring_home(job, backend, status, detail="arrived after you stopped waiting" if late else None)
        elif status.state is TaskState.UNKNOWN and await self._maybe_other_key(job):
            await self.db.update(job.id, **messages.task_unknown(job))
        elif status.state is TaskState.CANCELED:
            await self._set(job, JobState.CANCELLED, detail="cancelled at the provider",
                            error_code="cancelled", error_message=messages.CANCELLED_AT_PROVIDER)
        else:
            await self._set(job, JobState.FAILED, detail=status.error_code, **messages.task_failed(status))

    async def _deadline(self, job: Job, backend: Backend) -> None:
        cancelled = await try_cancel(backend, job.task_id)
        await self._set(job, JobState.FAILED, detail="deadline", **messages.deadline(cancelled))

    def _stop_driving(self, job_id: str) -> None:
        task = self._tasks.pop(job_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _set(self, job: Job, state: JobState, *, detail: str | None = None,
                   only_from: tuple[JobState, ...] | None = None, **values: Any) -> Job:
        updated = await self.db.update(job.id, state=state, detail=detail, only_from=only_from, **values)
        return updated or await self.db.get(job.id)

    async def _fail(self, job_id: str, values: dict[str, Any]) -> None:
        try:
            job = await self.db.get(job_id)
            if not job.state.finished:
                await self.db.update(job_id, state=JobState.FAILED, detail="internal error", **values)
        except StudioError:
            pass
