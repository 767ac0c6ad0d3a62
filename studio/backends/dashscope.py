"""DashScope (Alibaba Cloud Model Studio), native HTTP.

Pure protocol functions first (build_create_body, parse_created, parse_task,
parse_error, parse_policy, upload_form), then the thin DashScopeBackend that
sends them through the shared HttpDriver. See PROTOCOLS.md, "DashScope".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from studio.backends import uploads
from studio.backends.base import Backend, BackendInfo, JobSpec, Submitted, TaskState, TaskStatus
from studio.backends.http import HttpDriver, RetryPolicy, Timeouts
from studio import model_choice
from studio.config import DASHSCOPE_REGIONS, Settings
from studio.errors import AccountError, ProviderError, TransientError
from studio.variants import TAKES_DURATION, TAKES_RATIO, Request, Variant

PROVIDER = "DashScope"
BACKEND = "dashscope"  # the model ids sent come from the catalogue (studio/models/catalogue.toml)
# Where Wan 2.7's negative prompt goes. PROTOCOLS.md says parameters.negative_prompt; Alibaba's Wan
# text-to-video API reference (and the Comfy router that mirrors the body) put it in input: a one-line change.
NEGATIVE_PROMPT_IN = "input"
PLAN_KEY_PREFIX = "sk-sp-"  # a subscription ("Token Plan") key: its quota answer means its credits are used up
# How an r2v prompt names its references: "character1", "character2"...
REFERENCE_TOKEN = "character{n}"

CREATE_PATH = "/api/v1/services/aigc/video-generation/video-synthesis"
TASK_PATH = "/api/v1/tasks/{task_id}"
CANCEL_PATH = "/api/v1/tasks/{task_id}/cancel"
POLICY_PATH = "/api/v1/uploads"
ASYNC_HEADER = {"X-DashScope-Async": "enable"}
OSS_RESOLVE_HEADER = {"X-DashScope-OssResourceResolve": "enable"}

STATES = {
    "PENDING": TaskState.PENDING,
    "SUSPENDED": TaskState.PENDING,
    "RUNNING": TaskState.RUNNING,
    "SUCCEEDED": TaskState.SUCCEEDED,
    "FAILED": TaskState.FAILED,
    "CANCELED": TaskState.CANCELED,
    "CANCELLED": TaskState.CANCELED,
    "UNKNOWN": TaskState.UNKNOWN,
}

# code -> what it means for the user, and what to do. {message} is the provider's own text.
ERROR_WORDS = {
    "Arrearage": "your Alibaba Cloud account has no balance (Arrearage). "
                 "Top up your Alibaba Cloud account, then try again.",
    "DataInspectionFailed": "the content was refused by moderation. "
                            "Change the prompt or images and try again.",
    "InvalidApiKey": "the API key was rejected. Check DASHSCOPE_API_KEY "
                     "(the key, the region and the endpoint must match).",
    "InvalidParameter": "a parameter was refused: {message}",
    "ModelNotFound": "the HappyHorse model is not available for this key or region. "
                     "Check DASHSCOPE_REGION and that the model is enabled in your workspace.",
    "AccessDenied": "access was denied: this key may not be allowed to use HappyHorse "
                    "(or belongs to another region or workspace). Check the key's permissions.",
    "InternalServerError": "DashScope had an internal error. Try again shortly.",
}
THROTTLED = "DashScope is rate limiting requests ({code}). Wait a minute and try again."
# Answers about the account, not the moment: retrying does not help, so they never pause or back off.
ACCOUNT_WORDS = {
    "plan": ("your plan's credits are used up (DashScope answered {code}: {message}). Top up or renew the "
             "plan in the Model Studio console, or use a pay-as-you-go key, then try again."),
    "AllocationQuota.FreeTierOnly": (
        "your account is set to use only its free tier, and this model's free quota is used up or it has "
        "none ({code}). Switch the free-tier-only setting off in the Model Studio console (Model Studio > "
        "Models > free tier only), then try again."),
}
PLAN_CREDITS_CODE = "Throttling.AllocationQuota"
UNKNOWN_TASK = ("DashScope no longer knows this task: task ids and results live 24 hours. "
                "Generate the clip again.")


# -- request -------------------------------------------------------------------------


def build_media(spec: JobSpec, media_urls: Mapping[str, str]) -> list[dict[str, str]]:
    """The input.media list: i2v one first_frame; r2v references; edit the video then references."""
    req = spec.request
    media: list[dict[str, str]] = []
    if req.variant is Variant.EDIT and req.video:
        media.append({"type": "video", "url": uploads.resolve(req.video, media_urls)})
    if req.variant is Variant.I2V and req.first_frame:
        media.append({"type": "first_frame", "url": uploads.resolve(req.first_frame, media_urls)})
    if req.variant in (Variant.R2V, Variant.EDIT):
        media += [{"type": "reference_image", "url": uploads.resolve(r, media_urls)} for r in req.references]
    return media


def model_id(request: Request) -> str:
    """The DashScope model id for the request's model and variant, from the catalogue; ProviderError in
    words when the catalogue has none (nothing is sent)."""
    pid = request.family.provider_id(request.variant.value, BACKEND)
    if pid is None:
        why = model_choice.why_not(request.family, request.variant, BACKEND) or "the catalogue has no id for it"
        raise ProviderError(f"Not sent to DashScope: {why}", code="no_model")
    return pid


def build_parameters(spec: JobSpec) -> dict[str, Any]:
    req = spec.request
    params: dict[str, Any] = {"resolution": req.resolution}
    if req.variant in TAKES_RATIO and req.ratio:
        params["ratio"] = req.ratio
    if req.variant in TAKES_DURATION and req.duration is not None:
        params["duration"] = int(req.duration)
    params["watermark"] = bool(req.watermark)  # DashScope defaults to true: always say
    params["seed"] = int(spec.seed)
    if req.variant is Variant.EDIT:
        params["audio_setting"] = req.audio.api_value if req.audio else "auto"
    if req.prompt_extend is not None:  # a model that rewrites prompts is always told whether to
        params["prompt_extend"] = bool(req.prompt_extend)
    if req.negative_prompt and NEGATIVE_PROMPT_IN == "parameters":
        params["negative_prompt"] = req.negative_prompt
    return params


def build_create_body(spec: JobSpec, media_urls: Mapping[str, str]) -> dict[str, Any]:
    """The JSON for POST .../video-synthesis. media_urls maps local inputs to their uploaded URLs."""
    req = spec.request
    inp: dict[str, Any] = {}
    if req.prompt:
        inp["prompt"] = req.prompt
    if req.negative_prompt and NEGATIVE_PROMPT_IN == "input":
        inp["negative_prompt"] = req.negative_prompt
    media = build_media(spec, media_urls)
    if media:
        inp["media"] = media
    return {"model": model_id(req), "input": inp, "parameters": build_parameters(spec)}


def create_headers(body: Mapping[str, Any]) -> dict[str, str]:
    """Async always; OSS resolution when any input is an oss:// temporary upload."""
    media = body.get("input", {}).get("media", [])
    uses_oss = any(str(m.get("url", "")).startswith("oss://") for m in media)
    return {**ASYNC_HEADER, **(OSS_RESOLVE_HEADER if uses_oss else {})}


