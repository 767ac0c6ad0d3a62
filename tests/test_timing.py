"""Learned timing: estimates from run times, and the status-read schedule built on them.

The schedule is pure, so each example is a list of read times for a task that
finishes at a known moment; nothing here measures wall-clock time.
"""

import asyncio

import httpx
import pytest

from studio import config
from studio.backends.base import TaskState
from studio.jobs import limits as limits_module
from studio.jobs import timing
from studio.jobs.limits import BackendLimits
from studio.jobs.model import JobState
from studio.service import LOCAL, Studio
from tests.conftest import wait_until
from tests.fake_transport import dashscope_backend


def sdk_reads(finish: float) -> list[float]:
    """The official dashscope SDK's wait loop (client/base_api.py): read at once, then 1 s gaps
    doubling every third read up to 5 s."""
    reads, t, gap, step = [], 0.0, 1, 0
    while True:
        step += 1
        if gap < 5 and step % 3 == 0:
            gap = min(gap * 2, 5)
        reads.append(t)
        if t >= finish:
            return reads
        t += gap


def spread(median: float, n: int = 20, width: float = 0.2) -> list[float]:
    """n run times evenly spread over median +/- width."""
    return [median * (1 - width + 2 * width * i / (n - 1)) for i in range(n)]


def test_no_history_reads_like_the_sdk_without_its_wasted_first_read():
    for finish in [0.5, 3, 7.5, 12, 21, 24, 60, 300] + [i * 0.5 for i in range(1, 200)]:
        ours, sdk = timing.reads_until(finish, None), sdk_reads(finish)
        assert ours[-1] <= sdk[-1]      # sees the end no later than the SDK
        assert len(ours) < len(sdk)     # with one read fewer
    assert timing.reads_until(21, None) == [1, 2, 4, 6, 8, 12, 16, 20, 25]


def test_tight_history_reads_once_early_then_densely_at_the_usual_time():
    est = timing.estimate([20.0] * 19 + [20.2])
    assert est.median == 20.0
    reads = timing.reads_until(20.1, est)
    assert reads[0] == pytest.approx(est.window[0] / 2)  # one sparse read, halfway
    assert 20.1 <= reads[-1] <= 20.1 + timing.MIN_GAP     # seen within a quarter second
    assert len(reads) <= 5


