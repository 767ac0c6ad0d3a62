"""What the emulator remembers, in memory: settings, tasks, uploaded files, the request log.

Tasks move through inference.sh's stage names; each protocol maps them to its
own status words (DASHSCOPE_STATUS, STATUS_CODES). Every change bumps the task's
version and wakes whoever streams it. One Store per emulator process; a lock
guards the dicts so the control API and the protocol handlers never race.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from studio.emulator.faults import FaultBook

STATUS_CODES = {
    "unknown": 0, "received": 1, "queued": 2, "dispatched": 3, "preparing": 4, "serving": 5,
    "setting_up": 6, "running": 7, "cancelling": 8, "uploading": 9, "completed": 10,
    "failed": 11, "cancelled": 12, "rejected": 13,
}
TERMINAL = frozenset({"completed", "failed", "cancelled", "rejected"})
DASHSCOPE_STATUS = {
    "received": "PENDING", "queued": "PENDING", "dispatched": "RUNNING", "preparing": "RUNNING",
    "serving": "RUNNING", "setting_up": "RUNNING", "running": "RUNNING", "cancelling": "RUNNING",
    "uploading": "RUNNING", "completed": "SUCCEEDED", "failed": "FAILED", "rejected": "FAILED",
    "cancelled": "CANCELED", "unknown": "UNKNOWN",
}
MAX_LOGGED_REQUESTS = 20_000


@dataclass
class Config:
    """Settings a test may change at runtime (POST /_emulator/config)."""

    task_seconds: float = 3.0       # create -> terminal, for tasks created from now on
    heartbeat_seconds: float = 0.5  # inference.sh stream heartbeat interval
    string_status: bool = False     # inference.sh streams send "running" instead of 7
    output_as_string: bool = False  # inference.sh output {"video": "url"} instead of {"uri": url}
    strict_keys: bool = False       # keys must have the provider's shape (sk-..., inf_...); see keys.py
    # A task's duration may depend on its settings (benchmarks): task_seconds plus
    # seconds_per_output_second for each second of output, times hd_factor at 1080P,
    # times 1 +/- spread, drawn from the seed (the same seed gets the same time).
    seconds_per_output_second: float = 0.0
    hd_factor: float = 1.0
    spread: float = 0.0

    def seconds_for(self, job: "Job") -> float:
        """How long a task with these settings takes, create to terminal."""
        base = self.task_seconds + self.seconds_per_output_second * job.seconds
        if job.resolution == "1080P":
            base *= self.hd_factor
        return max(0.0, base * (1.0 + self.spread * _unit(job.seed)))

    def update(self, values: dict[str, Any]) -> None:
        """Apply known keys after checking their types; raise ValueError naming the bad one."""
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(known)}")
            if known[key] == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{key} must be a number >= 0")
        for key, value in values.items():
            setattr(self, key, float(value) if known[key] == "float" else value)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Job:
    """A request both protocols agree on, checked, with the output it will produce."""

    variant: str
    prompt: str
    resolution: str
    ratio: str | None
    duration: int | None
    seed: int | None
    watermark: bool
    audio_setting: str | None
    width: int = 0
    height: int = 0
    seconds: float = 0.0
    input_seconds: float | None = None  # edit: the part of the source the model used
    model: str = ""                     # the model's name, for the task's logs
    negative_prompt: str | None = None  # Wan 2.7
    prompt_extend: bool | None = None   # Wan 2.7: the prompt is rewritten (actual_prompt in the answer)


@dataclass
class Task:
    id: str
    protocol: str            # "dashscope" | "inferencesh"
    model: str               # DashScope model id or inference.sh app
    owner: str               # the API key that created it
    job: Job
    input: Any = None        # inference.sh: the input as sent, echoed back
    webhook: str | None = None
    request: dict[str, Any] | None = None  # what the client sent (headers without the key), for tests
    total_seconds: float = 3.0
    created: float = field(default_factory=time.time)
    stage: str = "received"
    updated: float = 0.0
    scheduled: float | None = None
    ended: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    planned_failure: dict[str, Any] | None = None
    expired: bool = False
    clip: Path | None = None
    clip_size: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    version: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def __post_init__(self) -> None:
        self.updated = self.created
        self._record_event(self.stage)

    @property
    def terminal(self) -> bool:
        return self.stage in TERMINAL

    def set_stage(self, stage: str, log: str | None = None) -> None:
        self.stage = stage
        self.updated = time.time()
        if stage == "dispatched" and self.scheduled is None:
            self.scheduled = self.updated
        if stage in TERMINAL:
            self.ended = self.updated
        self._record_event(stage)
        if log:
            self.logs.append({"id": new_id(), "task_id": self.id, "created_at": iso(self.updated),
                              "log_type": 4, "content": log})
        self.bump()

    def bump(self) -> None:
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_change(self, version: int, timeout: float) -> bool:
        """Wait until the task changes past `version`; False when the timeout passed first."""
        if self.version != version:
            return True
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            return self.version != version
        return True

    def _record_event(self, stage: str) -> None:
        t = self.updated or self.created
        self.events.append({"id": new_id(), "task_id": self.id, "status": STATUS_CODES[stage],
                            "event_time": iso(t), "created_at": iso(t)})


@dataclass
class Upload:
    """An inference.sh file (POST /files, then PUT) or a DashScope OSS object."""

    id: str
    filename: str
    content_type: str
    size: int | None
    uri: str
    data: bytes | None = None
    owner: str = ""
    model: str | None = None   # OSS: the model whose policy it was uploaded under
    created: float = field(default_factory=time.time)


@dataclass
class Policy:
    """A DashScope getPolicy answer we issued; uploads to /oss must match it."""

    upload_dir: str
    policy: str
    signature: str
    access_key_id: str
    model: str
    owner: str
    expires: float
    max_bytes: int
    acl: str = "private"
    forbid_overwrite: str = "true"


class Store:
    def __init__(self, config: Config, base_url: str) -> None:
        self.base_url = base_url
        self.initial_config = Config(**config.as_dict())
        self.config = config
        self.lock = threading.RLock()
        self.secret = secrets.token_bytes(32)  # signs policies and result URLs
        self.faults = FaultBook()
        self.background: set[asyncio.Task[Any]] = set()
        self._clear()

    def _clear(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.files: dict[str, Upload] = {}      # inference.sh file id -> upload
        self.oss: dict[str, Upload] = {}        # OSS key -> object
        self.policies: dict[str, Policy] = {}   # policy string -> policy
        self.creates = {"dashscope": 0, "inferencesh": 0}
        self.requests: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []

    def reset(self) -> None:
        """Forget everything a test did: tasks, files, faults, counters, settings."""
        with self.lock:
            for job in list(self.background):
                job.cancel()
            self.background.clear()
            self.faults.clear()
            self.config.update(self.initial_config.as_dict())
            self._clear()

    def add_task(self, task: Task) -> None:
        with self.lock:
            self.tasks[task.id] = task
            self.creates[task.protocol] += 1

    def task(self, task_id: str, protocol: str, owner: str) -> Task | None:
        """The caller's task, or None when it does not exist, expired, or is someone else's."""
        with self.lock:
            task = self.tasks.get(task_id)
        if task is None or task.protocol != protocol or task.owner != owner or task.expired:
            return None
        return task

    def spawn(self, coro: Any) -> None:
        """Run a coroutine in the background, keeping a reference until it ends."""
        job = asyncio.get_running_loop().create_task(coro)
        with self.lock:
            self.background.add(job)
        job.add_done_callback(self.background.discard)

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)
            if len(self.requests) > MAX_LOGGED_REQUESTS:
                del self.requests[: len(self.requests) - MAX_LOGGED_REQUESTS]

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "creates": dict(self.creates),
                "requests": list(self.requests),
                "tasks": {t.id: {"protocol": t.protocol, "model": t.model, "variant": t.job.variant,
                                 "stage": t.stage, "status": native_status(t), "expired": t.expired,
                                 "width": t.job.width, "height": t.job.height, "seconds": t.job.seconds,
                                 "webhook": t.webhook, "request": t.request,
                                 "created": t.created, "ended": t.ended}
                          for t in self.tasks.values()},
                "webhooks": list(self.webhooks),
                "faults": self.faults.describe(),
                "config": self.config.as_dict(),
            }


def _unit(seed: int | None) -> float:
    """A number in [-1, 1] fixed by the seed (random when there is none)."""
    if seed is None:
        return secrets.randbelow(2_000_001) / 1_000_000 - 1.0
    return ((seed * 2654435761) % 2**32) / 2**31 - 1.0


def client_request(headers: Any, body: Any) -> dict[str, Any]:
    """A create request as recorded for /_emulator/stats: the body, and headers minus credentials."""
    return {"headers": {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")},
            "body": body}


def native_status(task: Task) -> Any:
    if task.protocol == "dashscope":
        return "UNKNOWN" if task.expired else DASHSCOPE_STATUS[task.stage]
    return STATUS_CODES[task.stage]


def new_id(n: int = 24) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(n))


def iso(t: float) -> str:
    """inference.sh timestamps: RFC 3339 in UTC."""
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dashscope_time(t: float | None) -> str | None:
    """DashScope timestamps: '2025-09-25 17:28:48.123' in the server's local time."""
    if t is None:
        return None
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
