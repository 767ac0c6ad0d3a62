"""Start-up refuses a configuration that cannot work, before serving, naming the variable to change."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

from gradio_client import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness.app import ROOT, free_port, start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from studio.jobs.ledger import Ledger
from tests.conftest import wait_until


def start(tmp_path, **env):
    keys = ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND")
    base = {k: v for k, v in os.environ.items() if k not in keys}
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "STUDIO_DATA_DIR": str(tmp_path / "data"), **env})


def test_a_backend_without_its_key_is_refused(tmp_path):
    for backend, key in (("dashscope", "DASHSCOPE_API_KEY"), ("inferencesh", "INFERENCE_API_KEY")):
        proc = start(tmp_path, STUDIO_BACKEND=backend, GRADIO_SERVER_PORT=str(free_port()))
        assert proc.returncode != 0 and f"STUDIO_BACKEND={backend} needs {key}" in proc.stderr
        assert "Open http" not in proc.stdout


def test_a_busy_port_is_refused_in_words(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start(tmp_path, GRADIO_SERVER_PORT=str(port))
    assert proc.returncode != 0 and f"Port {port} on 127.0.0.1 is already in use" in proc.stderr
    assert "GRADIO_SERVER_PORT" in proc.stderr and "Errno" not in proc.stderr and "Open http" not in proc.stdout


def one_line_refusal(proc, variable: str) -> str:
    """A refusal is one line naming the variable, exit 2, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and variable in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and "Open http" not in proc.stdout
    return lines[0]


def test_a_ledger_url_that_cannot_be_reached_is_refused_in_one_line_instead_of_hanging(tmp_path):
    with socket.socket() as closed:  # a port nobody listens on: refused at once
        closed.bind(("127.0.0.1", 0))
        refused_port = closed.getsockname()[1]
    silent = socket.socket()  # a server that takes the connection and never answers: without a connect
    silent.bind(("127.0.0.1", 0))  # timeout the studio would wait for it forever
    silent.listen()
    try:
        for port in (refused_port, silent.getsockname()[1]):
            url = f"postgresql://studio:pw-secret-123@127.0.0.1:{port}/studio"
            for command in (["app.py"], ["-m", "studio", "jobs"]):
                proc = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True,
                                      timeout=180, env={**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"),
                                                        "GRADIO_SERVER_PORT": str(free_port()),
                                                        "STUDIO_DATABASE_URL": url})
                line = one_line_refusal(proc, "STUDIO_DATABASE_URL")
                assert f"127.0.0.1:{port}" in line and "pw-secret-123" not in proc.stderr + proc.stdout
    finally:
        silent.close()


def test_settings_out_of_range_are_refused_naming_the_variable(tmp_path):
    for variable, value in (("GRADIO_SERVER_PORT", "99999"), ("GRADIO_SERVER_PORT", "web"),
                            ("STUDIO_JOB_DEADLINE", "soon"), ("STUDIO_MAX_IN_FLIGHT", "-3"),
                            ("STUDIO_REQUESTS_PER_MINUTE", "lots")):
        one_line_refusal(start(tmp_path, **{variable: value}), f"{variable}={value!r}")


def test_the_start_says_which_ledger_it_uses(tmp_path):
    app = start_app(tmp_path / "data")
    try:
        assert f"Ledger: SQLite file {tmp_path / 'data' / 'ledger.sqlite3'}" in app.log()
    finally:
        stop_app(app)


def stop_with_ctrl_c(app) -> tuple[float, str]:
    started = time.monotonic()
    app.process.send_signal(signal.SIGINT)
    app.process.wait(timeout=120)
    return time.monotonic() - started, app.log()


def test_ctrl_c_stops_a_studio_serving_mcp_promptly_and_quietly(tmp_path):
    app = start_app(tmp_path / "data", {"GRADIO_MCP_SERVER": "true"})

    async def one_call():
        async with streamable_http_client(app.url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("quote", {"variant": "t2v"})

    assert not asyncio.run(one_call()).isError
    took, log = stop_with_ctrl_c(app)  # it used to wait for the MCP client's open stream forever
    assert took < 30 and app.process.returncode == 0, (took, log)
    assert "Stopped." in log and "Traceback" not in log and "KeyboardInterrupt" not in log, log


def test_ctrl_c_while_an_api_caller_follows_a_job_stops_at_once_and_the_next_start_finishes_it(tmp_path):
    emulator = start_emulator(task_seconds=45)
    env = {"DASHSCOPE_API_KEY": "sk-test-key-1", "DASHSCOPE_BASE_URL": emulator.url}
    try:
        app = start_app(tmp_path / "data", env)
        Client(app.url, verbose=False).submit("a horse at dusk", "720P", "16:9", 3, False, "",
                                                       api_name="/text_to_video")
        ledger = Ledger(tmp_path / "data" / "ledger.sqlite3")
        wait_until(lambda: any(j.task_id for j in ledger.unfinished()), 60, "a job at the provider")
        took, log = stop_with_ctrl_c(app)
        assert took < 30, (took, log)  # not until the job ends (45 s at the provider)
        assert "1 unfinished job stay" in log and "Traceback" not in log, log
        (job,) = ledger.unfinished()
        again = start_app(tmp_path / "data", env)  # the same data folder: the job is followed again
        try:
            wait_until(lambda: ledger.get(job.id).state.finished, 180, "the job finished by the next start")
            assert ledger.get(job.id).state.value == "succeeded"
            assert emulator.control.stats()["creates"]["dashscope"] == 1  # followed again, never sent twice
        finally:
            stop_app(again)
    finally:
        stop_emulator(emulator)


def test_frame_ancestors_must_be_origins(tmp_path):
    one_line_refusal(start(tmp_path, STUDIO_FRAME_ANCESTORS="https://ok.example javascript:alert(1)"),
                     "STUDIO_FRAME_ANCESTORS")
    one_line_refusal(start(tmp_path, STUDIO_FRAME_ANCESTORS="https://x.example/path"), "STUDIO_FRAME_ANCESTORS")


def test_a_bad_region_or_workspace_is_refused_in_one_line_naming_the_variable(tmp_path):
    for env, words in ((dict(DASHSCOPE_REGION="mars"), "DASHSCOPE_REGION='mars' is unknown"),
                       (dict(DASHSCOPE_REGION="frankfurt"), "DASHSCOPE_REGION=frankfurt has only workspace hosts"),
                       (dict(DASHSCOPE_WORKSPACE_ID="ws/1"), "DASHSCOPE_WORKSPACE_ID='ws/1' is not a workspace id")):
        proc = start(tmp_path, GRADIO_SERVER_PORT=str(free_port()), **env)
        assert proc.returncode != 0 and words in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Open http" not in proc.stdout
