"""Limits shared by every job on one backend: tasks in flight and request rate.

A busy studio backs off together: a 429 from the provider pauses every job's
calls to that backend until its Retry-After has passed. These counts live in one
process; studio.jobs.shared_limits keeps them in the database for many replicas.
"""

from __future__ import annotations

import asyncio
import time


class BackendLimits:
    def __init__(self, max_in_flight: int, requests_per_minute: int):
        self.max_in_flight = max(1, max_in_flight)
        self.interval = 60.0 / requests_per_minute if requests_per_minute > 0 else 0.0
        self.in_flight = 0
        self.readers = 0  # tasks reading their status often now (studio.jobs.timing.reading_densely)
        self._slots = asyncio.Condition()
        self._next_call = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def take_slot(self, job_id: str = "") -> None:
        """Wait for room to start one more task at the provider."""
        async with self._slots:
            await self._slots.wait_for(lambda: self.in_flight < self.max_in_flight)
            self.in_flight += 1

    async def hold_slot(self, job_id: str = "") -> None:
        """Count a task already at the provider (resumed after a restart)."""
        self.in_flight += 1

    async def free_slot(self, job_id: str = "") -> None:
        async with self._slots:
            self.in_flight = max(0, self.in_flight - 1)
            self._slots.notify_all()

    async def before_call(self) -> None:
        """Space calls to stay under the request rate and honour a shared pause."""
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_call, self._paused_until)
            self._next_call = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)

    def share(self) -> float:
        """Seconds between one task's calls when every task reading often takes its turn.

        Tasks in their sparse phase read once or twice in all; before_call keeps
        their few reads inside the rate too.
        """
        return self.interval * max(1, self.readers)

    def reading(self, now: bool, before: bool) -> bool:
        """Count a task in or out of the frequent readers; returns `now`."""
        self.readers = max(0, self.readers + int(now) - int(before))
        return now

    async def paused_for(self) -> float:
        """What is left of a shared pause, in seconds."""
        return max(0.0, self._paused_until - time.monotonic())

    def pause(self, seconds: float) -> None:
        """Hold every job's calls for a while (the provider said 429 / Retry-After)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
