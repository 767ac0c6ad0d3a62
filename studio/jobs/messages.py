"""What the runner writes on a job when it ends badly, in words a user understands."""

from __future__ import annotations

from typing import Any

from studio.backends.base import TaskStatus
from studio.errors import AmbiguousSubmit, ProviderError
from studio.jobs.model import Job
from studio.pricing import cost as price_cost

CANCELLED_BEFORE_SEND = "Cancelled before it was sent to the provider: nothing was billed."
CANCELLED_AT_PROVIDER = "Cancelled at the provider before it started: not billed."
STOPPED_WAITING = ("Stopped waiting. The provider had already started, so it may still bill this job; "
                   "if the clip arrives it will still be collected here.")


def needs_key(job: Job) -> dict[str, Any]:
    """A job started on the user's own key, which the studio keeps only in memory, after a restart."""
    return {"error_code": "needs_key",
            "error_message": (f"Waiting for your {job.backend} key: this job runs on your own key, which the "
                              "studio does not store. Open the studio (or paste the key again) to continue.")}


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
        text = ("The job passed its deadline, so the studio stopped waiting. The provider may still bill it; "
                "retry if you still want the clip.")
    return {"error_code": "deadline", "error_message": text}


def internal(e: Exception) -> dict[str, Any]:
    return {"error_code": "internal",
            "error_message": f"The studio hit an unexpected error ({type(e).__name__}); retry the job."}


def cost(job: Job, billed_seconds: float | None) -> float | None:
    if billed_seconds is None:
        return None
    return price_cost(job.request.resolution, billed_seconds)
