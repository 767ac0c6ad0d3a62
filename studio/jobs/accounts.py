"""Which backend a job runs on: one per provider account, each with its own shared limits.

An account is a backend name and whose key it uses: the owner's (from the settings) or a
user's own key. A user's key is held here in memory only, for its job's lifetime: after a
restart the job waits until the user gives it again. Used from the runner's event loop; an
account's backend and limits are made off it (an adapter's first import, a shared limits row).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from studio.backends.base import Backend
from studio.errors import ProviderError
from studio.jobs import messages
from studio.jobs.ledger import Ledger
from studio.jobs.limits import BackendLimits
from studio.jobs.model import Job
from studio.jobs.offloop import OffLoop
from studio.jobs.shared_limits import limits_for


class Accounts:
    def __init__(self, ledger: Ledger, make_backend: Callable[[str, str | None], Backend], holder: str,
                 off: OffLoop, *, max_in_flight: int | None = None, requests_per_minute: int | None = None):
        self.ledger = ledger
        self.holder = holder
        self.off = off
        self._making = asyncio.Lock()  # one backend per account, however many jobs ask at once
        self._make_backend = make_backend
        self._max_in_flight = max_in_flight
        self._requests_per_minute = requests_per_minute
        self._backends: dict[tuple[str, str], Backend] = {}   # (name, account): the owner's or a user's key
        self._limits: dict[tuple[str, str], BackendLimits] = {}
        self._user_keys: dict[str, str] = {}  # job id -> the user's own key, in memory only

    async def backend(self, name: str, key: str | None = None) -> tuple[Backend, BackendLimits]:
        """The backend for the owner's key, or for a user's own key (its own account, its own limits)."""
        account = (name, hashlib.sha256(key.encode()).hexdigest() if key else "")
        async with self._making:
            if account not in self._backends:
                self._backends[account], self._limits[account] = await self.off(self._make, account, key)
        return self._backends[account], self._limits[account]

    def _make(self, account: tuple[str, str], key: str | None) -> tuple[Backend, BackendLimits]:
        backend = self._make_backend(account[0], key)
        limits = limits_for(
            self.ledger, ":".join(account), self.holder, self.off, self._max_in_flight or backend.info.max_concurrent,
            backend.info.requests_per_minute if self._requests_per_minute is None else self._requests_per_minute)
        backend.on_throttle(limits.pause)
        return backend, limits

    async def for_job(self, job: Job) -> tuple[Backend, BackendLimits] | None:
        """The backend a job runs on; None while a user-key job waits for its key (after a restart),
        or while the studio runs without the key the job's backend needs."""
        if job.key_source != "user":
            try:
                return await self.backend(job.backend)
            except ProviderError as e:
                if e.code != "no_key":
                    raise
                return None
        key = self._user_keys.get(job.id)
        if key is None:
            return None
        return await self.backend(job.backend, key)

    @staticmethod
    def waiting(job: Job) -> dict[str, str]:
        """What a job without its backend says while it waits: for the user's key, or for the studio's."""
        return messages.needs_key(job) if job.key_source == "user" else messages.needs_config(job)

    def use_key(self, job_id: str, key: str) -> None:
        self._user_keys[job_id] = key

    def holds_key(self, job_id: str) -> bool:
        return job_id in self._user_keys

    def forget_key(self, job_id: str) -> None:
        self._user_keys.pop(job_id, None)

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
