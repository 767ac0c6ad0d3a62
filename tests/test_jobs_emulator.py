"""The studio's jobs on the real adapters, over loopback HTTP against the emulator.

Each test asserts what the user sees (state, message, clip) and what the
ledger holds, and counts creates at the emulator: never a duplicate.
"""

import time

import pytest

from harness.media import make_image, make_video
from studio.errors import NotFound
from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from studio.service import LOCAL, Caller
from studio.ui.tiles import cost_line
from tests.conftest import BACKENDS, finish, submit, wait_for_state, wait_until

PROTOCOL = {"dashscope": "dashscope", "inferencesh": "inferencesh"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_variant_makes_a_real_clip_billed_as_the_provider_says(make_studio, emulator, tmp_path, backend):
    studio = make_studio(backend)
    frame = make_image(tmp_path / "frame.png", 900, 1200)
    refs = [str(make_image(tmp_path / f"ref{i}.jpg", 720, 720, fmt="JPEG")) for i in range(2)]
    src = make_video(tmp_path / "src.mp4", 640, 360, seconds=4)
    jobs = [
        submit(studio, "t2v", prompt="a horse on a beach", ratio="9:16", duration=3),
        submit(studio, "i2v", first_frame=str(frame), prompt="pull back", duration=3, resolution="1080P"),
        submit(studio, "r2v", prompt="[Image 1] and [Image 2] dance", references=refs, ratio="1:1", duration=4),
        submit(studio, "edit", video=str(src), prompt="warmer", references=refs[:1], audio="remove"),
    ]
    done = [finish(studio, j) for j in jobs]
    assert [j.state for j in done] == [JobState.SUCCEEDED] * 4, [j.error_message for j in done]
    shapes = [(probe_video(j.output_path).width, probe_video(j.output_path).height) for j in done]
    assert shapes == [(720, 1280), (1080, 1440), (720, 720), (1280, 720)]
    t2v, i2v, r2v, edit = done
    assert (t2v.billed_seconds, t2v.cost_usd) == (3, 0.42)
    # HappyHorse 1.1 where the backend has it (1080P at 0.18/s), 1.0 on inference.sh (0.24/s) and for edits
    assert [j.model for j in done] == {"dashscope": ["happyhorse-1.1"] * 3, "inferencesh": ["happyhorse-1.0"] * 3}[
        backend] + ["happyhorse-1.0"]
    assert (i2v.billed_seconds, i2v.cost_usd) == (3, {"dashscope": 0.54, "inferencesh": 0.72}[backend])
    assert edit.billed_seconds == 8 and edit.cost_usd == 1.12  # input + output seconds
    assert probe_video(edit.output_path).audio_codec is None    # "remove" done by the studio
    assert probe_video(t2v.output_path).audio_codec == "aac"
    assert all(j.task_id and j.backend == backend for j in done)
    assert emulator.control.creates(PROTOCOL[backend]) == 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_rate_limited_create_waits_and_goes_through_once(make_studio, emulator, backend):
    emulator.control.add_fault(on="create", protocol=backend, kind="http", status=429, retry_after=1, times=2)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.SUCCEEDED, job.error_message
    assert emulator.control.creates(backend) == 1
    assert "provider busy" in " ".join(e["detail"] or "" for e in studio.core.history(LOCAL, job.id))


@pytest.mark.parametrize("backend", BACKENDS)
def test_create_without_an_answer_is_never_sent_again(make_studio, emulator, backend):
    emulator.control.add_fault(on="create", protocol=backend, kind="drop", times=1)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.UNSURE and job.error_code == "unsure"
    assert "may have started a billed task" in job.error_message
    studio.close()
    again = make_studio(backend)  # a restart does not re-send it either: it is not among the jobs to drive
    assert job.id not in {j.id for j in again.ledger.unfinished()}
    assert again.core.job(LOCAL, job.id).state is JobState.UNSURE and emulator.control.creates(backend) == 1


@pytest.mark.parametrize("backend, fault, words", [
    ("dashscope", dict(kind="fail_task", code="DataInspectionFailed", message="Input data may contain inappropriate content."), "refused by moderation"),
    ("inferencesh", dict(kind="fail_task", message="content blocked"), "content blocked"),
])
def test_failed_task_is_shown_with_its_reason_and_costs_nothing(make_studio, emulator, backend, fault, words):
    emulator.control.add_fault(on="create", protocol=backend, **fault)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.FAILED and words in job.error_message
    assert job.cost_usd is None and job.output_path is None
    assert emulator.control.creates(backend) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_flaky_reads_and_a_cut_download_are_retried(make_studio, emulator, backend):
    emulator.control.add_fault(on="status", protocol=backend, kind="http", status=503, times=2)
    emulator.control.add_fault(on="download", protocol=backend, kind="truncate", times=1)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.SUCCEEDED, job.error_message
    assert abs(probe_video(job.output_path).duration - 3) < 0.1
    assert emulator.control.creates(backend) == 1
    assert not list((studio.settings.data_dir / "media").glob(".*part*"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_download_is_billed_and_collected_later(make_studio, emulator, backend):
    emulator.control.add_fault(on="download", protocol=backend, kind="forbidden", times=2)
    studio = make_studio(backend)
    job = submit(studio, "t2v", prompt="x", duration=3)
    owed = wait_for_state(studio, job.id, JobState.UNCOLLECTED)
    assert owed.cost_usd == 0.42 and "not collected yet" in owed.error_message
    assert "billed" in cost_line(owed) and "not billed" not in cost_line(owed)
    done = wait_for_state(studio, job.id, JobState.SUCCEEDED)
    assert done.cost_usd == 0.42 and probe_video(done.output_path).video_codec == "h264"
    assert emulator.control.creates(backend) == 1


def test_collect_again_brings_the_clip_home_without_a_new_task(make_studio, emulator):
    emulator.control.add_fault(on="download", protocol="dashscope", kind="http", status=500, times=-1)
    studio = make_studio("dashscope")
    job = submit(studio, "t2v", prompt="x", duration=3)
    owed = wait_for_state(studio, job.id, JobState.UNCOLLECTED)
    assert ".part" not in owed.error_message and "Error" not in owed.error_message
    with pytest.raises(NotFound):
        studio.billing.collect_again(Caller.of("someone-else"), job.id)
    emulator.control.clear_faults()
    done = studio.billing.collect_again(LOCAL, job.id)
    done = wait_for_state(studio, job.id, JobState.SUCCEEDED)
    assert done.output_path and done.cost_usd == 0.42
    assert emulator.control.creates("dashscope") == 1


def test_a_task_the_provider_lost_is_reported(make_studio, emulator):
    emulator.control.add_fault(on="status", protocol="dashscope", kind="unknown", times=1)
    studio = make_studio("dashscope")
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.FAILED and "24 hours" in job.error_message


def test_a_restart_with_another_key_waits_for_the_one_that_made_the_task(make_studio, emulator):
    emulator.control.configure(task_seconds=2)
    first = make_studio("dashscope")
    job = submit(first, "t2v", prompt="x", duration=3)
    wait_for_state(first, job.id, JobState.RUNNING)
    first.close()
    other = make_studio("dashscope", DASHSCOPE_API_KEY="sk-another-account")
    waiting = other.core.wait(LOCAL, job.id, timeout=20, interval=0.05,
                         until=lambda j: j.error_code == "task_unknown" or j.state.finished)
    assert waiting.state is JobState.RUNNING and "DASHSCOPE_API_KEY changed" in waiting.error_message
    other.close()
    again = make_studio("dashscope")
    done = wait_for_state(again, job.id, JobState.SUCCEEDED)
    assert done.error_message is None and emulator.control.creates("dashscope") == 1


def test_cancel_while_pending_is_not_billed(make_studio, emulator):
    emulator.control.configure(task_seconds=30)
    studio = make_studio("dashscope")
    job = submit(studio, "t2v", prompt="x", duration=3)
    wait_for_state(studio, job.id, JobState.RUNNING)
    cancelled = studio.core.cancel(LOCAL, job.id)
    assert cancelled.state is JobState.CANCELLED and "not billed" in cancelled.error_message
    assert emulator.control.tasks()[cancelled.task_id]["status"] in ("CANCELED", 12)


def test_cancel_while_running_stops_waiting_and_still_collects(make_studio, emulator):
    emulator.control.configure(task_seconds=1.5)
    studio = make_studio("dashscope")
    job = submit(studio, "t2v", prompt="x", duration=3)
    wait_until(lambda: emulator.control.tasks().get(studio.core.job(LOCAL, job.id).task_id or "", {}).get("status")
               == "RUNNING", 10, "the task running at the provider")
    stopped = studio.core.cancel(LOCAL, job.id)
    assert stopped.state is JobState.CANCELLED and stopped.error_code == "stopped_waiting"
    assert "may still bill" in stopped.error_message
    arrived = wait_for_state(studio, job.id, JobState.SUCCEEDED, timeout=20)
    assert probe_video(arrived.output_path).video_codec == "h264"


def test_keys_never_reach_the_ledger_or_the_records(make_studio, emulator, tmp_path):
    studio = make_studio("dashscope")
    job = finish(studio, submit(studio, "i2v", first_frame=str(make_image(tmp_path / "f.png", 640, 480)), duration=3))
    other = make_studio("inferencesh", STUDIO_DATA_DIR=str(tmp_path / "data"))
    finish(other, submit(other, "t2v", prompt="x", duration=3))
    data = tmp_path / "data"
    blobs = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert b"sk-test-secret-0001" not in blobs and b"inf_test-secret-0002" not in blobs
    assert "secret-000" not in str(job.record())


@pytest.mark.parametrize("backend", BACKENDS)
def test_server_error_on_create_is_unsure_not_resent(make_studio, emulator, backend):
    emulator.control.add_fault(on="create", protocol=backend, kind="http", status=500, times=1)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.UNSURE
    assert emulator.control.creates(backend) <= 1
    assert len(emulator.control.requests(protocol=backend, method="POST", path_prefix="/api/v1/services"
                                         if backend == "dashscope" else "/apps/run")) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_garbled_status_answers_are_read_again(make_studio, emulator, backend):
    emulator.control.add_fault(on="status", protocol=backend, kind="malformed", times=2)
    emulator.control.add_fault(on="stream", protocol="inferencesh", kind="malformed", times=1)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3))
    assert job.state is JobState.SUCCEEDED, job.error_message
    assert emulator.control.creates(backend) == 1


def test_a_job_past_its_deadline_is_cancelled_and_says_so(make_studio, emulator):
    emulator.control.configure(task_seconds=60)
    studio = make_studio("dashscope", STUDIO_JOB_DEADLINE="1")
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3), timeout=30)
    assert job.state is JobState.FAILED and job.error_code == "deadline"
    assert "cancelled at the provider: not billed" in job.error_message


