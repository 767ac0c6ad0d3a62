"""inference.sh apps over HTTP.

Pure protocol functions first (build_input, build_create_body, parse_created,
parse_task, parse_event, parse_error, parse_state), then the thin
InferenceShBackend over the shared HttpDriver. See PROTOCOLS.md, "inference.sh".
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from pathlib import Path
from typing import Any

from studio.backends import uploads
from studio.backends.base import Backend, BackendInfo, JobSpec, Submitted, TaskState, TaskStatus
from studio.backends.http import HttpDriver, RetryPolicy, Timeouts
from studio import model_choice
from studio.config import INFERENCE_DEFAULT_URL, Settings
from studio.errors import ProviderError, TransientError
from studio.variants import TAKES_DURATION, TAKES_RATIO, Request, Variant

PROVIDER = "inference.sh"
BACKEND = "inferencesh"  # the apps run come from the catalogue (studio/models/catalogue.toml)
# The output field that may carry the prompt as the model rewrote it (Wan 2.7's prompt_extend): inference.sh
# documents none, so DashScope's name is read; an output without it gave none.
REWRITTEN_PROMPT = "actual_prompt"
# How an r2v prompt names its references: "[Image 1]", "[Image 2]"...
REFERENCE_TOKEN = "[Image {n}]"
INFRA = "cloud"

RUN_PATH = "/apps/run"
TASK_PATH = "/tasks/{task_id}"
CANCEL_PATH = "/tasks/{task_id}/cancel"
STREAM_PATH = "/tasks/{task_id}/stream"
FILES_PATH = "/files"
NDJSON = {"Accept": "application/x-ndjson"}

# Status numbers and their names (streams may send either).
STATUS_NAMES = ("unknown", "received", "queued", "dispatched", "preparing", "serving", "setting_up",
                "running", "cancelling", "uploading", "completed", "failed", "cancelled", "rejected")
STATES = {
    **{n: TaskState.PENDING for n in range(0, 7)},     # unknown (zero value) .. setting up
    7: TaskState.RUNNING, 8: TaskState.RUNNING, 9: TaskState.RUNNING,  # running, cancelling, uploading
    10: TaskState.SUCCEEDED, 11: TaskState.FAILED, 12: TaskState.CANCELED,
    13: TaskState.FAILED,                              # rejected: no balance, never ran
}
REJECTED = 13
NO_BALANCE = ("inference.sh refused the job: the account has no balance or payment method. "
              "Top up your inference.sh account, then try again.")

# problem+json code -> (words for the user, transient?). {detail} is the provider's own text.
ERROR_WORDS = {
    "rate_limited": ("inference.sh is rate limiting requests. Wait a minute and try again.", True),
    "unauthorized": ("inference.sh rejected the API key. Check INFERENCE_API_KEY.", False),
    "forbidden": ("inference.sh refused access: {detail}. Check that INFERENCE_API_KEY may run this app.", False),
    "requirements_not_met": (NO_BALANCE, False),
    "rejected": (NO_BALANCE, False),
    "blocked_by_usage_policy": ("inference.sh refused the content under its usage policy. "
                                "Change the prompt or images and try again.", False),
    "validation_error": ("inference.sh refused a parameter: {detail}", False),
    "invalid_request": ("inference.sh refused a parameter: {detail}", False),
    "not_found": ("inference.sh does not know this app or task: {detail}", False),
    "conflict": ("inference.sh reported a conflict: {detail}", False),
    "internal_error": ("inference.sh had an internal error. Try again shortly.", True),
}
CODE_BY_STATUS = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                  409: "conflict", 412: "requirements_not_met", 422: "validation_error",
                  429: "rate_limited"}
HEARTBEAT = "heartbeat"


# -- request -------------------------------------------------------------------------


def app_of(request: Request) -> str:
    """The inference.sh app for the request's model and variant; ProviderError in words when there is none
    (nothing is sent)."""
    app = request.family.provider_id(request.variant.value, BACKEND)
    if app is None:
        why = model_choice.why_not(request.family, request.variant, BACKEND) or "the catalogue has no app for it"
        raise ProviderError(f"Not sent to inference.sh: {why}", code="no_app")
    return app


def missing_app(request: Request, err: ProviderError) -> ProviderError:
    """inference.sh answered 404 to a run: the catalogue names an app it does not have (any more)."""
    fam, there = request.family, model_choice.runs_on(request.variant, BACKEND)
    others = [f.id for f in there if f.id != fam.id]
    instead = f"choose {' or '.join(others)}, or " if others else ""
    return ProviderError(f"inference.sh has no app {app_of(request)} (it answered 404, not found): {fam.label} "
                         f"may not be published there yet. Nothing was started; {instead}use DashScope for "
                         f"{fam.label}.", code="no_app", request_id=err.request_id, status=404)


def build_input(spec: JobSpec, media_urls: Mapping[str, str]) -> dict[str, Any]:
    """The app input: first_frame, reference_images and video are file URIs."""
    req = spec.request
    inp: dict[str, Any] = {}
    if req.prompt:
        inp["prompt"] = req.prompt
    if req.negative_prompt:
        inp["negative_prompt"] = req.negative_prompt
    if req.prompt_extend is not None:  # a model that rewrites prompts is always told whether to
        inp["prompt_extend"] = bool(req.prompt_extend)
    if req.variant is Variant.I2V and req.first_frame:
        inp["first_frame"] = uploads.resolve(req.first_frame, media_urls)
    if req.variant is Variant.EDIT and req.video:
        inp["video"] = uploads.resolve(req.video, media_urls)
    if req.variant in (Variant.R2V, Variant.EDIT) and req.references:
        inp["reference_images"] = [uploads.resolve(r, media_urls) for r in req.references]
    inp["resolution"] = req.resolution
    if req.variant in TAKES_RATIO and req.ratio:
        inp["ratio"] = req.ratio
    if req.variant in TAKES_DURATION and req.duration is not None:
        inp["duration"] = int(req.duration)
    inp["watermark"] = bool(req.watermark)
    if req.variant is Variant.EDIT:
        inp["audio_setting"] = req.audio.api_value if req.audio else "auto"
    inp["seed"] = int(spec.seed)
    return inp


def build_create_body(spec: JobSpec, media_urls: Mapping[str, str]) -> dict[str, Any]:
    """The JSON for POST /apps/run."""
    body: dict[str, Any] = {"app": app_of(spec.request), "input": build_input(spec, media_urls),
                            "infra": INFRA}
    if spec.webhook_url:
        body["webhook"] = spec.webhook_url
    return body


def build_files_body(paths: list[str], sizes: list[int]) -> dict[str, Any]:
    return {"files": [{"filename": Path(p).name, "content_type": uploads.content_type(p), "size": n}
                      for p, n in zip(paths, sizes)]}


# -- answers -------------------------------------------------------------------------


def unwrap(data: Any) -> Any:
    """Every answer is {"data": ..., "messages": [...]}: the payload."""
    return data["data"] if isinstance(data, dict) and "data" in data else data


def parse_created(data: Any) -> Submitted:
    task = unwrap(data)
    task_id = task["id"]
    if not isinstance(task_id, str) or not task_id:
        raise ValueError("no task id")
    return Submitted(task_id=task_id, request_id=task.get("request_id"))


def parse_state(value: Any) -> int:
    """A status number from a number or a lower-case name. ValueError if neither."""
    if isinstance(value, bool):
        raise ValueError(f"unknown status {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    elif isinstance(value, str):
        name = value.strip().lower().replace(" ", "_").replace("-", "_")
        name = {"canceled": "cancelled", "canceling": "cancelling", "setup": "setting_up"}.get(name, name)
        if name not in STATUS_NAMES:
            raise ValueError(f"unknown status {value!r}")
        number = STATUS_NAMES.index(name)
    else:
        raise ValueError(f"unknown status {value!r}")
    if number not in STATES:
        raise ValueError(f"unknown status {value!r}")
    return number


def video_file(output: Any) -> tuple[str | None, int | None]:
    """The output video as (url, size): a URL string or a file object {"uri": ...}."""
    video = output.get("video") if isinstance(output, dict) else None
    if isinstance(video, str):
        return video or None, None
    if isinstance(video, dict):
        url = video.get("uri") or video.get("url")
        size = video.get("size")
        return (url or None), (size if isinstance(size, int) and size > 0 else None)
    return None, None


def parse_task(data: Any) -> TaskStatus:
    """A task object (wrapped or not) as a TaskStatus. Raises ValueError when unreadable."""
    task = unwrap(data)
    if not isinstance(task, dict) or "status" not in task:
        raise ValueError("no task status")
    number = parse_state(task["status"])
    state = STATES[number]
    if number == REJECTED:
        return TaskStatus(state, error_code="rejected", error_message=NO_BALANCE)
    if state is TaskState.SUCCEEDED:
        url, size = video_file(task.get("output"))
        if not url:
            return TaskStatus(TaskState.FAILED, error_code="no_output",
                              error_message="inference.sh finished the task but gave no video.")
        rewritten = task["output"].get(REWRITTEN_PROMPT) if isinstance(task.get("output"), dict) else None
        return TaskStatus(state, progress=1.0, video_url=url, video_bytes=size,
                          actual_prompt=rewritten.strip() or None if isinstance(rewritten, str) else None)
    if state is TaskState.FAILED:
        error = str(task.get("error") or "no details given").strip()
        return TaskStatus(state, error_code="failed", error_message=f"inference.sh says the task failed: {error}")
    if state is TaskState.CANCELED:
        return TaskStatus(state, error_code="canceled", error_message="The task was cancelled.")
    return TaskStatus(state)


def parse_event(line: str) -> dict[str, Any] | str | None:
    """One stream line: HEARTBEAT, the task fields it carries, or None to skip it."""
    line = line.strip()
    if line.startswith("data:"):  # tolerate SSE framing
        line = line[5:].strip()
    if not line:
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    if event.get("type") == HEARTBEAT:
        return HEARTBEAT
    inner = event.get("data")
    if isinstance(inner, dict):  # partial update {"data", "fields"} or a wrapped task
        event = inner
    return event if "status" in event or "output" in event or "error" in event else None


def parse_error(status: int, data: Any) -> ProviderError:
    """The studio error for a problem+json answer: detail, then title, then message."""
    data = data if isinstance(data, dict) else {}
    detail = str(data.get("detail") or data.get("title") or data.get("message") or "no details given").strip()
    kind = str(data.get("type") or "").rstrip("/")
    code = kind.rsplit("/", 1)[-1].rsplit("#", 1)[-1] if kind else ""
    code = code or CODE_BY_STATUS.get(status) or ("internal_error" if status >= 500 else f"http_{status}")
    words, transient = ERROR_WORDS.get(code, ("inference.sh reported an error ({code}): {detail}", False))
    cls = TransientError if transient or status == 429 or status >= 500 else ProviderError
    return cls(words.format(code=code, detail=detail.rstrip(".")), code=code, request_id=data.get("request_id"),
               status=status)


# -- the backend ---------------------------------------------------------------------


class InferenceShBackend(Backend):
    """HappyHorse through inference.sh apps; watch() follows the NDJSON stream."""

    def __init__(self, api_key: str, base_url: str = INFERENCE_DEFAULT_URL, *,
                 retry: RetryPolicy | None = None, timeouts: Timeouts | None = None,
                 transport: Any = None,
                 heartbeat_recheck: int = 30, recheck_seconds: float = 60.0, max_reconnects: int = 3):
        if not api_key:
            raise ProviderError("inference.sh needs an API key: set INFERENCE_API_KEY.", code="no_key")
        base_url = base_url.rstrip("/")
        self.info = BackendInfo(
            name="inferencesh", label="inference.sh", region=None,
            poll_initial=1.0, poll_max=5.0, max_concurrent=4, requests_per_minute=120,
            extra={"reference_token": REFERENCE_TOKEN, "base_url": base_url},
        )
        self.heartbeat_recheck = heartbeat_recheck
        self.recheck_seconds = recheck_seconds
        self.max_reconnects = max_reconnects
        self.http = HttpDriver(provider=PROVIDER, base_url=base_url, api_key=api_key,
                               parse_error=parse_error, retry=retry, timeouts=timeouts,
                               transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings, key: str | None = None, **kw: Any) -> "InferenceShBackend":
        return cls(key or settings.inference_key or "", settings.inference_url, **kw)

    def __repr__(self) -> str:
        return f"InferenceShBackend(base_url={self.info.extra['base_url']!r})"

    async def submit(self, spec: JobSpec) -> Submitted:
        app_of(spec.request)  # a model with no app here is refused before any upload
        media_urls = await self.upload_inputs(spec)
        body = build_create_body(spec, media_urls)
        try:
            return await self.http.create(RUN_PATH, body, parse=parse_created)
        except ProviderError as e:
            if e.status == 404 and e.code == "not_found":
                raise missing_app(spec.request, e) from e
            raise

    async def status(self, task_id: str) -> TaskStatus:
        resp = await self.http.read("GET", TASK_PATH.format(task_id=task_id))
        if resp.status_code == 404:
            return TaskStatus(TaskState.UNKNOWN, error_code="expired",
                              error_message="inference.sh no longer knows this task. Generate the clip again.")
        data = self.http.ok_json(resp)
        try:
            return self.http.scrub_status(parse_task(data))
        except ValueError as exc:
            raise self.http.unreadable(str(exc)) from exc

    async def cancel(self, task_id: str) -> bool:
        """True when inference.sh cancelled the task; False when it had already ended.

        A refusal is double-checked with a read: a retried cancel whose first try
        went through is refused, yet the task is cancelled.
        """
        resp = await self.http.read("POST", CANCEL_PATH.format(task_id=task_id))
        if resp.status_code in (400, 404, 409, 412):
            return await self._is_cancelled(task_id)
        if resp.status_code >= 300:
            raise self.http.error(resp)
        try:
            state = parse_task(resp.json()).state
        except ValueError:  # no task in the answer: the cancel was accepted
            return True
        return state in (TaskState.CANCELED, TaskState.RUNNING, TaskState.PENDING)

    async def _is_cancelled(self, task_id: str) -> bool:
        try:
            return (await self.status(task_id)).state is TaskState.CANCELED
        except ProviderError:
            return False

    async def download(self, status: TaskStatus, dest: Path,
                       on_progress: Callable[[float], None] | None = None) -> None:
        await self.http.download(status.video_url, dest, expected=status.video_bytes, on_progress=on_progress)

    def on_throttle(self, pause: Callable[[float], None]) -> None:
        self.http.on_throttle = pause

    async def aclose(self) -> None:
        await self.http.aclose()

    async def watch(self, task_id: str) -> AsyncIterator[TaskStatus]:
        """Status changes from the NDJSON stream until a terminal state.

        Heartbeats are skipped; after a long run of them the task is re-read with GET.
        A stream that ends early is re-read and reopened a few times, then TransientError
        (the runner falls back to polling).
        """
        task: dict[str, Any] = {}
        last: TaskStatus | None = None
        for _ in range(self.max_reconnects + 1):
            quiet, since = 0, time.monotonic()
            lines = self.http.lines(STREAM_PATH.format(task_id=task_id), headers=NDJSON)
            async with aclosing(lines):
                async for line in lines:
                    event = parse_event(line)
                    if event is None:
                        continue
                    if event == HEARTBEAT:
                        quiet += 1
                        if quiet < self.heartbeat_recheck and time.monotonic() - since < self.recheck_seconds:
                            continue
                        quiet, since = 0, time.monotonic()
                        current = await self.status(task_id)
                    else:
                        quiet, since = 0, time.monotonic()
                        task.update(event)
                        try:
                            current = self.http.scrub_status(parse_task(task))
                        except ValueError:
                            continue
                    if current != last:
                        last = current
                        yield current
                    if current.state.terminal:
                        return
            current = await self.status(task_id)
            if current != last:
                last = current
                yield current
            if current.state.terminal:
                return
        raise TransientError("The live status stream from inference.sh kept ending before the task finished.",
                             code="stream_broken")

    # -- uploads -----------------------------------------------------------------------

    async def upload_inputs(self, spec: JobSpec) -> dict[str, str]:
        """Register local inputs with POST /files, PUT their bytes; returns path -> uri."""
        local = uploads.local_media(spec.request)
        if not local:
            return {}
        contents = [uploads.read_local(p) for p in local]
        data = await self.http.read_json("POST", FILES_PATH,
                                         json=build_files_body(local, [len(c) for c in contents]))
        files = unwrap(data)
        if not isinstance(files, list) or len(files) != len(local) or \
                not all(isinstance(f, dict) and f.get("upload_url") and f.get("uri") for f in files):
            raise self.http.unreadable("file upload slots")
        for path, content, slot in zip(local, contents, files):
            url = str(self.http.api.base_url.join(slot["upload_url"]))
            await self.http.upload("PUT", url, content=content,
                                   headers={"Content-Type": uploads.content_type(path)})
        return {path: slot["uri"] for path, slot in zip(local, files)}
