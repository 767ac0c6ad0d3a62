"""A runner's waits give way to a cancel even when the job's wake comes in the same moment.

On Python 3.11, asyncio.wait_for returns the inner result and drops the cancel when both are ready at once:
a job woken (a cancel's notify, a webhook) as the runner shut down kept polling, and Studio.close() waited
10 s and failed (seen once in a loaded CI rehearsal, 1 run in 8-15 under load on PostgreSQL)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from studio.jobs.recover import Recovery
from studio.jobs.watching import Watching


def sleeper(kind):
    """A runner's waits alone: its wake events and nothing else (the waits read no other state)."""
    runner = object.__new__(kind)
    runner._wake = {}
    return runner


async def woken_and_cancelled(wait, wake: asyncio.Event) -> str:
    task = asyncio.ensure_future(wait())
    await asyncio.sleep(0.01)  # waiting on the wake
    wake.set()
    task.cancel()  # in the same moment: both are ready when the task next runs
    try:
        await task
    except asyncio.CancelledError:
        return "cancelled"
    return "went on"


@pytest.mark.parametrize("kind", [Watching, Recovery])
def test_a_cancel_that_comes_with_a_wake_still_cancels(kind):
    job = SimpleNamespace(id="j1", deadline_at=None)

    async def main() -> list[str]:
        outcomes = []
        for _ in range(20):
            runner = sleeper(kind)
            wake = runner._wake[job.id] = asyncio.Event()
            wait = (lambda: runner._sleep(job, 30.0)) if kind is Watching else (lambda: runner._rest(job, 30.0))
            outcomes.append(await woken_and_cancelled(wait, wake))
        return outcomes

    assert set(asyncio.run(main())) == {"cancelled"}
