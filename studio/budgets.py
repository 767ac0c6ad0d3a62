"""Spending caps, checked before anything is sent to a provider.

Three caps, each off unless set (a Space sets defaults, see config):
  user_day     USD one payer may spend per UTC day (STUDIO_BUDGET_USER_DAY)
  studio_day   USD the whole studio may spend per UTC day (STUDIO_BUDGET_DAY)
  running      jobs one user may have unfinished at once (STUDIO_MAX_RUNNING_PER_USER)

Spend counts a job's quote while it runs (or while it may have been billed)
and its billed cost once known; failed and cancelled-in-time jobs count 0;
preview jobs are free. A payer is the signed-in account, or for anonymous
browsers the client address they come from, so fresh anonymous identities
from one address share one cap.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from studio.errors import BudgetError


@dataclass(frozen=True)
class Budgets:
    user_day: float | None = None
    studio_day: float | None = None
    running: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.user_day, self.studio_day, self.running))


@dataclass(frozen=True)
class Usage:
    """What is already committed, read inside the transaction that would add the job."""

    payer_today: float
    studio_today: float
    running: int


def day_start(now: float | None = None) -> float:
    """00:00 UTC of the day `now` falls in, as a timestamp."""
    now = time.time() if now is None else now
    day = dt.datetime.fromtimestamp(now, dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def resets_in(now: float | None = None) -> str:
    now = time.time() if now is None else now
    left = int(day_start(now) + 86400 - now)
    return f"it resets at 00:00 UTC, in {left // 3600} h {left % 3600 // 60:02d} min"


def admit(budgets: Budgets, usage: Usage, cost: float, now: float | None = None, jobs: int = 1) -> None:
    """Raise BudgetError when `jobs` new jobs costing `cost` in all would pass a cap."""
    if budgets.running is not None and usage.running + jobs > budgets.running:
        more = f" and {jobs} more would pass it" if jobs > 1 else ""
        raise BudgetError(f"You have {usage.running} job{'s' * (usage.running != 1)} running, the most this "
                          f"studio allows at once is {budgets.running}{more}: wait for one to finish, or cancel one.")
    for cap, spent, whose in ((budgets.user_day, usage.payer_today, "Your daily budget"),
                              (budgets.studio_day, usage.studio_today, "This studio's daily budget")):
        if cap is not None and spent + cost > cap + 1e-9:
            left = max(0.0, cap - spent)
            raise BudgetError(f"{whose} is ${cap:.2f} and ${cap - left:.2f} is spent or running, so ${left:.2f} "
                              f"is left: this ${cost:.2f} job would pass it. Make it shorter or at 720P, or wait: "
                              f"{resets_in(now)}.")
