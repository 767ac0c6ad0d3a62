"""The contract every backend implements.

A backend turns a validated Request into provider calls. The runner drives it
through fixed steps, and stores what each step returns before the next one:

    submit(job)   -> Submitted      create the task (never re-sent on an ambiguous failure)
    status(task)  -> TaskStatus     read where the task is (safe to retry)
    cancel(task)  -> bool           True when the provider cancelled it (not billed)
    download(st, dest)              write the finished clip to dest (a temporary path)

Provider JSON never leaves the adapter: these small types are all the runner sees.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from studio.variants import Request


class TaskState(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"  # expired, or never existed

    @property
    def terminal(self) -> bool:
        return self in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELED, TaskState.UNKNOWN)


@dataclass(frozen=True)
class JobSpec:
    """What a backend needs to start a job: the request plus the studio's own ids."""

    job_id: str
    request: Request
    seed: int  # the seed actually sent (the studio picks one when the user left it empty)
    webhook_url: str | None = None


@dataclass(frozen=True)
class Submitted:
    task_id: str
    request_id: str | None = None


@dataclass(frozen=True)
class TaskStatus:
    state: TaskState
    progress: float | None = None        # 0..1 when the provider says
    video_url: str | None = None
    video_bytes: int | None = None       # announced length, when known
    billed_seconds: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    request_id: str | None = None
    actual_prompt: str | None = None
    ran_seconds: float | None = None     # submitted to done, by the provider's own clock, when it says


@dataclass
class BackendInfo:
    name: str                 # "preview", "dashscope", "inferencesh"
    label: str                # shown to users
    region: str | None = None
    is_preview: bool = False
    poll_initial: float = 1.0  # seconds to hold calls after a throttled read without Retry-After
    poll_max: float = 5.0      # longest gap between status reads (studio.jobs.timing plans the rest)
    max_concurrent: int = 8    # tasks in flight at the provider
    requests_per_minute: int = 240
    extra: dict = field(default_factory=dict)


class Backend(abc.ABC):
    info: BackendInfo

    @abc.abstractmethod
    async def submit(self, spec: JobSpec) -> Submitted:
        """Create the task. Raise AmbiguousSubmit if the body may have reached the provider
        but no answer came back; ProviderError for a clear refusal."""

    @abc.abstractmethod
    async def status(self, task_id: str) -> TaskStatus:
        """Read the task. Raise TransientError for failures worth retrying."""

    @abc.abstractmethod
    async def cancel(self, task_id: str) -> bool:
        """Ask the provider to cancel. True if it did (the task will not be billed)."""

    @abc.abstractmethod
    async def download(self, status: TaskStatus, dest: Path,
                       on_progress: Callable[[float], None] | None = None) -> None:
        """Write the result video to dest. Raise ProviderError(code="expired") if the link expired."""

    def watch(self, task_id: str) -> AsyncIterator[TaskStatus] | None:
        """Optionally, a live stream of status updates ending at a terminal state.
        None (the default) means the runner polls status(). If the stream breaks,
        the runner falls back to polling."""
        return None

    def on_throttle(self, pause: Callable[[float], None]) -> None:
        """Call pause(seconds) whenever the provider answers 429 to a call the backend retries
        itself, so every job on this backend holds its calls too (the runner's shared pause)."""

    def forget(self, task_id: str) -> None:
        """The studio has its own copy of the result: drop any local working files for the task."""

    async def aclose(self) -> None:
        """Release connections."""
