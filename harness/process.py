"""Waiting for a process to start, for as long as it is getting somewhere.

A fixed start-up timeout fails on a busy machine (a studio that starts in 5 s on a quiet one took more
than 90 s on a loaded CI runner). A start is waited for while the process is alive and shows progress:
it uses CPU time or writes to its log. It fails when the process exits, when it shows no progress for
QUIET seconds, or after LIMIT seconds whatever it does.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

QUIET = 60.0    # seconds without any progress: stuck
LIMIT = 900.0   # seconds in all: however loaded the machine, a start this long is a failure


@dataclass
class Running:
    """A process the harness started, where it answers, and its log."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process has used (Linux /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Starting:
    """A process on its way up: check() between looks at whether it is ready."""

    def __init__(self, proc: subprocess.Popen, what: str, log_path: Path | None = None,
                 quiet: float = QUIET, limit: float = LIMIT):
        self.proc, self.what, self.log_path = proc, what, log_path
        self.quiet, self.limit = quiet, limit
        self.started = self.seen = time.monotonic()
        self.last = self._mark()

    def _mark(self) -> tuple:
        size = self.log_path.stat().st_size if self.log_path and self.log_path.exists() else 0
        return cpu_seconds(self.proc.pid), size

    def check(self) -> None:
        """Raise RuntimeError when the process exited, is stuck, or is past the limit."""
        now = time.monotonic()
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.what} exited while starting:\n{self.log()}")
        mark = self._mark()
        if mark != self.last:
            self.last, self.seen = mark, now
        if now - self.seen > self.quiet or now - self.started > self.limit:
            self.proc.kill()
            self.proc.wait()
            why = f"no progress for {self.quiet:g} s" if now - self.seen > self.quiet else f"over {self.limit:g} s"
            raise RuntimeError(f"{self.what} did not start ({why}, {now - self.started:.0f} s in all):\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path and self.log_path.exists() else ""
