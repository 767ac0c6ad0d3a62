"""A real studio process (python app.py) on a free loopback port, with its own data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 90,
              port: int | None = None) -> RunningApp:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND")}
    env.update({"STUDIO_DATA_DIR": str(data_dir), "GRADIO_SERVER_PORT": str(port),
                "GRADIO_ANALYTICS_ENABLED": "False", **(extra_env or {})})
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"app-{port}.log"
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the studio exited:\n{log_path.read_text()}")
        try:
            if httpx.get(url + "gradio_api/info", timeout=2).status_code == 200:
                return RunningApp(url, data_dir, proc, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the studio did not start in {timeout} s:\n{log_path.read_text()}")


def stop_app(app: RunningApp, kill: bool = False) -> None:
    if app.process.poll() is None:
        app.process.kill() if kill else app.process.terminate()
        try:
            app.process.wait(20)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait(10)


def seeded_app(tmp_path_factory, name: str, jobs: int, states: bool = True):
    """A studio whose ledger holds `jobs` finished jobs (of every state unless states=False: see
    tests.gallery_seed), for a module fixture to `yield from`."""
    from tests.gallery_seed import seed_jobs

    data = tmp_path_factory.mktemp(name) / "data"
    seed_jobs(data, jobs, states=states)
    app = start_app(data)
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def studio_app(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("studio") / "data")
    yield app
    stop_app(app)
