"""Nothing paid for is lost: SIGKILL the studio at each stage of a job and start it again.

Runs with the ledger in SQLite and in PostgreSQL (tests.pg_fixture).

The studio runs as `python app.py` against the emulator; the test reads the
ledger the way the gallery does. After the restart every job must end in the
right state with its clip, and the emulator must have seen exactly one create.
"""


import pytest
from gradio_client import Client

from harness.app import start_app, stop_app
from studio.jobs.ledger import Ledger
from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from tests.conftest import database_env, wait_until


def studio_env(emulator):
    return {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-test", "DASHSCOPE_BASE_URL": emulator.url}


def submit_in_background(app):
    """Press Generate through the API and walk away (the job must not depend on this client)."""
    client = Client(app.url, verbose=False)
    client.submit("a horse in the rain, push in", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    return client


def wait_for(ledger, predicate, timeout=30):
    """The newest job once predicate(job) holds."""
    return wait_until(lambda: (jobs := ledger.list("local")) and predicate(jobs[0]) and jobs[0], timeout,
                      "the job at the expected stage")


@pytest.mark.parametrize("stage", ["before create returns", "while running", "while downloading"])
def test_sigkill_at_each_stage_then_restart(emulator, tmp_path, stage, store, request):
    data = tmp_path / "data"
    database = database_env(store, request)
    if stage == "before create returns":
        emulator.control.add_fault(on="create", protocol="dashscope", kind="slow", delay=2.0)
    elif stage == "while running":
        emulator.control.configure(task_seconds=3.0)
    else:
        emulator.control.add_fault(on="download", protocol="dashscope", kind="slow", delay=3.0)
    app = start_app(data, {**studio_env(emulator), **database})
    ledger = Ledger(database.get("STUDIO_DATABASE_URL") or data / "ledger.sqlite3")
    try:
        client = submit_in_background(app)
        want = {"before create returns": JobState.SUBMITTING, "while running": JobState.RUNNING,
                "while downloading": JobState.DOWNLOADING}[stage]
        job = wait_for(ledger, lambda j: j.state is want)
        if stage == "while running":
            assert job.task_id, "the task id must be in the ledger before the studio waits on it"
        if stage == "before create returns":  # kill once the create has reached the provider
            wait_until(lambda: emulator.control.requests(protocol="dashscope", method="POST",
                                                         path_prefix="/api/v1/services"),
                       10, "the create at the emulator", interval=0.02)
        stop_app(app, kill=True)  # SIGKILL: no cleanup of any kind
        client.close()
    finally:
        stop_app(app, kill=True)
    if stage == "before create returns":
        wait_until(lambda: emulator.control.creates("dashscope"), 10, "the create done at the provider after all")

    again = start_app(data, {**studio_env(emulator), **database})
    try:
        final = wait_for(ledger, lambda j: j.state.finished)
    finally:
        stop_app(again)
    assert emulator.control.creates("dashscope") == 1
    if stage == "before create returns":
        assert final.state is JobState.UNSURE and "may have started a billed task" in final.error_message
    else:
        assert final.state is JobState.SUCCEEDED, final.error_message
        info = probe_video(final.output_path)
        assert info.video_codec == "h264" and abs(info.duration - 3) < 0.1
        assert final.cost_usd == 0.42
    assert not list((data / "media").glob(".*")), "a half-written file was left behind"
    states = [e["state"] for e in ledger.events(final.id)]
    assert states[0] == "queued" and states[-1] == final.state.value
