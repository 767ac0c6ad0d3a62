"""What the ledger says was spent: the usage the caps count, and each job's reported cost.

The SQL is written once for both stores (SQLite and PostgreSQL), like the ledger's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.budgets import Usage
from studio.jobs.gallery_index import DAY, UNFINISHED
from studio.jobs.model import Phase, phase_sql

# What a job counts against a budget: its billed cost once known, its quote while it runs or may
# have been billed, nothing when it failed or was cancelled in time, nothing on the free preview or
# on a user's own key.
SPEND = """CASE WHEN backend = 'preview' OR key_source = 'user' THEN 0
    WHEN cost_usd IS NOT NULL THEN cost_usd
    WHEN """ + phase_sql(*(p for p in Phase if not p.billed)) + """ THEN 0
    ELSE quote_usd END"""


@dataclass(frozen=True)
class Charges:
    """What one owner's jobs on one backend and provider address reported they cost."""

    backend: str
    base_url: str | None
    jobs: int          # jobs that reported a cost
    total: float       # their cost
    since: float       # the cost of those sent on or after the day asked about


def usage_in(db: Any, payer: str, since: float) -> Usage:
    """The payer's and the studio's spend since `since`, and the payer's running jobs, read on `db`
    (the ledger reads it inside the transaction that adds a job)."""
    return Usage(
        payer_today=db.execute(f"SELECT COALESCE(SUM({SPEND}), 0) AS n FROM jobs WHERE payer = ? "
                               "AND created_at >= ?", (payer, since)).fetchone()["n"],
        studio_today=db.execute(f"SELECT COALESCE(SUM({SPEND}), 0) AS n FROM jobs WHERE created_at >= ?",
                                (since,)).fetchone()["n"],
        running=db.execute(f"SELECT COUNT(*) AS n FROM jobs WHERE payer = ? AND key_source = 'owner' "
                           f"AND {UNFINISHED}", (payer,)).fetchone()["n"])


class Spending:
    """The ledger's spend queries (Ledger.spending), over the ledger's store."""

    def __init__(self, store: Any):
        self.store = store

    def usage(self, payer: str, since: float) -> Usage:
        """What counts against the caps: the payer's and the studio's spend since `since`, and the payer's
        running jobs (anonymous identities from one address are one payer)."""
        with self.store.read() as db:
            return usage_in(db, payer, since)

    def charges_by_backend(self, owner: str, since: float) -> list[Charges]:
        """The owner's reported costs per backend and provider address, in all and since `since` (a UTC
        midnight), read from the sums the database keeps per day (gallery_index), not from every job.
        Like charges(), a job counts on the day it was sent."""
        with self.store.read() as db:
            rows = db.execute("SELECT backend, base_url, SUM(charged) AS jobs, SUM(cost) AS total, "
                              "SUM(CASE WHEN day >= ? THEN cost ELSE 0 END) AS since FROM owner_days "
                              "WHERE owner = ? GROUP BY backend, base_url HAVING SUM(charged) > 0 "
                              "ORDER BY backend, base_url", (int(since // DAY), owner)).fetchall()
        return [Charges(r["backend"], r["base_url"] or None, int(r["jobs"]), float(r["total"]), float(r["since"]))
                for r in rows]

    def charges(self, owner: str) -> list[tuple[str, str | None, float, float]]:
        """(backend, base_url, cost_usd, sent at) of each of the owner's jobs that reported a cost.

        A job counts on the day it was sent, as the caps count it (usage_in); never on the day it was last
        touched, or starring yesterday's clip would move its cost into today."""
        with self.store.read() as db:
            rows = db.execute("SELECT backend, base_url, cost_usd, created_at FROM jobs "
                              "WHERE owner = ? AND cost_usd IS NOT NULL", (owner,)).fetchall()
        return [(r["backend"], r["base_url"], r["cost_usd"], r["created_at"]) for r in rows]
