"""What the runner writes on a job when it ends badly, in words a user understands."""

from __future__ import annotations

import time
from typing import Any

from studio.backends.base import TaskStatus
from studio.config import KEY_VARIABLES
from studio.errors import AmbiguousSubmit, ProviderError, StoreError
from studio.jobs.model import Job
from studio.pricing import recorded_cost

CANCELLED_BEFORE_SEND = "Cancelled before it was sent to the provider: nothing was billed."
CANCELLED_AT_PROVIDER = "Cancelled at the provider before it started: not billed."
STOPPED_WAITING = ("Stopped waiting. The provider had already started, so it may still bill this job; "
                   "if the clip arrives it will still be collected here.")


def needs_key(job: Job) -> dict[str, Any]:
    """A job started on the user's own key, which the studio keeps only in memory, after a restart."""
    return {"error_code": "needs_key",
            "error_message": (f"Waiting for your {job.backend} key: this job runs on your own key, which the "
                              "studio does not store. Open the studio (or paste the key again) to continue.")}


WAITING = ("needs_key", "key_refused", "task_unknown")  # a live job waiting for the right key: no failure


def needs_config(job: Job) -> dict[str, Any]:
    """The studio was (re)started without the key this job's backend needs: it waits, nothing is lost."""
    variable = KEY_VARIABLES.get(job.backend, f"{job.backend} key")
    return {"error_code": "needs_key",
            "error_message": (f"This job needs the {variable} to continue: the studio is running without it. "
                              f"Start the studio with {variable} set and the job carries on where it was "
                              "(nothing is sent again).")}


def key_refused(job: Job, e: ProviderError) -> dict[str, Any]:
    """Reading a task the provider already has was refused for the key: wait for the right key."""
    variable = KEY_VARIABLES.get(job.backend, f"{job.backend} key")
    return {"error_code": "key_refused",
            "error_message": (f"{e} ({e.code or e.status}) This job waits: start the studio with the {variable} it was sent with "
                              "and it carries on (nothing is sent again).")}


def task_unknown(job: Job) -> dict[str, Any]:
    """A task younger than the provider's 24 h reads as unknown: most likely read with another key."""
    variable = KEY_VARIABLES.get(job.backend, f"{job.backend} key")
    return {"error_code": "task_unknown",
            "error_message": (f"The provider does not know this task under the current key. If {variable} "
                              "changed since the job was sent, start the studio with the key it was sent "
                              "with; the studio keeps checking for 24 h.")}


NOT_COLLECTED_WHY = {
    "expired": "the provider refused the download link",
    "download_cut_short": "the download was cut short",
    "bad_result": "the file that arrived is not a playable MP4",
    "no_output": "the provider gave no usable download link",
    "unreachable": "the media bucket did not take it",
    "refused": "the media bucket refused it (check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
    "incomplete": "the media bucket kept only part of it",
    "missing": "the media bucket is not there (check STUDIO_MEDIA_URL)",
}


def not_collected(job: Job, e: ProviderError | StoreError, cost_usd: float | None, attempt: int, until: float) -> dict[str, Any]:
    """The provider finished (and billed) the task but the clip could not be brought home yet."""
    status = getattr(e, "status", None)
    why = NOT_COLLECTED_WHY.get(e.code or "", f"the download failed (HTTP {status})" if status
                                else "the download failed")
    billed = f"billed ${cost_usd:.2f}" if cost_usd is not None else "billed"
    left = max(0.0, until - time.time()) / 3600
    return {"error_code": "not_collected",
            "error_message": (f"The provider finished this clip ({billed}), but it is not collected yet: {why} "
                              f"(try {attempt}). The studio keeps trying while the provider's link may be valid "
                              f"(about {left:.0f} h left); use Collect again to try now. "
                              "Running the job again would be billed again.")}


def link_expired(job: Job) -> dict[str, Any]:
    return {"error_code": "link_expired",
            "error_message": ("The provider finished and billed this clip, but its link expired (24 h) before "
                              "the studio could collect it. Collect again tries once more; the provider's "
                              "console may still show the task.")}


def late(status: TaskStatus) -> dict[str, Any]:
    """A task watched past its deadline ended without a clip."""
    values = task_failed(status)
    if status.state.value == "CANCELED":
        values.update(error_code="cancelled", error_message="The task was cancelled at the provider after the "
                      "deadline: not billed.")
    return values


def fields(e: ProviderError) -> dict[str, Any]:
    return {"error_code": e.code, "error_message": str(e), "request_id": e.request_id}


def provider(e: ProviderError) -> dict[str, Any]:
    values = fields(e)
    if e.request_id is None:
        values.pop("request_id")
    return values


def unsure(job: Job, e: AmbiguousSubmit | None = None) -> dict[str, Any]:
    why = f" ({e})" if e else ""
    return {
        "error_code": "unsure",
        "error_message": (f"The request went out to {job.backend} but no answer came back{why}. It may have "
                          "started a billed task. Check the provider's console; retry only if it is not there."),
    }


def task_failed(status: TaskStatus) -> dict[str, Any]:
    code = status.error_code or status.state.value.lower()
    if status.state.value == "UNKNOWN":
        message = ("The provider no longer knows this task: task ids expire after 24 hours. "
                   "Its result can't be collected; retry to make it again.")
    else:
        message = status.error_message or "The provider reported the task failed (failed tasks are not billed)."
    values: dict[str, Any] = {"error_code": code, "error_message": message}
    if status.request_id:
        values["request_id"] = status.request_id
    return values


def deadline(cancelled: bool) -> dict[str, Any]:
    if cancelled:
        text = "The job passed its deadline and was cancelled at the provider: not billed."
    else:
        text = ("The job passed its deadline and the provider would not cancel it, so it may still bill it. "
                "The studio keeps checking now and then, and collects the clip if it arrives.")
    return {"error_code": "deadline", "error_message": text}


def internal(e: Exception) -> dict[str, Any]:
    return {"error_code": "internal",
            "error_message": "The studio hit an unexpected error while driving this job; the log has the details."}


def cost(job: Job, billed_seconds: float | None) -> float | None:
    """What the billed seconds cost at the price the job was quoted at (its model's)."""
    if billed_seconds is None:
        return None
    return recorded_cost(job.quote, job.request.resolution, billed_seconds, job.request.model)