def test_a_clip_finished_while_the_studio_was_down_past_its_deadline_is_still_collected(make_studio, emulator):
    emulator.control.configure(task_seconds=0.3)
    first = make_studio("dashscope")
    job = submit(first, "t2v", prompt="x", duration=3)
    wait_for_state(first, job.id, JobState.RUNNING)
    first.close()  # the studio goes away (a sleeping laptop, a restart) ...
    first.ledger.update(job.id, deadline_at=time.time() - 1)  # ... for longer than the job's deadline
    task = first.ledger.get(job.id).task_id  # and the task ends meanwhile
    wait_until(lambda: emulator.control.tasks()[task]["status"] == "SUCCEEDED", 10, "the task done at the provider")
    again = make_studio("dashscope")
    done = wait_for_state(again, job.id, JobState.SUCCEEDED)
    assert probe_video(done.output_path).video_codec == "h264"
    assert emulator.control.creates("dashscope") == 1


def test_cancel_while_the_provider_is_refusing_sends_nothing_more(make_studio, emulator):
    emulator.control.add_fault(on="create", protocol="dashscope", kind="http", status=429, retry_after=2, times=5)
    studio = make_studio("dashscope", STUDIO_REQUESTS_PER_MINUTE="0")
    studio.runner.time_scale = 1.0  # wait the provider's Retry-After for real
    job = submit(studio, "t2v", prompt="x", duration=3)
    wait_until(lambda: "provider busy" in " ".join(e["detail"] or "" for e in studio.core.history(LOCAL, job.id)),
               10, "the provider's refusal in the job's history")
    cancelled = studio.core.cancel(LOCAL, job.id)
    assert cancelled.state is JobState.CANCELLED and "nothing was billed" in cancelled.error_message
    wait_until(lambda: studio.runner.looked_at(job.id), 10, "the runner done with the job")  # sends nothing more
    assert studio.core.job(LOCAL, job.id).state is JobState.CANCELLED
    assert len(emulator.control.requests(protocol="dashscope", method="POST",
                                         path_prefix="/api/v1/services")) == 1
    assert emulator.control.creates("dashscope") == 0


