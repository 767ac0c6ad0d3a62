"""Money (the billing section): unsure jobs the user decides, billed clips collected again,
what the caller spent and what the caps leave today.

Preview jobs and jobs sent to a loopback address (an emulator) are test runs: never money.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio import budgets
from studio.errors import InputError
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, JobState, Phase, is_loopback
from studio.service.caller import Caller
from studio.service.core import Core

CONSOLES = {"dashscope": "Alibaba Cloud Model Studio console (DashScope)",
            "inferencesh": "inference.sh dashboard (Tasks)"}


def console_name(backend: str) -> str:
    """Where a user looks up a provider's tasks by hand."""
    return CONSOLES.get(backend, f"{backend} provider's console")


@dataclass(frozen=True)
class Spend:
    """Money spent on real providers; test runs (preview, emulator) are counted apart, never as money."""

    today: float
    total: float
    providers: tuple[str, ...]  # backends that charged
    test_runs: int              # jobs with a cost that ran on preview or an emulator


class Billing:
    def __init__(self, core: Core, ledger: Ledger):
        self.core = core
        self.ledger = ledger

    # --- a job the provider may or may not have: the user decides ---------------

    def resend_unsure(self, caller: Caller, job_id: str) -> Job:
        """The user checked the provider console and the task is not there: send the same request again.

        The unsure job is closed as never run (not billed); the new job records it as its parent.
        """
        job = self._unsure(caller, job_id)
        caller.check_key_for(job)
        fields = job.request.to_dict() | {"seed": job.seed}
        prepared = self.core.prepare(fields.pop("variant"), **fields)
        closed = self.ledger.update(job.id, state=JobState.CANCELLED, only_from=(JobState.UNSURE,), cost_usd=0.0,
                                    detail="not in the provider console: sent again", error_code="not_sent",
                                    error_message=f"You found no task in the {console_name(job.backend)}: "
                                                  "not billed, sent again.")
        if closed is None:
            raise InputError(f"Job {job.id} was already decided: look at it again.")
        return self.core.submit(caller, prepared, job.backend, parent_id=job.id)

    def keep_unsure_as_billed(self, caller: Caller, job_id: str) -> Job:
        """The user found the task in the provider console: count its quoted cost as spent."""
        job = self._unsure(caller, job_id)
        billed = job.quote.get("billed_seconds")
        kept = self.ledger.update(
            job.id, state=JobState.FAILED, only_from=(JobState.UNSURE,), cost_usd=job.quote_usd,
            billed_seconds=billed, detail="ran at the provider: kept as billed", error_code="kept_billed",
            error_message=(f"You found it in the {console_name(job.backend)}: counted as billed "
                           f"(${job.quote_usd:.2f}). The studio never got its task id, so the clip is only "
                           "there."))
        if kept is None:
            raise InputError(f"Job {job.id} was already decided: look at it again.")
        return kept

    def _unsure(self, caller: Caller, job_id: str) -> Job:
        job = self.core.job(caller, job_id)
        if job.state is not JobState.UNSURE:
            raise InputError(f"Job {job.id} is {job.state.words}, not waiting for your decision.")
        return job

    # --- when the provider billed but the clip is not here yet ---------------

    def collect_again(self, caller: Caller, job_id: str, timeout: float = 60.0) -> Job:
        """Try now to collect the clip of a task the provider finished and billed (or one that passed its
        deadline and may still finish); returns the job after that try. Never starts a new paid task."""
        job = self.core.job(caller, job_id)
        if job.state is JobState.SUCCEEDED:
            return job  # already here (a background try got it first)
        if job.phase is Phase.LINK_EXPIRED:
            job = self.ledger.update(job.id, error_code="not_collected") or job  # one more try, on request
        if not job.phase.collectable:
            raise InputError(f"Job {job.id} has no billed clip waiting to be collected (it is {job.state.words}); "
                             "collect again is for jobs marked \"billed, clip not collected yet\".")
        before = job.updated_at
        self.core.runner.collect_again(job.id)
        return self.core.wait(caller, job.id, timeout=timeout, interval=0.1,
                                until=lambda j: j.state is not job.state or j.updated_at > before)

    # --- spend and the caps -----------------------------------------------------

    def spend(self, caller: Caller) -> Spend:
        """What the caller spent on real providers, today (sent from 00:00 UTC, as the caps count) and in total."""
        today = total = 0.0
        providers: set[str] = set()
        tests = 0
        # the sums the database keeps per owner and day (the caps' day: from 00:00 UTC), not every job
        for charges in self.ledger.spending.charges_by_backend(caller.owner, budgets.day_start()):
            if charges.backend == "preview" or is_loopback(charges.base_url):
                tests += charges.jobs
                continue
            total += charges.total
            today += charges.since
            providers.add(charges.backend)
        return Spend(round(today, 2), round(total, 2), tuple(sorted(providers)), tests)

    def allowance(self, caller: Caller) -> str | None:
        """The caps in force and what is left of them today for the caller's payer, in a line; None when no
        cap is set, or when the caller runs on their own key (the caps do not apply to it)."""
        if caller.account is not None:
            return "your own key: this studio's caps do not apply"
        caps = self.core.settings.budgets
        if not caps.any:
            return None
        usage = self.ledger.spending.usage(caller.payer, budgets.day_start())
        parts = []
        if caps.user_day is not None:
            parts.append(f"${max(0.0, caps.user_day - usage.payer_today):.2f} of your ${caps.user_day:.2f} left today")
        if caps.studio_day is not None:
            parts.append(f"studio ${max(0.0, caps.studio_day - usage.studio_today):.2f} "
                         f"of ${caps.studio_day:.2f} left today")
        if caps.running is not None:
            parts.append(f"{usage.running} of {caps.running} jobs running")
        return " · ".join(parts)
