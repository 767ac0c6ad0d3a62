"""Money honesty: a task the provider finished is billed and its clip collected, however long it takes.

A restart without the provider key waits for it; a job past its deadline whose task finishes anyway
is collected and shows its cost.
"""



import pytest

from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from studio.service import LOCAL, Studio
from studio.ui.tiles import cost_line
from tests.conftest import settings_for, submit, wait_for_state, wait_until


def test_a_restart_without_the_key_waits_for_it_and_then_collects(make_studio, emulator, tmp_path):
    emulator.control.configure(task_seconds=2)
    first = make_studio("dashscope")
    job = submit(first, "t2v", prompt="x", duration=3)
    wait_for_state(first, job.id, JobState.RUNNING)
    first.close()
    keyless = settings_for(emulator, tmp_path, "preview", DASHSCOPE_API_KEY="")
    second = Studio(keyless, time_scale=0.05).start()
    try:
        waiting = second.core.wait(LOCAL, job.id, timeout=20, interval=0.05,
                              until=lambda j: j.error_code == "needs_key" or j.state.finished)
        assert waiting.state is JobState.RUNNING
        assert "needs the DASHSCOPE_API_KEY to continue" in waiting.error_message
        assert "Error" not in waiting.error_message
    finally:
        second.close()
    third = make_studio("dashscope")
    done = wait_for_state(third, job.id, JobState.SUCCEEDED)
    assert done.error_message is None and probe_video(done.output_path).video_codec == "h264"
    assert emulator.control.creates("dashscope") == 1


def test_a_task_that_finishes_after_the_deadline_is_collected_and_billed(make_studio, emulator):
    emulator.control.configure(task_seconds=4)
    emulator.control.add_fault(on="cancel", protocol="dashscope", kind="http", status=400,
                               code="UnsupportedOperation", message="task is running", times=-1)
    studio = make_studio("dashscope", STUDIO_JOB_DEADLINE="1")
    job = submit(studio, "t2v", prompt="x", duration=3)
    late = studio.core.wait(LOCAL, job.id, timeout=20, interval=0.05, until=lambda j: j.state.finished)
    assert late.state is JobState.FAILED and late.error_code == "deadline"
    assert "may" in cost_line(late) or "no money" in cost_line(late)
    assert "keeps checking" in late.error_message
    done = wait_for_state(studio, job.id, JobState.SUCCEEDED, timeout=30)
    assert done.cost_usd == 0.42 and probe_video(done.output_path).video_codec == "h264"
    assert "arrived after the deadline" in [e["detail"] for e in studio.core.history(LOCAL, job.id)]
    assert emulator.control.creates("dashscope") == 1


def test_a_clip_that_is_not_an_mp4_is_billed_and_names_no_file(make_studio, emulator):
    emulator.control.add_fault(on="download", protocol="dashscope", kind="malformed", times=-1)
    studio = make_studio("dashscope")
    job = submit(studio, "t2v", prompt="x", duration=3)
    owed = wait_for_state(studio, job.id, JobState.UNCOLLECTED)
    assert owed.cost_usd == 0.42 and "not a playable MP4" in owed.error_message
    assert job.id not in owed.error_message and ".mp4" not in owed.error_message
    emulator.control.clear_faults()
    assert studio.billing.collect_again(LOCAL, job.id).state in (JobState.SUCCEEDED, JobState.UNCOLLECTED)
    assert wait_for_state(studio, job.id, JobState.SUCCEEDED).output_path
    assert emulator.control.creates("dashscope") == 1


def test_collect_again_through_the_api_for_your_own_job_only(emulator, tmp_path):
    from gradio_client import Client

    from harness.app import start_app, stop_app

    emulator.control.add_fault(on="download", protocol="dashscope", kind="forbidden", times=-1)
    app = start_app(tmp_path / "app-data", {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-test",
                                            "DASHSCOPE_BASE_URL": emulator.url, "STUDIO_MULTI_USER": "1"})
    try:
        client = Client(app.url, verbose=False)
        with pytest.raises(Exception, match="Billed, clip not collected yet") as told:
            client.predict(prompt="a horse", duration=3, watermark="false", api_name="/text_to_video")
        assert "Run again" not in str(told.value) and ".part" not in str(told.value)
        (owed,) = client.predict(api_name="/list_jobs")
        assert owed["state"] == "uncollected" and owed["cost_usd"] == 0.42
        assert owed["request"]["watermark"] is False
        other = Client(app.url, verbose=False)
        with pytest.raises(Exception, match="No job"):
            other.predict(job_id=owed["id"], api_name="/collect_again")
        emulator.control.clear_faults()
        done = client.predict(job_id=owed["id"], api_name="/collect_again")
        if done["state"] != "succeeded":  # the try may still be on its way
            done = client.predict(job_id=owed["id"], api_name="/job_status")
        assert done["state"] == "succeeded" and done["output_path"]
        assert emulator.control.creates("dashscope") == 1
    finally:
        stop_app(app)


def test_an_owed_clip_survives_a_restart_without_the_key_and_comes_home_with_it(make_studio, emulator, tmp_path):
    emulator.control.add_fault(on="download", protocol="dashscope", kind="forbidden", times=-1)
    first = make_studio("dashscope")
    job = submit(first, "t2v", prompt="x", duration=3)
    wait_for_state(first, job.id, JobState.UNCOLLECTED)
    first.close()
    keyless = Studio(settings_for(emulator, tmp_path, "preview", DASHSCOPE_API_KEY=""), time_scale=0.05).start()
    try:
        wait_until(lambda: keyless.runner.looked_at(job.id), 20, "the keyless studio done with the job for now")
        kept = keyless.core.job(LOCAL, job.id)
        assert kept.state is JobState.UNCOLLECTED and kept.error_code == "not_collected"
    finally:
        keyless.close()
    emulator.control.clear_faults()
    again = make_studio("dashscope")
    done = wait_for_state(again, job.id, JobState.SUCCEEDED)
    assert done.cost_usd == 0.42 and emulator.control.creates("dashscope") == 1
