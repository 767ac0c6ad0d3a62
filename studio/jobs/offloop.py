"""The runner's ledger calls, off its event loop.

One event loop drives every job of a process. A ledger call made on it would stop them all while it
waits: a slow query, SQLite's write lock, or on PostgreSQL a row lock held by another replica. So the
loop never calls the ledger itself: it awaits the call, which runs on one of a few threads of its own
(not the default executor, which decodes and encodes clips and could keep a ledger call waiting).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from studio.jobs.ledger import Ledger

LEDGER_THREADS = 4  # SQLite runs one writer at a time anyway; reads and PostgreSQL use the others

T = TypeVar("T")


class OffLoop:
    """A small pool of threads for blocking calls the event loop awaits."""

    def __init__(self, threads: int = LEDGER_THREADS, name: str = "studio-ledger"):
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix=name)

    async def __call__(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class LoopLedger:
    """The ledger as the event loop calls it: `await db.update(...)`, each call run by OffLoop."""

    def __init__(self, ledger: Ledger, off: OffLoop):
        self.ledger = ledger
        self.off = off

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.ledger, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.off(method, *args, **kwargs)

        call.__name__ = name
        return call
