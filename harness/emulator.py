"""The emulator (python -m studio.emulator) as a process on 127.0.0.1: both providers' protocols, real MP4s."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.app import ROOT
from harness.process import Running, Starting
from studio.emulator.control import EmulatorControl

TASK_SECONDS = 0.2
BANNER = "emulator listening on "


@dataclass
class RunningEmulator(Running):
    control: EmulatorControl | None = None


def start_emulator(task_seconds: float = TASK_SECONDS, port: int = 0, log_path: Path | None = None,
                   parent: bool = True) -> RunningEmulator:
    """Start `python -m studio.emulator` and read its address from its first line (`port` 0: a free one).
    parent: it ends itself when this process ends."""
    log_path = log_path or Path(tempfile.mkstemp(prefix="emulator-", suffix=".log")[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "studio.emulator", "--port", str(port), "--task-seconds", str(task_seconds)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command + (["--parent-pid", str(os.getpid())] if parent else []), cwd=ROOT,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True)
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    starting = Starting(proc, "the emulator", log_path)
    while reader.is_alive():
        reader.join(0.3)
        if reader.is_alive():
            starting.check()
    line = first[0].strip() if first else ""
    if not line.startswith(BANNER):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the emulator did not start (first line {line!r}); log:\n{log_path.read_text()[-3000:]}")
    url = line[len(BANNER):]
    return RunningEmulator(url=url, control=EmulatorControl(url), process=proc, log_path=log_path)


def stop_emulator(running: RunningEmulator) -> None:
    proc = running.process
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