# -- answers -------------------------------------------------------------------------


def parse_created(data: Any) -> Submitted:
    task_id = data["output"]["task_id"]
    if not isinstance(task_id, str) or not task_id:
        raise ValueError("no task id")
    return Submitted(task_id=task_id, request_id=data.get("request_id"))


def account_problem(code: str | None, plan_key: bool) -> str | None:
    """Which account answer this is ("plan" or the code), or None for an ordinary error."""
    if code == PLAN_CREDITS_CODE and plan_key:
        return "plan"
    return code if code in ACCOUNT_WORDS else None


def explain(code: str | None, message: str | None, plan_key: bool = False) -> str:
    """A provider error code in words a user understands (plan_key: the key is a subscription's, sk-sp-)."""
    message = (message or "").strip() or "no details given"
    if (account := account_problem(code, plan_key)) is not None:
        return "DashScope refused the job: " + ACCOUNT_WORDS[account].format(code=code, message=message)
    if code and code.startswith("Throttling"):
        return THROTTLED.format(code=code)
    if code == "InternalServerError":
        return ERROR_WORDS[code]
    if code in ERROR_WORDS:
        return "DashScope refused the job: " + ERROR_WORDS[code].format(message=message)
    return f"DashScope reported an error ({code or 'no code'}): {message}"


