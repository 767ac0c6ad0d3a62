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

from harness.process import Running, Starting

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RunningApp(Running):
    data_dir: Path = Path()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, extra_env: dict[str, str] | None = None, port: int | None = None) -> RunningApp:
    """Start the studio and wait until it answers, for as long as it is getting somewhere (harness.process)."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND")}
    env.update({"STUDIO_DATA_DIR": str(data_dir), "GRADIO_SERVER_PORT": str(port),
                "GRADIO_ANALYTICS_ENABLED": "False", **(extra_env or {})})
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"app-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    starting = Starting(proc, "the studio", log_path)
    while True:
        try:
            if httpx.get(url + "gradio_api/info", timeout=5).status_code == 200:
                return RunningApp(url=url, process=proc, log_path=log_path, data_dir=data_dir)
        except httpx.HTTPError:
            pass
        starting.check()
        time.sleep(0.3)


def stop_app(app: RunningApp, kill: bool = False) -> None:
    if app.process.poll() is None:
        app.process.kill() if kill else app.process.terminate()
        try:
            app.process.wait(20)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait(10)
