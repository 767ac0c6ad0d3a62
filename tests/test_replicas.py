"""Two studio replicas on one PostgreSQL ledger: jobs spread over both, one dies, nothing is lost.

Two `python app.py` processes share STUDIO_DATABASE_URL and STUDIO_DATA_DIR, in front of the
emulator. Several users (browser identities) send 50 jobs through both; one replica is SIGKILLed
while jobs run. Every job must end in the right state, the provider must see one create per job,
the account's request rate and tasks in flight must hold across both replicas together, and each
user must see all their jobs, and nobody else's, from either replica.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.app import start_app, stop_app
from harness.replicas import SECRET, client, identities, owner_of
from studio.jobs.ledger import Ledger, holder_process
from studio.jobs.model import JobState
from tests.conftest import wait_until

JOBS = 50
USERS = identities(5)  # five browsers' identity cookies
RATE = 600       # calls a minute to the account, for both replicas together: one each 0.1 s
IN_FLIGHT = 6    # tasks at the provider at once, for both replicas together
CREATE = "/api/v1/services"
STATUS = "/api/v1/tasks/"


def prompt(i: int) -> str:
    return f"a horse on a beach, take {i:02d} of the replica test"


def replica_env(emulator, url: str) -> dict[str, str]:
    return {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-test", "DASHSCOPE_BASE_URL": emulator.url,
            "STUDIO_DATABASE_URL": url, "STUDIO_MULTI_USER": "1", "STUDIO_REQUESTS_PER_MINUTE": str(RATE),
            "STUDIO_MAX_IN_FLIGHT": str(IN_FLIGHT), "STUDIO_SECRET": SECRET}


def all_jobs(ledger: Ledger):
    return [job for token in USERS for job in ledger.list(owner_of(token), limit=500)]


def finished(jobs):
    return jobs if all(j.state.finished for j in jobs) else None


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    now = most = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


@pytest.mark.timeout(600)
def test_two_replicas_one_killed_every_job_ends_once(emulator, pg_url, tmp_path):
    emulator.control.configure(task_seconds=2.0)
    data = tmp_path / "data"  # the shared volume
    env = replica_env(emulator, pg_url)
    a, b = start_app(data, env), start_app(data, env)
    ledger = Ledger(pg_url)
    survivor = replacement = None
    clients = {(app.url, token): client(app, token) for app in (a, b) for token in USERS}
    try:
        for i in range(JOBS):  # users alternate between the replicas, as behind a load balancer
            app, token = (a, b)[i % 2], USERS[i % len(USERS)]
            clients[(app.url, token)].submit(prompt(i), "720P", "16:9", 3, False, "", api_name="/text_to_video")
        wait_until(lambda: len(all_jobs(ledger)) == JOBS, 120, "all 50 jobs in the ledger")
        wait_until(lambda: sum(j.state is JobState.SUCCEEDED for j in all_jobs(ledger)) >= 8, 180,
                   "some jobs to finish")
        held = [j for j in all_jobs(ledger) if not j.state.finished and j.claimed_by
                and holder_process(j.claimed_by).endswith(f":{a.process.pid}")]
        assert held, "the replica to be killed must be driving jobs when it dies"
        stop_app(a, kill=True)  # SIGKILL mid-run: its jobs must be taken over by b
        survivor = b
        final = wait_until(lambda: finished(all_jobs(ledger)), 300, "every job to finish after the kill")
        replacement = start_app(data, env)  # a new replica (a replaced container) sees the same
        for token in USERS:
            mine = {j.id for j in final if j.owner == owner_of(token)}
            for app in (survivor, replacement):
                assert app.process.poll() is None, f"replica {app.url} exited:\n{app.log()}"
                seen = client(app, token).predict(500, api_name="/list_jobs")
                assert {r["id"] for r in seen} == mine, "a user must see exactly their own jobs on any replica"
    finally:
        for c in clients.values():
            c.close()
        for app in (a, b, replacement):
            if app is not None:
                stop_app(app, kill=True)

    stats = emulator.control.stats()
    tasks = [t for t in stats["tasks"].values() if t["protocol"] == "dashscope"]
    created = {i: [t for t in tasks if prompt(i) in str(t["request"])] for i in range(JOBS)}
    by_prompt = {j.request.prompt: j for j in final}
    for i in range(JOBS):
        job = by_prompt[prompt(i)]
        assert len(created[i]) <= 1, f"job {i} was sent twice"
        if job.state is JobState.SUCCEEDED:
            assert len(created[i]) == 1 and job.output_path and job.cost_usd == 0.42
            assert (data / "media") in Path(job.output_path).parents  # on the volume both replicas read
        else:  # only a create that may have gone out as its replica died is left for the user to decide
            assert job.state is JobState.UNSURE, (job.state, job.error_message)
            assert [e["state"] for e in ledger.events(job.id)][-2:] == ["submitting", "unsure"]
    assert sum(j.state is JobState.SUCCEEDED for j in final) >= JOBS - IN_FLIGHT
    calls = [r["time"] for r in stats["requests"]
             if r["protocol"] == "dashscope" and (r["path"].startswith(CREATE) or r["path"].startswith(STATUS))]
    # the shared turn spaces calls 0.1 s apart: at most 21 in any 2 s (two replicas on their own would make 40)
    assert most_in_any_window(calls, 2.0) <= 2.0 * RATE / 60 + 3
    spans = [(t["created"], t["ended"] or time.time()) for t in tasks]
    assert most_at_once(spans) <= IN_FLIGHT


def test_a_cancel_received_by_another_replica_stops_the_job_and_clips_are_seen_from_both(emulator, pg_url,
                                                                                         tmp_path):
    from studio.errors import NotFound
    from studio.media.inspect import probe_video
    from studio.service import Caller, Studio
    from tests.conftest import settings_for

    settings = settings_for(emulator, tmp_path, "dashscope", STUDIO_DATABASE_URL=pg_url)  # one data dir
    ann = Caller.of("user:ann")
    driver = Studio(settings, time_scale=0.05).start()
    other = Studio(settings, time_scale=0.05).start(resume=False)  # takes no jobs: only answers users
    try:
        emulator.control.configure(task_seconds=1.0)
        done = driver.core.submit(ann, driver.core.prepare("t2v", prompt="a horse", duration=3))
        done = driver.core.wait(ann, done.id, timeout=60, interval=0.05)
        seen = other.core.job(ann, done.id)  # collected by the driver, shown by the other replica
        assert seen.state is JobState.SUCCEEDED and probe_video(seen.output_path).video_codec == "h264"
        with pytest.raises(NotFound):
            other.core.job(Caller.of("user:bob"), done.id)

        emulator.control.configure(task_seconds=600.0)
        long = driver.core.submit(ann, driver.core.prepare("t2v", prompt="a slow horse", duration=3))
        driver.core.wait_until_sent(ann, long.id)
        stopped = other.core.cancel(ann, long.id)  # the user's cancel lands on the other replica
        assert stopped.state is JobState.CANCELLED and stopped.error_code == "cancelled"
        task = emulator.control.stats()["tasks"][stopped.task_id]
        assert task["status"] in ("CANCELED", "CANCELLED"), task
        ended = driver.core.wait(ann, long.id, timeout=30, interval=0.05)
        assert ended.state is JobState.CANCELLED and not ended.cost_usd
    finally:
        other.close()
        driver.close()