def parse_error(status: int, data: Any, plan_key: bool = False) -> ProviderError:
    """The studio error for a DashScope error answer {"request_id", "code", "message"}."""
    data = data if isinstance(data, dict) else {}
    code = data.get("code") or None
    message = data.get("message")
    request_id = data.get("request_id")
    text = explain(code, message, plan_key) if code else f"DashScope answered HTTP {status}: {message or 'no details given'}"
    transient = status == 429 or status >= 500 or (code or "").startswith("Throttling")
    if account_problem(code, plan_key) is not None:
        cls = AccountError  # not a slow-down: the owner must act, so nothing pauses or retries
    else:
        cls = TransientError if transient else ProviderError
    return cls(text, code=code or f"http_{status}", request_id=request_id, status=status)


def ran_seconds(out: dict) -> float | None:
    """end_time less submit_time ('2025-09-25 17:28:48.123', both the provider's clock), or None."""
    try:
        ended, sent = (datetime.fromisoformat(str(out[k])) for k in ("end_time", "submit_time"))
    except (KeyError, ValueError):
        return None
    seconds = (ended - sent).total_seconds()
    return seconds if seconds > 0 else None


def parse_task(data: Any, plan_key: bool = False) -> TaskStatus:
    """A GET /api/v1/tasks/{id} answer as a TaskStatus. Raises ValueError when unreadable."""
    if not isinstance(data, dict) or not isinstance(data.get("output"), dict):
        raise ValueError("no output object")
    out, usage = data["output"], data.get("usage") or {}
    name = str(out.get("task_status", "")).upper()
    if name not in STATES:
        raise ValueError(f"unknown task_status {name!r}")
    state = STATES[name]
    common = {"request_id": data.get("request_id")}
    if state is TaskState.SUCCEEDED:
        url = out.get("video_url")
        if not url:
            return TaskStatus(TaskState.FAILED, error_code="no_output",
                              error_message="DashScope finished the task but gave no video link.", **common)
        billed = usage.get("duration") if isinstance(usage, dict) else None
        return TaskStatus(state, progress=1.0, video_url=url,
                          billed_seconds=float(billed) if isinstance(billed, (int, float)) else None,
                          actual_prompt=out.get("actual_prompt"), ran_seconds=ran_seconds(out), **common)
    if state is TaskState.FAILED:
        code = out.get("code") or "failed"
        return TaskStatus(state, error_code=code, error_message=explain(code, out.get("message"), plan_key), **common)
    if state is TaskState.UNKNOWN:
        return TaskStatus(state, error_code="expired", error_message=UNKNOWN_TASK, **common)
    if state is TaskState.CANCELED:
        return TaskStatus(state, error_code="canceled", error_message="The task was cancelled.", **common)
    return TaskStatus(state, **common)


def parse_policy(data: Any) -> dict[str, str]:
    """The getPolicy answer. The service wraps it in "data" (the SDK calls it output): accept both."""
    out = data.get("output") or data["data"]
    for key in ("upload_host", "upload_dir", "policy", "signature", "oss_access_key_id"):
        if not out.get(key):
            raise ValueError(f"upload policy without {key}")
    return out


def upload_form(policy: Mapping[str, Any], filename: str, mime: str) -> dict[str, str]:
    """The multipart form fields for a temporary upload (the file goes as 'file')."""
    return {
        "OSSAccessKeyId": str(policy["oss_access_key_id"]),
        "Signature": str(policy["signature"]),
        "policy": str(policy["policy"]),
        "key": f"{policy['upload_dir']}/{filename}",
        "x-oss-object-acl": str(policy.get("x_oss_object_acl", "private")),
        "x-oss-forbid-overwrite": str(policy.get("x_oss_forbid_overwrite", "true")),
        "success_action_status": "200",
        "x-oss-content-type": mime,
    }


