"""Soak: 50 jobs while the studio is SIGKILLed and restarted again and again (and, separately, while
the emulator is), until each job has ended. Reports jobs started, finished, failed with a stated
reason, and lost (must be zero), and checks that every paid task whose id the studio holds has its
clip collected. Bounded to a few minutes; the figures go to the counted table (tests/tally.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

from harness.app import free_port, start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from studio import config
from studio.jobs.ledger import Ledger
from studio.jobs.model import JobState
from studio.service import LOCAL, Studio
from tests.conftest import wait_until
from tests.tally import tally

JOBS = 50
KILLS = 4
END_TIMEOUT = 150.0


def env_for(url: str, data: Path, in_flight: int = 25) -> dict[str, str]:
    return {"STUDIO_DATA_DIR": str(data), "STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-soak-0001",
            "DASHSCOPE_BASE_URL": url, "STUDIO_MAX_IN_FLIGHT": str(in_flight), "STUDIO_REQUESTS_PER_MINUTE": "0"}


def queue_jobs(settings: config.Settings) -> list[str]:
    """Record the jobs without driving them: the studio under test picks them up when it starts."""
    studio = Studio(settings)
    ids = [studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt=f"soak {i}: a horse, push in", duration=3),
                         again=True).id for i in range(JOBS)]
    return ids


def wait_all_ended(ledger: Ledger, ids: list[str], timeout: float) -> list:
    """The jobs once all have ended, or as they stand after `timeout` (the figures then say what was lost)."""
    def ended() -> bool:
        return all(ledger.get(i).state.finished for i in ids)

    try:
        wait_until(ended, timeout, "every job ended", interval=0.5)
    except AssertionError:
        pass
    return [ledger.get(i) for i in ids]


def account(name: str, jobs: list, tasks: dict) -> dict:
    """started, finished, failed with a reason, lost; paid tasks and their clips."""
    states = Counter(j.state for j in jobs)
    lost = [j for j in jobs if not j.state.finished
            or (j.state is JobState.SUCCEEDED and not (j.output_path and Path(j.output_path).is_file()))
            or (j.state is not JobState.SUCCEEDED and not j.error_message)]
    paid = {tid for tid, t in tasks.items() if t.get("status") == "SUCCEEDED"}
    held = {j.task_id: j for j in jobs if j.task_id}
    collected = {tid for tid in paid & set(held) if held[tid].state is JobState.SUCCEEDED
                 and Path(held[tid].output_path or "").is_file()}
    figures = {"started": len(jobs), "finished": states[JobState.SUCCEEDED],
               "failed with a reason": len(jobs) - states[JobState.SUCCEEDED] - len(lost), "lost": len(lost),
               "paid tasks": len(paid), "paid tasks the studio holds": len(paid & set(held)),
               "their clips collected": len(collected),
               "by state": {s.value: n for s, n in states.items()},
               "reasons": Counter(j.error_code for j in jobs if j.state is not JobState.SUCCEEDED)}
    print(f"\nsoak ({name}): {figures}")
    for j in jobs:
        ended = "lost" if j in lost else "finished" if j.state is JobState.SUCCEEDED else \
            f"ended {j.state.value}: {j.error_code}"
        tally(f"soak: {name}", f"job {ended}", j not in lost)
    for tid in paid & set(held):
        tally(f"soak: {name}", "paid task: clip collected", tid in collected)
    return figures | {"lost_jobs": lost, "uncollected": (paid & set(held)) - collected,
                      "unlinked": paid - set(held)}


def test_sigkill_the_studio_again_and_again_while_50_jobs_run(tmp_path):
    emu = start_emulator(2.0, port=0, log_path=tmp_path / "emulator.log")
    data = tmp_path / "data"
    env = env_for(emu.url, data)
    try:
        ids = queue_jobs(config.load(env))
        rng = random.Random(14)
        app = start_app(data, env)
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 4.0))
            stop_app(app, kill=True)  # SIGKILL: no clean-up of any kind
            app = start_app(data, env)
        jobs = wait_all_ended(Ledger(data / "ledger.sqlite3"), ids, END_TIMEOUT)
        stop_app(app)
        figures = account("studio killed", jobs, emu.control.tasks())
    finally:
        stop_emulator(emu)
    assert not figures["lost_jobs"], [(j.id, j.state.value, j.error_message) for j in figures["lost_jobs"]]
    assert not figures["uncollected"], "paid tasks whose clip the studio holds the id of but did not collect"
    unsure = sum(1 for j in jobs if j.state is JobState.UNSURE)
    assert len(figures["unlinked"]) <= unsure, "a paid task no job accounts for"
    assert figures["finished"] >= JOBS // 2


def test_sigkill_the_emulator_again_and_again_while_50_jobs_run(tmp_path):
    port = free_port()
    emu = start_emulator(1.0, port=port, log_path=tmp_path / "emulator.log")
    env = env_for(emu.url, tmp_path / "data", in_flight=6)  # the jobs span every kill
    studio = Studio(config.load(env), time_scale=0.2)
    before_kills: dict = {}  # tasks each killed emulator had finished (billed) when it died
    try:
        ids = queue_jobs(studio.settings)
        studio.start()
        rng = random.Random(41)
        for _ in range(KILLS - 1):
            time.sleep(rng.uniform(2.0, 4.0))
            before_kills.update(emu.control.tasks())
            emu.process.kill()  # the provider vanishes mid-answer, and comes back with nothing in memory
            emu.process.wait(10)
            time.sleep(rng.uniform(0.2, 1.5))
            emu = start_emulator(1.0, port=port, log_path=tmp_path / "emulator.log")
        jobs = wait_all_ended(studio.ledger, ids, END_TIMEOUT)
        last = emu.control.tasks()
        figures = account("emulator killed", jobs, {**before_kills, **last})
        final = account("emulator killed, last", jobs, last)
    finally:
        studio.close()
        stop_emulator(emu)
    assert not figures["lost_jobs"], [(j.id, j.state.value, j.error_message) for j in figures["lost_jobs"]]
    assert not final["uncollected"], "paid tasks of the last emulator whose clip the studio did not collect"
    assert figures["finished"] > 0 and figures["their clips collected"] > 0
    assert all(j.error_message for j in jobs if j.state is not JobState.SUCCEEDED)
