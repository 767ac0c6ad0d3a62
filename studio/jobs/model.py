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


class Phase(str, Enum):
    """Where a job stands, in one word: its state, told apart where the error code gives the state another
    meaning (a cancel that only stopped waiting, a failure at the deadline that may still bill...).

    Job.phase reads it from a job; phase_sql() is the same rule as SQL, for the ledger's queries.
    """

    WORKING = "working"                  # queued, sending, running or downloading: a runner drives it
    DONE = "done"
    FAILED = "failed"                    # failed at the provider or here: not billed
    PAST_DEADLINE = "past its deadline"  # stopped at its deadline; the task may still end (and bill): watched
    KEPT_BILLED = "kept as billed"       # the user found it in the provider's console: counted as billed
    CANCELLED = "cancelled"              # cancelled in time (before sending, or at the provider): not billed
    STOPPED_WAITING = "stopped waiting"  # cancelled once the provider had it: it may bill; its clip is collected
    NOT_SENT = "not sent"                # the user found no task in the provider's console: not billed
    UNSURE = "needs your decision"       # the create may or may not have reached the provider
    OWED = "owed"                        # billed, the clip not here yet: the runner keeps collecting it
    LINK_EXPIRED = "link expired"        # billed, and the provider's link has expired: collected on request only

    @property
    def at_provider(self) -> bool:
        """The provider may still be working on it, and the studio waits for its end."""
        return self in (Phase.WORKING, Phase.STOPPED_WAITING)

    @property
    def watched(self) -> bool:
        """Finished for the user, but a runner still follows it at the provider (its clip may still come)."""
        return self in (Phase.STOPPED_WAITING, Phase.OWED, Phase.PAST_DEADLINE)

    @property
    def collectable(self) -> bool:
        """The provider billed it (or may have) and its clip can be collected again on request."""
        return self in (Phase.OWED, Phase.LINK_EXPIRED, Phase.PAST_DEADLINE)

    @property
    def billed(self) -> bool:
        """Counted as money (at its quote until a cost is known): False only for the ends that bill nothing."""
        return self not in (Phase.FAILED, Phase.CANCELLED, Phase.NOT_SENT)


# Each state's own phase, and the (state, error code) pairs that give it another.
_PHASE_OF_STATE = {JobState.QUEUED: Phase.WORKING, JobState.SUBMITTING: Phase.WORKING, JobState.RUNNING: Phase.WORKING,
                   JobState.DOWNLOADING: Phase.WORKING, JobState.SUCCEEDED: Phase.DONE, JobState.FAILED: Phase.FAILED,
                   JobState.CANCELLED: Phase.CANCELLED, JobState.UNSURE: Phase.UNSURE,
                   JobState.UNCOLLECTED: Phase.OWED}
_PHASE_OF_CODE = {(JobState.FAILED, "deadline"): Phase.PAST_DEADLINE,
                  (JobState.FAILED, "kept_billed"): Phase.KEPT_BILLED,
                  (JobState.CANCELLED, "stopped_waiting"): Phase.STOPPED_WAITING,
                  (JobState.CANCELLED, "not_sent"): Phase.NOT_SENT,
                  (JobState.UNCOLLECTED, "link_expired"): Phase.LINK_EXPIRED}


def phase_of(state: JobState, error_code: str | None) -> Phase:
    return _PHASE_OF_CODE.get((state, error_code), _PHASE_OF_STATE[state])


def phase_sql(*phases: Phase) -> str:
    """A WHERE condition (no parameters, the same in both stores) true for a job in any of `phases`."""
    parts = []
    for phase in phases:
        parts += [f"(state = '{state.value}' AND error_code = '{code}')"
                  for (state, code), named in _PHASE_OF_CODE.items() if named is phase]
        states = [state for state, named in _PHASE_OF_STATE.items() if named is phase]
        if states:
            codes = [code for (state, code) in _PHASE_OF_CODE if state in states]
            other = f" AND COALESCE(error_code, '') NOT IN ({_quoted(codes)})" if codes else ""
            parts.append(f"(state IN ({_quoted(s.value for s in states)}){other})")
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


def _quoted(words) -> str:
    return ", ".join(f"'{w}'" for w in words)


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
    compare_id: str | None = None        # the compare it was sent in: the same shot on 2-3 models
    compare_position: int | None = None  # its place in that compare (0 first), in the order the models were chosen

    @property
    def variant(self):
        return self.request.variant

    @property
    def phase(self) -> Phase:
        return phase_of(self.state, self.error_code)

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