# -- the backend ---------------------------------------------------------------------


class DashScopeBackend(Backend):
    """HappyHorse through DashScope's native HTTP API (no watch: the runner polls)."""

    def __init__(self, api_key: str, base_url: str = DASHSCOPE_REGIONS["singapore"],
                 region: str | None = "singapore", *, retry: RetryPolicy | None = None,
                 timeouts: Timeouts | None = None, transport: Any = None):
        if not api_key:
            raise ProviderError("DashScope needs an API key: set DASHSCOPE_API_KEY.", code="no_key")
        base_url = base_url.rstrip("/").removesuffix("/api/v1")
        self.info = BackendInfo(
            name="dashscope", label="DashScope", region=region,
            poll_initial=1.0, poll_max=5.0, max_concurrent=4,
            requests_per_minute=240,  # the reported quota is about 300 a minute; keep headroom
            extra={"reference_token": REFERENCE_TOKEN, "base_url": base_url},
        )
        self.plan_key = api_key.startswith(PLAN_KEY_PREFIX)  # only this fact about the key is kept beside it
        self.http = HttpDriver(provider=PROVIDER, base_url=base_url, api_key=api_key,
                               parse_error=partial(parse_error, plan_key=self.plan_key), retry=retry,
                               timeouts=timeouts, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings, key: str | None = None, **kw: Any) -> "DashScopeBackend":
        return cls(key or settings.dashscope_key or "", settings.dashscope_url, settings.dashscope_region, **kw)

    def __repr__(self) -> str:
        return f"DashScopeBackend(region={self.info.region!r}, base_url={self.info.extra['base_url']!r})"

    async def submit(self, spec: JobSpec) -> Submitted:
        model_id(spec.request)  # a model DashScope has no id for is refused before any upload
        media_urls = await self.upload_inputs(spec)
        body = build_create_body(spec, media_urls)
        return await self.http.create(CREATE_PATH, body, parse=parse_created, headers=create_headers(body))

    async def status(self, task_id: str) -> TaskStatus:
        data = await self.http.read_json("GET", TASK_PATH.format(task_id=task_id))
        try:
            return self.http.scrub_status(parse_task(data, self.plan_key))
        except ValueError as exc:
            raise self.http.unreadable(str(exc)) from exc

    async def cancel(self, task_id: str) -> bool:
        """True when DashScope cancelled the task; False when it was no longer PENDING.

        A refusal is double-checked with a read: a retried cancel whose first try
        went through is refused, yet the task is cancelled.
        """
        resp = await self.http.read("POST", CANCEL_PATH.format(task_id=task_id))
        if resp.status_code < 300:
            return True
        if resp.status_code in (400, 404, 409):
            return await self._is_cancelled(task_id)
        raise self.http.error(resp)

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

    # -- temporary uploads -------------------------------------------------------------

    async def upload_inputs(self, spec: JobSpec) -> dict[str, str]:
        """Upload each local input once; returns local path -> oss:// URL."""
        local = uploads.local_media(spec.request)
        if not local:
            return {}
        model = model_id(spec.request)
        data = await self.http.read_json("GET", POLICY_PATH, params={"action": "getPolicy", "model": model})
        try:
            policy = parse_policy(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise self.http.unreadable(f"upload policy: {exc}") from exc
        return {path: await self.upload_file(policy, path) for path in local}

    async def upload_file(self, policy: Mapping[str, Any], path: str) -> str:
        content = uploads.read_local(path)
        mime = uploads.content_type(path)
        form = upload_form(policy, uploads.upload_name(path), mime)  # a fresh random key per file
        try:
            await self.http.upload("POST", str(policy["upload_host"]), data=form,
                                   files={"file": (Path(path).name, content, mime)})
        except ProviderError as exc:
            # OSS forbids overwrites: a 409 on our own random key means an earlier try landed.
            if exc.status != 409:
                raise
        return f"oss://{form['key']}"
