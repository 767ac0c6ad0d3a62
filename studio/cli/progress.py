"""Following a job from a terminal: one live line on a terminal, plain lines otherwise.

The line says the state, the time elapsed, the time to expect when earlier
jobs of the same kind tell it, and the percentage when the backend reports
one. Progress goes to stderr; the result (clip path or JSON record) to stdout.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import TextIO

from studio.jobs.model import Job, JobState
from studio.service import Caller, Studio

STEP = 0.1  # plain lines: one per state change and per 10 % of progress


def clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}:{s:02d}"


def expected_seconds(studio: Studio, caller: Caller, job: Job) -> float | None:
    """How long jobs like this one take: the learned provider time of its shape and model (studio.jobs.timing)
    once there is enough history, else on a real provider its model's typical render time (a 15 s 1080P clip
    takes about 12 minutes on HappyHorse 1.1), else (a preview, an emulator) the median of the last few of
    the same shape and model that succeeded."""
    learned = studio.core.expected_time(caller, job.id).seconds
    if learned is not None:
        return learned
    like = [j.updated_at - j.created_at for j in studio.core.jobs(caller, 100)
            if j.id != job.id and j.state is JobState.SUCCEEDED and j.backend == job.backend
            and j.model == job.model  # a Wan 2.7 clip says nothing of HappyHorse's time
            and j.variant is job.variant and j.request.resolution == job.request.resolution
            and j.request.duration == job.request.duration and j.updated_at > j.created_at]
    return statistics.median(like[:10]) if like else None


def status_line(job: Job, elapsed: float, expected: float | None, label: str = "") -> str:
    parts = [job.state.words]
    if job.progress:
        parts.append(f"{job.progress * 100:.0f}%")
    parts.append(f"{clock(elapsed)} elapsed" + (f", about {clock(expected)} expected" if expected else ""))
    return f"job {job.id}{f' ({label})' if label else ''}: " + " · ".join(parts)


class Display:
    def __init__(self, expected: float | None, stream: TextIO, live: bool, label: str = ""):
        self.expected, self.stream, self.live, self.label = expected, stream, live, label
        self.start = time.monotonic()
        self.last: tuple[JobState, int] | None = None
        self.width = 0

    def __call__(self, job: Job) -> None:
        line = status_line(job, time.monotonic() - self.start, self.expected, self.label)
        if self.live:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
            self.stream.flush()
            return
        mark = (job.state, int((job.progress or 0) / STEP))
        if mark != self.last:
            self.last = mark
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.live and self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0  # closed once: the line is ended


def watch(studio: Studio, caller: Caller, job: Job, as_json: bool = False, label: str = "") -> Job:
    """Show the job's progress until it ends and return it. Ctrl-C says the job is kept, then goes on up."""
    studio.core.follow(caller, job.id)
    display = Display(expected_seconds(studio, caller, job), sys.stderr, live=sys.stderr.isatty() and not as_json,
                      label=label)
    try:
        return studio.core.wait(caller, job.id, interval=0.5, on_update=display)
    except KeyboardInterrupt:
        display.close()
        print(f"stopped following job {job.id}; it is kept in the ledger and resumes when the studio or "
              f"`wait {job.id}` runs", file=sys.stderr)
        raise
    finally:
        display.close()


def follow(studio: Studio, caller: Caller, job: Job, as_json: bool = False) -> int:
    """Show the job's progress until it ends; print the clip's path (or the record); 0 if it succeeded."""
    try:
        job = watch(studio, caller, job, as_json)
    except KeyboardInterrupt:
        return 130
    if as_json:
        print(json.dumps(job.record(), indent=2, ensure_ascii=False))
    elif job.state is JobState.SUCCEEDED:
        print(studio.media_path(job.output_path) or job.output_path)  # a bucket's clip: its local copy
    else:
        print(f"{job.state.words}: {job.error_message}", file=sys.stderr)
    return 0 if job.state is JobState.SUCCEEDED else 1