def test_history_with_a_spread_beats_the_sdk_on_wait_and_requests():
    est = timing.estimate(spread(24.0))
    waits, ours, sdk = [], 0, 0
    for finish in spread(24.0, n=41):
        reads = timing.reads_until(finish, est)
        waits.append(reads[-1] - finish)
        ours += len(reads)
        sdk += len(sdk_reads(finish))
    assert max(waits) <= timing.MAX_DENSE
    assert sorted(waits)[len(waits) // 2] < 1.25
    assert ours < sdk


def test_wide_history_spreads_the_reads_the_sdk_allows_evenly_over_the_window():
    est = timing.estimate([10, 12, 15, 20, 25, 30, 35, 40])
    start, end = est.window
    reads = timing.reads_until(end, est)
    inside = [b - a for a, b in zip(reads, reads[1:]) if start <= a <= end]
    assert inside and max(inside) - min(inside) < 1e-6  # even: no stretch of the window read less often
    assert len(reads) <= len(sdk_reads(end))            # and never more often than the SDK by its end
    assert max(inside) <= (end - start) / (timing.sdk_reads_by(end) - 2) + 1e-6  # all it had left (2 spent)
    assert reads[0] < start  # still one early read, for tasks that fail quickly
    narrow = timing.estimate(spread(60.0, width=0.05))  # later and tighter: the SDK's count leaves reads to spare
    reads = timing.reads_until(narrow.window[1], narrow)
    dense = [b - a for a, b in zip(reads, reads[1:]) if a >= narrow.window[0]]
    assert dense and max(dense) <= timing.MAX_DENSE + 1e-9


@pytest.mark.parametrize("history", [None, [20.0] * 19 + [20.2], spread(24.0), spread(24.0, width=0.02),
                                     [10, 12, 15, 20, 25, 30, 35, 40], [1, 2, 3, 50, 80], spread(3.0),
                                     spread(300.0), [0.2, 0.3, 0.25, 0.4]])
@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_a_task_never_gets_more_status_reads_than_the_sdk_would_send_by_the_same_time(history, scale):
    est = None if history is None else timing.estimate([h * scale for h in history])
    for finish in [i * 0.05 for i in range(1, 2000)] + [150.5, 299.9, 600.0]:
        ours = timing.reads_until(finish * scale, est, scale=scale)
        assert len(ours) <= len(sdk_reads(finish)), (finish, ours)
        for k, at in enumerate(ours, start=1):  # read by read, never ahead of the SDK's
            assert at >= timing.sdk_read_time(k) * scale - 1e-9
    for k in range(1, 40):
        assert timing.sdk_reads_by(timing.sdk_read_time(k)) == k == len(sdk_reads(timing.sdk_read_time(k)))


def test_a_task_far_slower_than_expected_backs_off_but_never_waits_more_than_five_seconds():
    est = timing.estimate(spread(20.0))
    reads = timing.reads_until(120, est)
    gaps = [b - a for a, b in zip(reads, reads[1:]) if a >= est.window[1]]
    assert all(b >= a - 1e-9 for a, b in zip(gaps, gaps[1:])) and max(gaps) <= timing.COLD_MAX + 1e-9
    assert gaps[-1] == pytest.approx(timing.COLD_MAX)  # long past the window: the SDK's pace
    assert reads[-1] - 120 <= timing.COLD_MAX


def test_a_429_during_dense_reads_holds_the_next_read_until_the_pause_ends():
    est = timing.estimate(spread(20.0))
    start, _ = est.window
    dense = timing.dense_gap(est)
    assert timing.next_delay(start + 1, est) == pytest.approx(dense)
    assert timing.next_delay(start + 1, est, paused_for=3.0) == 3.0
    assert timing.next_delay(start + 4, est, paused_for=0.0) == pytest.approx(dense)  # dense again after


def test_outliers_and_old_history_do_not_move_the_estimate():
    assert timing.estimate([20.0] * 19 + [600.0]).high < 21
    assert timing.estimate([20.0] * 18 + [0.5, 900.0]).median == 20.0
    newest_first = [10.0] * timing.HISTORY + [30.0] * 100
    assert timing.estimate(newest_first).median == 10.0
    assert timing.estimate([5.0, 6.0]) is None  # too little to go on: the cold schedule


@pytest.mark.parametrize("rpm", [60, 240, 6000])
def test_no_schedule_exceeds_the_shared_request_rate(rpm):
    limits = BackendLimits(max_in_flight=500, requests_per_minute=rpm)
    histories = [None, timing.estimate([20.0] * 10), timing.estimate(spread(24.0)),
                 timing.estimate([1, 2, 3, 50, 80])]
    for readers in (1, 4, 50, 200):
        limits.readers = readers
        for est in histories:
            for scale in (1.0, 0.05):
                for elapsed in [i * 0.37 for i in range(400)]:
                    delay = timing.next_delay(elapsed, est, scale=scale, min_gap=limits.share())
                    # every task reading often, at this pace, stays within the rate together
                    assert readers * 60.0 / delay <= rpm + 1e-6


def test_the_shared_limit_spaces_every_call_and_holds_them_during_a_pause(monkeypatch):
    clock = {"now": 100.0}
    starts = []

    async def fake_sleep(seconds):
        starts.append(clock["now"] + seconds)

    monkeypatch.setattr(limits_module.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(limits_module.asyncio, "sleep", fake_sleep)
    limits = BackendLimits(max_in_flight=50, requests_per_minute=240)  # one call per 0.25 s

    async def calls(n):
        for _ in range(n):
            await limits.before_call()
    asyncio.run(calls(8))
    assert starts == [pytest.approx(100.25 + 0.25 * i) for i in range(7)]  # the first went at once
    starts.clear()
    limits.pause(30)  # a 429 with Retry-After: 30
    asyncio.run(calls(2))
    assert starts[0] >= 130 and starts[1] - starts[0] == pytest.approx(0.25)


def test_a_429_on_a_status_read_pauses_every_job_on_that_backend():
    answers = [httpx.Response(429, headers={"Retry-After": "3"}, json={"code": "Throttling.RateQuota"}),
               httpx.Response(200, json={"output": {"task_status": "RUNNING"}})]
    b, fake = dashscope_backend(lambda r: answers.pop(0))
    paused = []
    b.on_throttle(paused.append)
    assert asyncio.run(b.status("t-1")).state is TaskState.RUNNING
    assert paused == [3.0] and len(fake.requests) == 2


def test_finished_jobs_teach_the_expected_time_of_the_next(emulator, tmp_path):
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "dashscope",
           "DASHSCOPE_API_KEY": "sk-test-timing", "DASHSCOPE_BASE_URL": emulator.url,
           "STUDIO_REQUESTS_PER_MINUTE": "0"}
    emulator.control.configure(task_seconds=0.3)
    studio = Studio(config.load(env), time_scale=0.05).start()
    try:
        prepared = studio.core.prepare("t2v", prompt="a horse", duration=3)
        assert studio.core.expected_time_for(prepared).seconds is None  # nothing learned yet
        jobs = [studio.core.submit(LOCAL, prepared, again=True) for _ in range(3)]  # three takes, asked for
        done = [studio.core.wait(LOCAL, j.id, timeout=60, interval=0.05) for j in jobs]
        assert all(j.state is JobState.SUCCEEDED for j in done)
        tasks = emulator.control.stats()["tasks"]  # learned from the provider's own clock: exact, not bracketed
        ran = sorted(tasks[j.task_id]["ended"] - tasks[j.task_id]["created"] for j in done)
        assert sorted(studio.ledger.run_times(timing.job_shape(done[0]), 10)) == pytest.approx(ran, abs=0.002)
        learned = studio.core.expected_time_for(prepared)
        assert learned.samples == 3 and learned.seconds > 0
        assert studio.core.expected_time_for(studio.core.prepare("t2v", prompt="x", duration=8)).seconds is None
        assert studio.core.expected_time_for(prepared, backend="preview").seconds is None  # per backend
        finished = studio.core.expected_time(LOCAL, done[0].id)
        assert finished.seconds == learned.seconds and finished.left is None
        running = studio.core.submit(LOCAL, prepared, again=True)
        wait_until(lambda: studio.core.job(LOCAL, running.id).state is JobState.RUNNING, 30, "the job running",
                   interval=0.01)
        now = studio.core.expected_time(LOCAL, running.id)
        assert now.elapsed is not None and (now.left is not None or now.late)
    finally:
        studio.close()


def test_the_emulator_times_a_task_by_its_settings_and_seed():
    from studio.emulator.state import Config
    from studio.emulator.state import Job as EmulatedJob

    def job(resolution, seconds, seed):
        return EmulatedJob(variant="t2v", prompt="x", resolution=resolution, ratio=None, duration=seconds,
                           seed=seed, watermark=False, audio_setting=None, seconds=float(seconds))

    exact = Config(task_seconds=8, seconds_per_output_second=4, hd_factor=1.5)
    assert exact.seconds_for(job("720P", 3, 1)) == 20 and exact.seconds_for(job("1080P", 3, 1)) == 30
    spread = Config(task_seconds=8, seconds_per_output_second=4, hd_factor=1.5, spread=0.2)
    times = [spread.seconds_for(job("720P", 3, seed)) for seed in range(200)]
    assert all(16 <= t <= 24 for t in times) and min(times) < 17 and max(times) > 23
    assert spread.seconds_for(job("720P", 3, 42)) == spread.seconds_for(job("720P", 3, 42))  # same seed, same time


def test_run_times_are_kept_per_model_and_old_ones_are_happyhorse_1_0s():
    from studio import variants

    hh11 = variants.build("t2v", prompt="x", duration=15, resolution="1080P", model="happyhorse-1.1")
    wan = variants.build("t2v", prompt="x", duration=15, resolution="1080P", model="wan2.7")
    assert timing.request_shape("dashscope", hh11, 15) == "dashscope/t2v/1080P/15s/happyhorse-1.1"
    assert timing.request_shape("dashscope", hh11, 15) != timing.request_shape("dashscope", wan, 15)
    assert timing.shape_key("dashscope", "t2v", "1080P", 15) == "dashscope/t2v/1080P/15s/happyhorse-1.0"


def test_without_history_a_real_job_is_expected_to_take_its_models_typical_time():
    from studio import pricing, variants
    from studio.jobs.model import Job

    def job(model, backend="dashscope", base_url="https://dashscope-intl.aliyuncs.com", seconds=15):
        request = variants.build("t2v", prompt="x", duration=seconds, resolution="1080P", model=model)
        return Job(id="j", owner="o", request=request, backend=backend, base_url=base_url,
                   quote=pricing.quote(request).to_dict())

    assert timing.typical_seconds(job("happyhorse-1.1")) == 12 * 60  # not "done in 5 minutes"
    assert timing.typical_seconds(job("happyhorse-1.0")) == 14 * 60
    assert timing.typical_seconds(job("happyhorse-1.1", seconds=5)) == 4 * 60
    assert timing.typical_seconds(job("wan2.7", backend="preview", base_url=None)) is None   # seconds, free
    assert timing.typical_seconds(job("wan2.7", base_url="http://127.0.0.1:9")) is None      # an emulator
    told = timing.expected(None, elapsed=100, typical=720)
    assert (told.seconds, told.left, told.samples, told.late) == (720, 620, 0, False)
    assert timing.expected(None, elapsed=900, typical=720).left is None  # later than usual: no countdown


def test_a_deadline_shorter_than_a_shape_usually_needs_is_stretched_per_model_resolution_and_length():
    """STUDIO_JOB_DEADLINE=300 would stop every 15 s 1080P clip (about 12-14 min): the deadline is at least
    twice the model's typical time, and twice the slowest usual run learned for the shape."""
    from studio import variants

    def typical(model, resolution, seconds):
        return timing.typical_for(variants.build("t2v", prompt="x", duration=seconds, resolution=resolution,
                                                 model=model), seconds)

    assert typical("happyhorse-1.1", "1080P", 15) == 12 * 60 and typical("happyhorse-1.0", "1080P", 15) == 14 * 60
    assert typical("happyhorse-1.1", "720P", 3) == 72 and typical("wan2.7", "1080P", 15) == 14 * 60
    assert timing.deadline_seconds(300, typical("happyhorse-1.1", "1080P", 15), None) == 24 * 60
    assert timing.deadline_seconds(300, typical("happyhorse-1.1", "720P", 3), None) == 300  # short clips: as set
    assert timing.deadline_seconds(1800, typical("happyhorse-1.0", "1080P", 15), None) == 1800  # the default holds
    slow = timing.estimate(spread(1500))  # this studio's provider runs this shape slower than the catalogue says
    assert timing.deadline_seconds(1800, 720, slow) == pytest.approx(2 * slow.high)


def test_a_real_jobs_deadline_follows_its_shape_and_an_emulators_keeps_the_setting(emulator, tmp_path):
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-t",
           "DASHSCOPE_BASE_URL": emulator.url, "STUDIO_JOB_DEADLINE": "300", "STUDIO_REQUESTS_PER_MINUTE": "0"}
    studio = Studio(config.load(env), time_scale=0.05)
    long_shot = studio.core.prepare("t2v", prompt="x", duration=15, resolution="1080P", model="happyhorse-1.1")
    short = studio.core.prepare("t2v", prompt="x", duration=3, resolution="720P", model="happyhorse-1.1")
    try:
        assert studio.core.deadline("dashscope", emulator.url, long_shot) == 300  # an emulator: its own clock
        real = "https://dashscope-intl.aliyuncs.com"
        assert studio.core.deadline("dashscope", real, long_shot) == 24 * 60
        assert studio.core.deadline("dashscope", real, short) == 300
        wan = studio.core.prepare("t2v", prompt="x", duration=15, resolution="1080P", model="wan2.7")
        assert studio.core.deadline("dashscope", real, wan) == 28 * 60  # per model: Wan 2.7's typical time
        job, _ = studio.core.new_job(LOCAL, long_shot)
        assert job.deadline_at - job.created_at == pytest.approx(300)
    finally:
        studio.close()
