"""Following a sent task until it ends: its event stream where the backend has one, else status reads on
the learned schedule (studio.jobs.timing), never more often than the official SDK's loop, woken early by a
webhook; the deadline checked after every read, so a task that finished while the studio slept is collected.

Mixed into the Runner (it uses the runner's ledger, wake events, limits and deadline handling).
"""

from __future__ import annotations

import asyncio
import logging
import time

from studio.backends.base import Backend, TaskState, TaskStatus
from studio.errors import ProviderError, StudioError, TransientError
from studio.jobs import messages, timing
from studio.jobs.limits import BackendLimits
from studio.jobs.model import Job, JobState
from studio.jobs.recover import KEY_ERRORS, until_woken

log = logging.getLogger("studio.runner")


class Watching:
    """The runner's following side (see the module docstring)."""

    db: object  # the ledger, awaited (studio.jobs.offloop.LoopLedger)
    ledger: object
    time_scale: float
    _started: dict[str, float]
    _wake: dict[str, asyncio.Event]
    _known: set[str]

    async def _wait(self, job: Job, backend: Backend, limits: BackendLimits) -> TaskStatus | None:
        """Follow the task until it ends, the deadline passes, or it is cancelled.

        The status is always read before the deadline is checked, so a task that
        finished while the studio was down or asleep is still collected.
        """
        resumed = job.id not in self._started
        started = self._started.pop(job.id, None) or await self.db.running_since(job.id) or time.time()
        stream = backend.watch(job.task_id)
        if stream is not None:
            try:
                async with asyncio.timeout(self._time_left(job)):
                    async for status in stream:
                        await self._progress(job, status)
                        if status.state.terminal:
                            await self._learn(job, status, time.time() - started)
                            return status
            except TimeoutError:
                log.info("job %s: deadline reached while streaming", job.id)
            except StudioError as e:
                log.info("job %s: stream ended (%s); polling instead", job.id, e)
            resumed = True  # whatever the stream missed, read it now
        return await self._poll(job, backend, limits, started, read_now=resumed)

    async def _poll(self, job: Job, backend: Backend, limits: BackendLimits, started: float,
                    read_now: bool) -> TaskStatus | None:
        """Read the status on the learned schedule (studio.jobs.timing), or at once when woken."""
        est = await self.off(timing.learned, self.ledger, timing.job_shape(job))
        last_read: float | None = None if read_now else started  # unknown after a restart: learn nothing
        # A provider's task reads no more often than the SDK's loop by the same time; after a restart,
        # as if it had read as often as that loop until now.
        reads = None if backend.info.is_preview else \
            0 if not read_now else timing.sdk_reads_by((time.time() - started) / self.time_scale)
        dense = False
        try:
            while True:
                if not read_now:
                    elapsed = time.time() - started
                    dense = limits.reading(timing.reading_densely(elapsed, est, self.time_scale), dense)
                    delay = timing.next_delay(elapsed, est, scale=self.time_scale, longest=backend.info.poll_max,
                                              min_gap=limits.share(), paused_for=await limits.paused_for(),
                                              reads=reads)
                    await self._sleep(job, delay)
                read_now = False
                reads = None if reads is None else reads + 1
                status = await self._read(job, backend, limits)
                if status is False:
                    return None
                if status is not None:
                    before, last_read = last_read, time.time()
                    await self._progress(job, status)
                    if status.state.terminal:
                        await self._learn(job, status, None if before is None else (before + last_read) / 2 - started)
                        return status
                if self._time_left(job) == 0:
                    await self._deadline(job, backend)
                    return None
        finally:
            limits.reading(False, dense)

    async def _sleep(self, job: Job, delay: float) -> None:
        """Wait `delay` seconds, less when the deadline is nearer or a webhook wakes the job."""
        left = self._time_left(job)
        await until_woken(self._wake[job.id], delay if left is None else min(delay, left or 0.01))

    async def _read(self, job: Job, backend: Backend, limits: BackendLimits) -> TaskStatus | None | bool:
        """One status read within the shared limits: the status, None to read again later,
        False when the job failed (already written)."""
        self._wake[job.id].clear()  # a wake arriving during the read makes the next wait short
        await limits.before_call()
        try:
            return await backend.status(job.task_id)
        except TransientError as e:
            limits.pause((e.retry_after or backend.info.poll_initial) * self.time_scale)
            return None
        except ProviderError as e:
            if e.status in KEY_ERRORS:  # the key cannot read a task the provider has: wait for the right key
                await self.db.update(job.id, **messages.key_refused(job, e))
                return False
            await self._set(job, JobState.FAILED, detail=e.code, **messages.provider(e))
            return False

    async def _learn(self, job: Job, status: TaskStatus, seconds: float | None) -> None:
        """A task that succeeded teaches how long the next of its shape will take: the provider's own
        run time when it says (exact), else what the reads bracket (`seconds`)."""
        seconds = status.ran_seconds if status.ran_seconds is not None else seconds
        if status.state is TaskState.SUCCEEDED and seconds is not None and seconds > 0:
            await self.db.record_run(job.id, timing.job_shape(job), seconds)

    @staticmethod
    def _time_left(job: Job) -> float | None:
        if not job.deadline_at:
            return None
        return max(0.0, job.deadline_at - time.time())

    async def _progress(self, job: Job, status: TaskStatus) -> None:
        if status.state is not TaskState.UNKNOWN:
            self._known.add(job.id)
        if status.progress is not None and status.progress != job.progress:
            job.progress = status.progress
            await self.db.update(job.id, progress=status.progress)