def test_a_streamed_job_still_has_a_deadline(make_studio, emulator):
    emulator.control.configure(task_seconds=60)
    studio = make_studio("inferencesh", STUDIO_JOB_DEADLINE="1")
    job = finish(studio, submit(studio, "t2v", prompt="x", duration=3), timeout=30)
    assert job.state is JobState.FAILED and job.error_code == "deadline"


def test_a_refused_status_read_keeps_the_providers_words_and_waits_for_the_key(make_studio, emulator):
    emulator.control.add_fault(on="status", protocol="dashscope", kind="http", status=401, code="InvalidApiKey",
                               message="Invalid API-key provided.", times=-1)
    studio = make_studio("dashscope")
    job = submit(studio, "t2v", prompt="x", duration=3)
    waiting = wait_until(lambda: (j := studio.core.job(LOCAL, job.id)).error_code == "key_refused" and j, 20,
                         "the provider's refusal kept on the job")
    assert waiting.state is JobState.RUNNING
    assert "InvalidApiKey" in waiting.error_message and "DASHSCOPE_API_KEY" in waiting.error_message
    emulator.control.clear_faults()
    done = finish(studio, job)
    assert done.state is JobState.SUCCEEDED and done.error_message is None


def test_one_command_imports_the_collect_only_after_its_create_is_out(emulator, tmp_path, monkeypatch):
    """`generate` (resume=False) sends first and warms up after: the imports no longer compete with the
    create. The studio itself (resume=True) warms up at its start, as before."""
    from studio.jobs import runner as runner_module
    from studio.service import Studio
    from tests.conftest import settings_for

    warmed: list[float] = []
    monkeypatch.setattr(runner_module, "warm_up", lambda: warmed.append(time.time()))
    studio = Studio(settings_for(emulator, tmp_path, "dashscope"), time_scale=0.05).start(resume=False)
    try:
        time.sleep(0.2)
        assert warmed == []  # nothing sent yet: nothing to collect
        job = finish(studio, submit(studio, "t2v", prompt="a horse at dusk", duration=3))
        assert job.state is JobState.SUCCEEDED
        created = [r["time"] for r in emulator.control.requests(method="POST") if "video-synthesis" in r["path"]]
        assert len(warmed) == 1 and warmed[0] >= max(created)
    finally:
        studio.close()
    server = Studio(settings_for(emulator, tmp_path / "server", "dashscope"), time_scale=0.05).start()
    try:
        wait_until(lambda: len(warmed) == 2, 5, "the studio's warm-up at its start")
    finally:
        server.close()
