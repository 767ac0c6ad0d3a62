"""Start-up refuses a configuration that cannot work, before serving, naming the variable to change."""

import os
import socket
import subprocess
import sys

from tests.app_fixture import ROOT, free_port


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


def test_a_bad_region_or_workspace_is_refused_in_one_line_naming_the_variable(tmp_path):
    for env, words in ((dict(DASHSCOPE_REGION="mars"), "DASHSCOPE_REGION='mars' is unknown"),
                       (dict(DASHSCOPE_REGION="frankfurt"), "DASHSCOPE_REGION=frankfurt has only workspace hosts"),
                       (dict(DASHSCOPE_WORKSPACE_ID="ws/1"), "DASHSCOPE_WORKSPACE_ID='ws/1' is not a workspace id")):
        proc = start(tmp_path, GRADIO_SERVER_PORT=str(free_port()), **env)
        assert proc.returncode != 0 and words in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Open http" not in proc.stdout
