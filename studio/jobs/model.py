"""A job as the ledger stores it."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from studio import models
from studio.variants import Request


class JobState(str, Enum):
    QUEUED = "queued"            # in the ledger, not yet sent
    SUBMITTING = "submitting"    # the create request is on its way
    RUNNING = "running"          # the provider has it (task id stored)
    DOWNLOADING = "downloading"  # finished at the provider; fetching the clip
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNSURE = "unsure"            # the create may or may not have reached the provider
    UNCOLLECTED = "uncollected"  # the provider finished and billed it; the clip is not here yet (retried)

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.UNSURE,
                        JobState.UNCOLLECTED)

    @property
    def words(self) -> str:
        return _WORDS[self]


class MadeAs(str, Enum):
    """How a derived job was made from its parent(s): its lineage."""

    RETRY = "retry of"          # Run again: same settings, a new seed
    FRAME = "frame of"          # its first frame or a reference is a frame of the parent clip
    FINAL = "final of"          # the same request and seed at 1080P
    EDIT = "edit of"            # a video edit whose source is the parent clip
    VARIATION = "variation of"  # the same request with a new seed, made in a set
    STITCH = "stitch of"        # a storyboard: the parents are its shots, in order


def is_loopback(url: str | None) -> bool:
    """True for an address on this machine (localhost, 127.0.0.0/8, ::1): never a real provider."""
    host = (urlsplit(url).hostname or "") if url else ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_WORDS = {
    JobState.QUEUED: "waiting to start",
    JobState.SUBMITTING: "sending to the provider",
    JobState.RUNNING: "generating",
    JobState.DOWNLOADING: "downloading the clip",
    JobState.SUCCEEDED: "done",
    JobState.FAILED: "failed",
    JobState.CANCELLED: "cancelled",
    JobState.UNSURE: "needs your decision",
    JobState.UNCOLLECTED: "billed, clip not collected yet",
}


@dataclass
class Job:
    id: str
    owner: str
    request: Request
    backend: str
    state: JobState = JobState.QUEUED
    region: str | None = None
    quote_usd: float = 0.0
    quote: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    task_id: str | None = None
    request_id: str | None = None
    progress: float | None = None
    output_path: str | None = None
    poster_path: str | None = None
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    billed_seconds: float | None = None
    cost_usd: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    parent_id: str | None = None
    payer: str | None = None             # whose budget the job counts against (see studio.budgets)
    key_source: str = "owner"            # "owner": the studio's key; "user": the user's own (never stored)
    parent_id: str | None = None     # the first parent (the only one, except for a stitch)
    made_as: MadeAs | None = None    # how it was made from its parents
    parents: tuple[str, ...] = ()    # every parent in order (the ledger's job_links)
    webhook_secret: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    deadline_at: float | None = None
    claimed_by: str | None = None
    claimed_at: float | None = None
    base_url: str | None = None  # where the job was sent (None for preview): a loopback one is an emulator
    favourite: bool = False              # starred in the gallery
    deleted_at: float | None = None      # deleted from the gallery (files gone; the row keeps the money record)
    actual_prompt: str | None = None     # the prompt as the provider rewrote it (Wan 2.7's prompt rewrite)

    @property
    def variant(self):
        return self.request.variant

    @property
    def model(self) -> str | None:
        """The model family the job runs on (None for a storyboard the studio joined)."""
        return self.request.model

    @property
    def is_preview(self) -> bool:
        return self.backend == "preview"

    @property
    def is_test(self) -> bool:
        """Free by construction: a preview render, or a job sent to an emulator on this machine."""
        return self.is_preview or is_loopback(self.base_url)

    def record(self) -> dict[str, Any]:
        """The job as users see it (CLI --json, API): no secrets, no internals."""
        d = {f.name: getattr(self, f.name) for f in fields(self)
             if f.name not in ("webhook_secret", "claimed_by", "claimed_at", "request", "payer")}
        d["state"] = self.state.value
        d["variant"] = self.request.variant.value
        d["model"] = self.model
        d["model_label"] = models.label(self.model)
        d["request"] = self.request.to_dict()
        d["made_as"] = self.made_as.value if self.made_as else None
        d["parents"] = list(self.parents)
        d["preview"] = self.is_preview
        d["test"] = self.is_test  # preview or emulator: its cost_usd is not money
        return d

    def public_record(self) -> dict[str, Any]:
        """The record a browser may show: record() without any server file path.

        The clip, its poster and the request's input files are named only by
        what they are (inputs counts them); the CLI keeps record() for local use.
        """
        d = self.record()
        for key in ("output_path", "poster_path", "deleted_at"):
            d.pop(key, None)
        request = dict(d["request"])
        inputs = {"first_frame": 1 if request.pop("first_frame", None) else 0,
                  "references": len(request.pop("references", None) or ()),
                  "video": 1 if request.pop("video", None) else 0}
        request["inputs"] = {k: v for k, v in inputs.items() if v}
        d["request"] = request
        d["has_clip"] = bool(self.output_path)
        return d

    def to_row(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("parents")  # kept in job_links, one row per parent
        d["made_as"] = self.made_as.value if self.made_as else None
        d["request"] = json.dumps(self.request.to_dict(), ensure_ascii=False)
        d["quote"] = json.dumps(self.quote)
        d["state"] = self.state.value
        d["variant"] = self.request.variant.value
        d["model"] = self.model
        return {k: int(v) if isinstance(v, bool) else v for k, v in d.items()}  # INTEGER columns in both stores

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Job":
        names = {f.name for f in fields(cls)}
        d = {k: row[k] for k in row.keys() if k in names}
        d["request"] = Request.from_dict(json.loads(row["request"]))
        d["quote"] = json.loads(row["quote"] or "{}")
        d["state"] = JobState(row["state"])
        d["made_as"] = MadeAs(row["made_as"]) if d.get("made_as") else None
        d["favourite"] = bool(d.get("favourite"))
        return cls(**d)
