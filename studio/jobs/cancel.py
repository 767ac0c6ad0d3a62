"""Cancelling a job, in the runner's event loop.

A queued job is cancelled before anything is sent. A job the provider has is cancelled there
when it still can be; otherwise (still being sent, or started and not cancellable) the studio
stops waiting for it but keeps collecting its clip, which may be billed.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.backends.base import Backend
from studio.errors import ProviderError
from studio.jobs import messages
from studio.jobs.accounts import Accounts
from studio.jobs.model import Job, JobState
from studio.jobs.offloop import LoopLedger

LIVE = (JobState.SUBMITTING, JobState.RUNNING, JobState.DOWNLOADING)


async def try_cancel(backend: Backend, task_id: str | None) -> bool:
    """Ask the provider to cancel the task; False when there is none or it refused."""
    if not task_id:
        return False
    try:
        return await backend.cancel(task_id)
    except ProviderError:
        return False


async def cancel_job(ledger: LoopLedger, accounts: Accounts, job_id: str,
                     stop_driving: Callable[[str], None]) -> Job:
    """Cancel the job as far as it still can be; `stop_driving` ends its driver once it is cancelled."""
    job = await ledger.get(job_id)
    if job.state.finished:
        return job
    if job.state is JobState.QUEUED:
        done = await ledger.update(job.id, state=JobState.CANCELLED, only_from=(JobState.QUEUED,),
                                   detail="cancelled before sending", error_code="cancelled",
                                   error_message=messages.CANCELLED_BEFORE_SEND)
        if done is not None:
            stop_driving(job.id)
            return done
        job = await ledger.get(job_id)
    chosen = await accounts.for_job(job)  # None: a user's key we no longer hold; we can only stop waiting
    if chosen is not None and await try_cancel(chosen[0], job.task_id):
        done = await ledger.update(job.id, state=JobState.CANCELLED, only_from=LIVE,
                                   detail="cancelled at the provider", error_code="cancelled",
                                   error_message=messages.CANCELLED_AT_PROVIDER)
        if done is not None:
            stop_driving(job.id)
        return done or await ledger.get(job.id)
    # Still being sent, or started and not cancellable: stop waiting, but keep collecting.
    stopped = await ledger.update(job.id, state=JobState.CANCELLED, detail="stopped waiting", only_from=LIVE,
                                  error_code="stopped_waiting", error_message=messages.STOPPED_WAITING)
    return stopped or await ledger.get(job.id)
