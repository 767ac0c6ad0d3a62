"""Limits per provider account held by every replica together (the ledger on PostgreSQL).

The same contract as BackendLimits, kept in the ledger's database instead of one process's
memory: the account's row (locked while it is read and changed) says when the next call may go
and until when a 429 pauses every call; provider_slots holds one row per task in flight. A slot
whose job is no longer at the provider and whose holder died (or lost the job) no longer counts.
Every query runs on the ledger's own threads (studio.jobs.offloop): waiting for another replica's
row lock never holds up this replica's event loop.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from studio.jobs.ledger import Ledger, holder_alive
from studio.jobs.limits import BackendLimits
from studio.jobs.offloop import OffLoop

SLOT_WAIT = 0.25  # seconds between looks for a free slot
# A task in these states is at the provider: its slot counts even while its replica is dead and
# nobody has taken it over yet. Otherwise a slot counts while its holder is alive and drives the job.
AT_PROVIDER = ("submitting", "running", "downloading")


class SharedLimits(BackendLimits):
    def __init__(self, ledger: Ledger, account: str, holder: str, off: OffLoop, max_in_flight: int,
                 requests_per_minute: int):
        """(Made off the event loop: it writes the account's row.)"""
        super().__init__(max_in_flight, requests_per_minute)
        self.store = ledger.store
        self.account = account
        self.holder = holder
        self.off = off
        self._paused_here = 0.0  # this replica's own last pause (wall clock), honoured before the row says it
        with self.store.tx() as db:
            db.execute("INSERT INTO provider_accounts (account) VALUES (?) ON CONFLICT (account) DO NOTHING",
                       (account,))

    def _account_row(self, db: Any) -> dict[str, Any]:
        """The account's row, locked until the transaction ends."""
        return db.execute(f"SELECT next_call, paused_until FROM provider_accounts WHERE account = ?"
                          f"{self.store.row_lock}", (self.account,)).fetchone()

    async def take_slot(self, job_id: str = "") -> None:
        while not await self.off(self._try_slot, job_id):
            await asyncio.sleep(SLOT_WAIT)
        self.in_flight += 1

    def _try_slot(self, job_id: str) -> bool:
        with self.store.tx() as db:
            self._account_row(db)
            rows = db.execute("SELECT s.job_id, s.holder, j.claimed_by, j.claimed_at, j.state FROM provider_slots s "
                              "JOIN jobs j ON j.id = s.job_id WHERE s.account = ?", (self.account,)).fetchall()
            stale = [r["job_id"] for r in rows if r["state"] not in AT_PROVIDER
                     and (r["claimed_by"] != r["holder"] or not holder_alive(r["holder"], r["claimed_at"]))]
            for gone in stale:
                db.execute("DELETE FROM provider_slots WHERE account = ? AND job_id = ?", (self.account, gone))
            live = {r["job_id"] for r in rows} - set(stale)
            if job_id in live:
                return True
            if len(live) >= self.max_in_flight:
                return False
            db.execute("INSERT INTO provider_slots (account, job_id, holder) VALUES (?, ?, ?)",
                       (self.account, job_id, self.holder))
            return True

    async def hold_slot(self, job_id: str = "") -> None:
        """A task already at the provider (taken over, or resumed) counts whatever the limit."""
        await self.off(self._hold, job_id)
        self.in_flight += 1

    def _hold(self, job_id: str) -> None:
        with self.store.tx() as db:
            db.execute("INSERT INTO provider_slots (account, job_id, holder) VALUES (?, ?, ?) "
                       "ON CONFLICT (account, job_id) DO UPDATE SET holder = excluded.holder",
                       (self.account, job_id, self.holder))

    async def free_slot(self, job_id: str = "") -> None:
        await self.off(self._free, job_id)
        self.in_flight = max(0, self.in_flight - 1)

    def _free(self, job_id: str) -> None:
        with self.store.tx() as db:
            db.execute("DELETE FROM provider_slots WHERE account = ? AND job_id = ? AND holder = ?",
                       (self.account, job_id, self.holder))

    async def before_call(self) -> None:
        """Take the account's next turn, whichever replica calls; wait for it outside the lock."""
        now = time.time()
        start = await self.off(self._next_turn, now)
        if start > now:
            await asyncio.sleep(start - now)

    def _next_turn(self, now: float) -> float:
        with self.store.tx() as db:
            row = self._account_row(db)
            start = max(now, row["next_call"], row["paused_until"], self._paused_here)
            if self.interval:
                db.execute("UPDATE provider_accounts SET next_call = ? WHERE account = ?",
                           (start + self.interval, self.account))
        return start

    async def paused_for(self) -> float:
        return await self.off(self._paused_for)

    def _paused_for(self) -> float:
        with self.store.read() as db:
            row = db.execute("SELECT paused_until FROM provider_accounts WHERE account = ?",
                             (self.account,)).fetchone()
        return max(0.0, row["paused_until"] - time.time(), self._paused_here - time.time())

    def pause(self, seconds: float):
        """Hold every replica's calls to this account (the provider said 429 / Retry-After): this replica's
        at once, the others' once the row is written (on the ledger's threads; returns that write)."""
        until = time.time() + seconds
        self._paused_here = max(self._paused_here, until)
        return self.off.pool.submit(self._write_pause, until)

    def _write_pause(self, until: float) -> None:
        with self.store.tx() as db:
            row = self._account_row(db)
            db.execute("UPDATE provider_accounts SET paused_until = ? WHERE account = ?",
                       (max(row["paused_until"], until), self.account))


def limits_for(ledger: Ledger, account: str, holder: str, off: OffLoop, max_in_flight: int,
               requests_per_minute: int) -> BackendLimits:
    """One process's limits on a single machine; limits every replica shares on a shared ledger."""
    if ledger.shared:
        return SharedLimits(ledger, account, holder, off, max_in_flight, requests_per_minute)
    return BackendLimits(max_in_flight, requests_per_minute)
