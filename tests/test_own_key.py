"""Bring your own key: a user's jobs run on their own account, skip the owner's caps, and never fall back."""

from __future__ import annotations

import httpx
import pytest

from studio.errors import BudgetError
from studio.jobs.model import JobState
from studio.service import Account, Caller, Studio
from tests.conftest import settings_for, wait_until

ANN_KEY = "sk-ann-own-key-5150"
ANN = Caller.of("user:ann")                                       # on the studio's key
ANN_OWN = Caller.of("user:ann", Account("dashscope", ANN_KEY))    # on her own key


def task_readable(emulator, task_id: str, key: str) -> bool:
    """Whether the account of `key` owns the task (DashScope reads another account's task as UNKNOWN)."""
    answer = httpx.get(f"{emulator.url}/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {key}"})
    return answer.json()["output"]["task_status"] == "SUCCEEDED"


def make(emulator, tmp_path, **env) -> Studio:
    return Studio(settings_for(emulator, tmp_path, "dashscope", **env), time_scale=0.05).start()


def test_a_job_on_the_users_key_runs_on_their_account_and_skips_the_owners_caps(emulator, tmp_path):
    studio = make(emulator, tmp_path, STUDIO_BUDGET_USER_DAY="0.50")
    try:
        prepared = studio.core.prepare("t2v", prompt="a horse", duration=5)
        with pytest.raises(BudgetError):
            studio.core.submit(ANN, prepared)  # $0.70 on the owner's key passes the $0.50 cap
        job = studio.core.submit(ANN_OWN, prepared)
        done = studio.core.wait(ANN, job.id, timeout=60, interval=0.05)
        assert done.state is JobState.SUCCEEDED and done.key_source == "user"
        assert task_readable(emulator, done.task_id, ANN_KEY)
        assert not task_readable(emulator, done.task_id, "sk-test-secret-0001")  # not the owner's account
        stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
        assert ANN_KEY.encode() not in stored
        assert studio.billing.allowance(ANN).startswith("$0.50 of your $0.50")  # nothing counted
    finally:
        studio.close()


def test_after_a_restart_a_users_key_job_waits_for_the_key_instead_of_using_the_owners(emulator, tmp_path):
    emulator.control.configure(task_seconds=4)
    first = make(emulator, tmp_path)
    job = first.core.submit(ANN_OWN, first.core.prepare("t2v", prompt="a horse", duration=3))
    wait_until(lambda: first.core.job(ANN, job.id).state is JobState.RUNNING, 20, "the job running")
    first.close()  # the restart: the key was only in memory

    again = make(emulator, tmp_path)
    try:
        waiting = wait_until(lambda: (j := again.core.job(ANN, job.id)).error_code == "needs_key" and j, 20,
                             "the job waiting for its key")
        assert waiting.state is JobState.RUNNING and "Waiting for your dashscope key" in waiting.error_message
        wait_until(lambda: again.runner.looked_at(job.id), 20, "the runner done with the job for now")
        assert again.core.job(ANN, job.id).state is JobState.RUNNING  # not driven on the owner's key
        assert again.core.resume(ANN_OWN) == 1
        done = again.core.wait(ANN, job.id, timeout=60, interval=0.05)
        assert done.state is JobState.SUCCEEDED and done.error_code is None
        assert again.core.resume(Caller.of("user:bob", Account("dashscope", "sk-bob"))) == 0  # nobody else's jobs are touched
    finally:
        again.close()
