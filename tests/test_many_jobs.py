"""Two hundred jobs at once, across users and both providers, on one event loop."""

import threading
import time

from studio import config
from studio.jobs.model import JobState
from studio.service import Caller, Studio
from tests.conftest import wait_until

JOBS = 200
OWNERS = [f"user:{n}" for n in range(10)]


def test_two_hundred_jobs_at_once(emulator, tmp_path):
    emulator.control.configure(task_seconds=0.5)
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "DASHSCOPE_API_KEY": "sk-test",
           "DASHSCOPE_BASE_URL": emulator.url, "INFERENCE_API_KEY": "inf_test", "INFERENCE_BASE_URL": emulator.url,
           "STUDIO_MAX_IN_FLIGHT": "100", "STUDIO_REQUESTS_PER_MINUTE": "60000"}
    studio = Studio(config.load(env), time_scale=0.1).start()
    threads_before = threading.active_count()
    try:
        started = time.monotonic()
        jobs = []
        for i in range(JOBS):
            owner = OWNERS[i % len(OWNERS)]
            backend = "dashscope" if i % 2 else "inferencesh"  # each request built for the backend it runs on
            prepared = studio.core.prepare("t2v", prompt=f"shot {i}", duration=3, ratio="16:9", backend=backend)
            jobs.append(studio.core.submit(Caller.of(owner), prepared, backend=backend))
        threads = [threads_before]

        def all_finished() -> bool:
            threads.append(threading.active_count())
            return all(studio.core.job(Caller.of(j.owner), j.id).state.finished for j in jobs)

        wait_until(all_finished, 300, "every job finished", interval=0.2)
        peak_threads = max(threads)
        elapsed = time.monotonic() - started
        done = [studio.core.job(Caller.of(j.owner), j.id) for j in jobs]
    finally:
        studio.close()

    failures = [(j.id, j.error_message) for j in done if j.state is not JobState.SUCCEEDED]
    assert not failures, failures[:5]
    assert all(j.output_path and j.width == 1280 and j.height == 720 for j in done)
    assert len({j.output_path for j in done}) == JOBS
    assert emulator.control.creates() == {"dashscope": JOBS // 2, "inferencesh": JOBS // 2}
    for owner in OWNERS:  # each user sees exactly their own twenty
        assert len(studio.core.jobs(Caller.of(owner))) == JOBS // len(OWNERS)
    # No thread per job: the runner is one loop; a few helper threads do blocking media work.
    assert peak_threads - threads_before < 40, peak_threads
    print(f"\n{JOBS} jobs in {elapsed:.1f} s, peak threads {peak_threads} (before: {threads_before})")
