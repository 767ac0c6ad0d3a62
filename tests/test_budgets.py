"""Caps hold before anything is sent, and a double click pays once: on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from studio import budgets, config
from studio.errors import BudgetError, InputError
from studio.jobs.model import JobState
from studio.service import LOCAL, LOCAL_OWNER, Account, Caller, Studio
from tests.conftest import database_env, settings_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def studio_with(emulator, tmp_path, store, request):
    made = []
    database = database_env(store, request)

    def make(**env):
        s = Studio(settings_for(emulator, tmp_path, "dashscope", **database, **env), time_scale=0.05).start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def send(studio, prompt, owner=LOCAL_OWNER, payer=None, duration=5, **kw):
    caller = Caller(owner, payer or owner)
    return studio.core.submit(caller, studio.core.prepare("t2v", prompt=prompt, duration=duration), **kw)


def test_a_job_that_would_pass_the_users_daily_cap_is_refused_before_sending(studio_with, emulator):
    studio = studio_with(STUDIO_BUDGET_USER_DAY="1.00")
    first = studio.core.wait(LOCAL, send(studio, "a horse").id, timeout=60, interval=0.05)
    assert first.state is JobState.SUCCEEDED and first.cost_usd == 0.70
    with pytest.raises(BudgetError) as refused:
        send(studio, "a pony")
    words = str(refused.value)
    assert "$1.00" in words and "$0.30 is left" in words and "$0.70 job" in words and "00:00 UTC" in words
    assert emulator.control.creates("dashscope") == 1  # nothing was sent for the refused job
    assert "$0.30 of your $1.00 left today" in studio.billing.allowance(LOCAL)
    with pytest.raises(BudgetError, match=r"\$0.42 job"):  # a shorter clip does not fit either
        send(studio, "a pony", duration=3)


def test_running_jobs_count_their_quote_and_failed_ones_nothing(studio_with, emulator):
    studio = studio_with(STUDIO_BUDGET_USER_DAY="1.50")
    emulator.control.add_fault(on="create", protocol="dashscope", kind="fail_task", code="InternalError",
                               message="boom")
    failed = studio.core.wait(LOCAL, send(studio, "a horse").id, timeout=60, interval=0.05)
    assert failed.state is JobState.FAILED
    emulator.control.configure(task_seconds=30)
    running = send(studio, "a pony")  # $0.70 while it runs
    send(studio, "a foal")            # $1.40 committed
    with pytest.raises(BudgetError, match=r"\$0.10 is left"):
        send(studio, "a mare")
    studio.core.cancel(LOCAL, running.id)


def test_the_studio_cap_holds_across_users_and_anonymous_identities_share_their_address(studio_with):
    studio = studio_with(STUDIO_BUDGET_DAY="2.00", STUDIO_BUDGET_USER_DAY="1.00")
    send(studio, "one", owner="anon:a", payer="addr:1")
    with pytest.raises(BudgetError, match="Your daily budget"):  # a fresh identity, same address
        send(studio, "two", owner="anon:b", payer="addr:1")
    send(studio, "three", owner="user:ann")
    with pytest.raises(BudgetError, match="This studio's daily budget is \\$2.00"):
        send(studio, "four", owner="user:bob")


def test_the_studio_cap_holds_when_two_studios_admit_jobs_at_once(studio_with, emulator):
    emulator.control.configure(task_seconds=30)
    pair = [studio_with(STUDIO_BUDGET_DAY="2.00"), studio_with(STUDIO_BUDGET_DAY="2.00")]  # one ledger

    def try_send(i):
        try:
            return send(pair[i % 2], f"shot {i}", owner=f"user:{i}").id
        except BudgetError:
            return None

    with ThreadPoolExecutor(8) as pool:
        admitted = [j for j in pool.map(try_send, range(8)) if j]
    jobs = [pair[0].ledger.get(j) for j in admitted]
    # $0.70 each: a third would pass $2.00, whichever studio took it
    assert len(admitted) == 2, [(j.state, j.error_code, j.error_message) for j in jobs]
    for job_id in admitted:
        pair[0].runner.cancel(job_id)


def test_the_running_cap_counts_unfinished_jobs(studio_with, emulator):
    emulator.control.configure(task_seconds=30)
    studio = studio_with(STUDIO_MAX_RUNNING_PER_USER="1")
    first = send(studio, "a horse")
    with pytest.raises(BudgetError, match="1 job running"):
        send(studio, "a pony")
    send(studio, "a pony", owner="user:other")  # another user's jobs do not count
    studio.core.cancel(LOCAL, first.id)
    assert send(studio, "a pony").state is JobState.QUEUED


def test_the_same_request_twice_in_a_few_seconds_is_one_job_unless_asked(studio_with, emulator):
    studio = studio_with()
    a, b = send(studio, "a horse"), send(studio, "a horse")
    assert a.id == b.id
    c = send(studio, "a horse", again=True)
    assert c.id != a.id
    assert send(studio, "a horse", owner="user:other").id not in (a.id, c.id)
    for job in (a, c):
        studio.core.wait(LOCAL, job.id, timeout=60, interval=0.05)
    assert emulator.control.creates("dashscope") == 3


def test_caps_parse_strictly_and_a_space_gets_defaults(tmp_path):
    base = {"STUDIO_DATA_DIR": str(tmp_path)}
    assert not config.load(base).budgets.any
    space = config.load({**base, "SPACE_ID": "owner/studio"}).budgets
    assert (space.user_day, space.studio_day, space.running) == (5.0, 20.0, 2)
    lifted = config.load({**base, "SPACE_ID": "o/s", "STUDIO_BUDGET_DAY": "none"}).budgets
    assert lifted.studio_day is None and lifted.user_day == 5.0
    for name, bad in (("STUDIO_BUDGET_DAY", "ten"), ("STUDIO_BUDGET_DAY", "-1"), ("STUDIO_BUDGET_DAY", "nan"),
                      ("STUDIO_MAX_RUNNING_PER_USER", "0"), ("STUDIO_MAX_RUNNING_PER_USER", "1.5")):
        with pytest.raises(ValueError, match=name):
            config.load({**base, name: bad})
    assert budgets.resets_in(budgets.day_start(0) + 3600).endswith("in 23 h 00 min")


def test_the_cli_refuses_a_job_over_the_daily_budget_with_exit_2(emulator, tmp_path):
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "dashscope",
           "DASHSCOPE_API_KEY": "sk-test-secret-0001", "DASHSCOPE_BASE_URL": emulator.url,
           "STUDIO_BUDGET_DAY": "0.50"}
    proc = subprocess.run([sys.executable, "-m", "studio", "generate", "--variant", "t2v", "--prompt", "a horse"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "daily budget is $0.50" in proc.stderr, proc.stderr
    assert emulator.control.creates("dashscope") == 0


def test_run_again_twice_quickly_is_one_new_job_and_a_users_key_job_never_reruns_on_the_owners(studio_with):
    studio = studio_with()
    first = studio.core.wait(LOCAL, send(studio, "a horse").id, timeout=60, interval=0.05)
    again, twice = studio.core.retry(LOCAL, first.id), studio.core.retry(LOCAL, first.id)
    assert again.id != first.id and twice.id == again.id
    ann, ann_own = Caller.of("user:ann"), Caller.of("user:ann", Account("dashscope", "sk-ann-own-0001"))
    own = studio.core.submit(ann_own, studio.core.prepare("t2v", prompt="a foal", duration=3))
    studio.core.wait(ann, own.id, timeout=60, interval=0.05)
    with pytest.raises(InputError, match="ran on your own dashscope key"):
        studio.core.retry(ann, own.id)
    with pytest.raises(InputError, match="ran on your own dashscope key"):
        studio.chain.send(ann, studio.chain.offer_final(ann, own.id))[0]
    assert studio.core.retry(ann_own, own.id).key_source == "user"


def test_variations_pass_the_caps_all_together_or_not_at_all(studio_with, emulator):
    studio = studio_with(STUDIO_BUDGET_USER_DAY="2.00")
    draft = studio.core.wait(LOCAL, send(studio, "a horse", duration=3).id, timeout=60, interval=0.05)  # $0.42
    with pytest.raises(BudgetError, match=r"\$1.68 job"):  # four more at $0.42 would reach $2.10
        studio.chain.send(LOCAL, studio.chain.offer_variations(LOCAL, draft.id, 4))
    assert emulator.control.creates("dashscope") == 1  # none of the four was sent
    assert len(studio.chain.send(LOCAL, studio.chain.offer_variations(LOCAL, draft.id, 3))) == 3
