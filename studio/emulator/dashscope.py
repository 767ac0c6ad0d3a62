"""DashScope (Alibaba Cloud Model Studio) video synthesis, as the real service answers it.

Paths: POST /api/v1/services/aigc/video-generation/video-synthesis, GET
/api/v1/tasks/{id}, POST /api/v1/tasks/{id}/cancel, GET /api/v1/uploads
?action=getPolicy, and the OSS form upload at POST /oss. Errors are an HTTP
status plus {"request_id", "code", "message"}; OSS errors are XML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from studio.emulator.faults import Fault, after, gate
from studio.emulator.keys import bearer_key, key_accepted
from studio.emulator.media import Invalid, MediaInfo, check
from studio.emulator.runner import drive, end
from studio.emulator.spec import DASHSCOPE_MODELS, Model, check_counts, check_params, finish_job, rewritten, usage
from studio.emulator.state import (DASHSCOPE_STATUS, Job, Policy, Task, Upload, client_request, dashscope_time,
                                   native_status)

if TYPE_CHECKING:
    from studio.emulator.server import Emulator

P = "dashscope"
PARAMS = ("resolution", "ratio", "duration", "seed", "watermark", "audio_setting", "prompt_extend")
MEDIA_TYPES = ("first_frame", "reference_image", "video")
OSS_ACCESS_KEY_ID = "LTAI5tEmulatorOssKey"
POLICY_SECONDS = 300
URL_LIFETIME = 24 * 3600
MAX_UPLOAD_MB = 100
DEFAULT_CODES = {400: "InvalidParameter", 401: "InvalidApiKey", 403: "AccessDenied", 404: "NotFound",
                 429: "Throttling.RateQuota", 500: "InternalServerError", 503: "ServiceUnavailable",
                 504: "RequestTimeOut"}
CANCEL_REFUSED = "Failed to cancel the task, please confirm if the task is in PENDING status."


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"request_id": str(uuid.uuid4()), "code": code, "message": message},
                        status_code=status, headers=headers)


def fault_error(fault: Fault) -> JSONResponse:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    code = fault.code or DEFAULT_CODES.get(fault.status, "InternalServerError")
    return error(fault.status, code, fault.message or f"Injected fault: {code}", headers)


def oss_error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>{code}</Code>\n'
            f"  <Message>{message}</Message>\n  <RequestId>{uuid.uuid4().hex.upper()[:24]}</RequestId>\n"
            f"  <HostId>dashscope-file-mgr.oss-emulator</HostId>\n</Error>\n")
    return Response(body, status_code=status, media_type="application/xml")


def oss_fault_error(fault: Fault) -> Response:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    resp = oss_error(fault.status, fault.code or "InternalError", fault.message or "Injected fault")
    resp.headers.update(headers)
    return resp


def sign(secret: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(secret, text.encode(), hashlib.sha1).digest()).decode()


class DashScope:
    def __init__(self, emu: "Emulator") -> None:
        self.emu = emu
        self.store = emu.store

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/services/aigc/video-generation/video-synthesis", self.create, methods=["POST"]),
            Route("/api/v1/tasks/{task_id}", self.query, methods=["GET"]),
            Route("/api/v1/tasks/{task_id}/cancel", self.cancel, methods=["POST"]),
            Route("/api/v1/uploads", self.policy, methods=["GET"]),
            Route("/oss", self.oss_upload, methods=["POST"]),
        ]

    # ---- auth -------------------------------------------------------------
    def owner(self, request: Request) -> str | Response:
        if not request.headers.get("authorization", "").strip():
            return error(401, "InvalidApiKey", "No API-key provided.")
        key = bearer_key(request)
        if not key_accepted(key, "dashscope", self.store.config.strict_keys):
            return error(401, "InvalidApiKey", "Invalid API-key provided.")
        return key

    # ---- tasks ------------------------------------------------------------
    async def create(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        if request.headers.get("x-dashscope-async", "").strip().lower() != "enable":
            return error(403, "AccessDenied", "current user api does not support synchronous calls")
        raw = await request.body()  # read first: a client that gives up while we are slow still created it
        if (refusal := await gate(self.store.faults, "create", P, fault_error)) is not None:
            return refusal
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return error(400, "InvalidParameter", "The request body is not valid JSON.")
        if not isinstance(body, dict):
            return error(400, "InvalidParameter", "The request body must be a JSON object.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return error(400, "InvalidParameter", "Field required: model")
        spec = DASHSCOPE_MODELS.get(model)
        if spec is None:
            return error(404, "ModelNotFound", f"Model not exist: {model}")
        try:
            job = await self._job(request, body, model, spec, owner)
        except Invalid as exc:
            return error(400, "InvalidParameter", str(exc))
        task = Task(id=str(uuid.uuid4()), protocol=P, model=model, owner=owner, job=job,
                    total_seconds=self.store.config.seconds_for(job),
                    request=client_request(request.headers, body))
        self.store.add_task(task)
        self._start(task)
        resp = JSONResponse({"request_id": str(uuid.uuid4()),
                             "output": {"task_id": task.id, "task_status": "PENDING"}})
        return await after(self.store.faults, request.scope, "create", P, resp, task.id)

    def _start(self, task: Task) -> None:
        faults = self.store.faults
        if faults.take("create", P, ("unknown",)) is not None:
            task.expired = True
        failure = faults.take("create", P, ("fail_task",))
        if failure is not None and failure.rejected:
            end(self.store, task, "rejected", self.render, code=failure.code if failure.code != "rejected" else "Arrearage",
                message=failure.message or "Access denied, please make sure your account is in good standing.")
            return
        if failure is not None:
            task.planned_failure = {"code": failure.code or "DataInspectionFailed",
                                    "message": failure.message or "Output data may contain inappropriate content."}
        self.store.spawn(drive(self.store, self.emu.clips, task, self.render))

    async def _job(self, request: Request, body: dict[str, Any], model: str, spec: Model, owner: str) -> Job:
        variant = spec.variant
        inp = body.get("input")
        if not isinstance(inp, dict):
            raise Invalid("Field required: input")
        params = body.get("parameters", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise Invalid("Field parameters must be an object.")
        if "negative_prompt" in params:
            raise Invalid("Field parameters.negative_prompt is not a parameter: the negative prompt goes in "
                          "input.negative_prompt.")
        job = check_params(spec, {"prompt": inp.get("prompt"), "negative_prompt": inp.get("negative_prompt"),
                                  **{k: params.get(k) for k in PARAMS}}, where="parameters.", negative_where="input.")
        media = inp.get("media")
        media = [] if media is None else media
        if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
            raise Invalid("Field input.media must be a list of {type, url} objects.")
        types = [m.get("type") for m in media]
        for i, kind in enumerate(types):
            if kind not in MEDIA_TYPES:
                raise Invalid(f"input.media[{i}].type {kind!r} is not supported by {model}.")
        check_counts(variant, types.count("first_frame"), types.count("reference_image"), types.count("video"))
        if variant == "edit" and types[0] != "video":
            raise Invalid("input.media: the video must come first, then the reference images.")
        infos: dict[str, MediaInfo] = {}
        for i, item in enumerate(media):
            name = f"input.media[{i}].url"
            url = item.get("url")
            if not isinstance(url, str) or not url.strip():
                raise Invalid(f"Field required: {name}")
            data = await self._load(request, url.strip(), model, owner, name)
            role = "edit_reference" if (variant == "edit" and item["type"] == "reference_image") else item["type"]
            infos.setdefault(item["type"], check(role, data, name))
        return finish_job(job, first_frame=infos.get("first_frame"), video=infos.get("video"))

    async def _load(self, request: Request, url: str, model: str, owner: str, name: str) -> bytes:
        if not url.startswith("oss://"):
            return await self.emu.load_url(url, name)
        if request.headers.get("x-dashscope-ossresourceresolve", "").strip().lower() != "enable":
            raise Invalid(f"{name}: the provided URL does not appear to be valid: an oss:// URL needs the "
                          f"header X-DashScope-OssResourceResolve: enable.")
        obj = self.store.oss.get(url[len("oss://"):])
        if obj is None or obj.owner != owner or obj.data is None:
            raise Invalid(f"{name}: the file {url} does not exist or has expired.")
        if obj.model != model:
            raise Invalid(f"{name}: {url} was uploaded for model {obj.model}; upload it again for {model}.")
        return obj.data

    def render(self, task: Task) -> dict[str, Any]:
        status = native_status(task)
        out: dict[str, Any] = {"task_id": task.id, "task_status": status}
        if status == "UNKNOWN":
            return {"request_id": str(uuid.uuid4()), "output": out}
        out["submit_time"] = dashscope_time(task.created)
        if task.scheduled is not None:
            out["scheduled_time"] = dashscope_time(task.scheduled)
        if task.ended is not None:
            out["end_time"] = dashscope_time(task.ended)
        body: dict[str, Any] = {"request_id": str(uuid.uuid4()), "output": out}
        if status == "SUCCEEDED":
            out["orig_prompt"] = task.job.prompt
            if task.job.prompt_extend:
                out["actual_prompt"] = rewritten(task.job.prompt)
            out["video_url"] = self.result_url(task)
            body["usage"] = usage(task.job)
        elif status == "FAILED":
            out["code"], out["message"] = task.error_code, task.error_message
        return body

    def result_url(self, task: Task) -> str:
        expires = int((task.ended or time.time()) + URL_LIFETIME)
        signature = sign(self.store.secret, f"{task.id}:{expires}")
        from urllib.parse import urlencode

        query = urlencode({"Expires": expires, "OSSAccessKeyId": OSS_ACCESS_KEY_ID, "Signature": signature})
        return f"{self.store.base_url}/results/{task.id}.mp4?{query}"

    def url_signed(self, task_id: str, query: dict[str, str]) -> bool:
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            return False
        good = sign(self.store.secret, f"{task_id}:{expires}")
        return (hmac.compare_digest(good, query.get("Signature", "")) and expires > time.time()
                and query.get("OSSAccessKeyId") == OSS_ACCESS_KEY_ID)

    async def query(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        task_id = request.path_params["task_id"]
        if (refusal := await gate(self.store.faults, "status", P, fault_error, task_id)) is not None:
            return refusal
        task = self.store.task(task_id, P, owner)
        if task is not None and self.store.faults.take("status", P, ("unknown",), task_id):
            task.expired = True
        body = self.render(task) if task else {"request_id": str(uuid.uuid4()),
                                               "output": {"task_id": task_id, "task_status": "UNKNOWN"}}
        return await after(self.store.faults, request.scope, "status", P, JSONResponse(body), task_id)

    async def cancel(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        task_id = request.path_params["task_id"]
        if (refusal := await gate(self.store.faults, "cancel", P, fault_error, task_id)) is not None:
            return refusal
        task = self.store.task(task_id, P, owner)
        if task is not None and self.store.faults.take("cancel", P, ("unknown",), task_id):
            task.expired = True
            task = None
        if task is None or DASHSCOPE_STATUS[task.stage] != "PENDING":
            return error(400, "UnsupportedOperation", CANCEL_REFUSED)
        end(self.store, task, "cancelled", self.render)
        resp = JSONResponse({"request_id": str(uuid.uuid4())})
        return await after(self.store.faults, request.scope, "cancel", P, resp, task_id)

    # ---- temporary file upload ------------------------------------------
    async def policy(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        if request.query_params.get("action") != "getPolicy":
            return error(400, "InvalidParameter", "Field action must be getPolicy.")
        model = request.query_params.get("model", "")
        if not model:
            return error(400, "InvalidParameter", "Field required: model")
        if model not in DASHSCOPE_MODELS:
            return error(404, "ModelNotFound", f"Model not exist: {model}")
        if (refusal := await gate(self.store.faults, "policy", P, fault_error)) is not None:
            return refusal
        now = time.time()
        upload_dir = f"dashscope-instant/{hashlib.md5(owner.encode()).hexdigest()}/" \
                     f"{datetime.now().strftime('%Y-%m-%d')}/{uuid.uuid4()}"
        doc = {"expiration": datetime.fromtimestamp(now + POLICY_SECONDS, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
               "conditions": [["content-length-range", 0, MAX_UPLOAD_MB * 2**20],
                              ["starts-with", "$key", upload_dir], {"bucket": "dashscope-file-mgr"},
                              {"x-oss-object-acl": "private"}, {"x-oss-forbid-overwrite": "true"}]}
        policy_text = base64.b64encode(json.dumps(doc).encode()).decode()
        pol = Policy(upload_dir=upload_dir, policy=policy_text, signature=sign(self.store.secret, policy_text),
                     access_key_id=OSS_ACCESS_KEY_ID, model=model, owner=owner,
                     expires=now + POLICY_SECONDS, max_bytes=MAX_UPLOAD_MB * 2**20)
        with self.store.lock:
            self.store.policies[policy_text] = pol
        data = {"policy": pol.policy, "signature": pol.signature, "upload_dir": upload_dir,
                "upload_host": f"{self.store.base_url}/oss", "expire_in_seconds": POLICY_SECONDS,
                "max_file_size_mb": MAX_UPLOAD_MB, "capacity_limit_mb": 999999999,
                "oss_access_key_id": pol.access_key_id, "x_oss_object_acl": pol.acl,
                "x_oss_forbid_overwrite": pol.forbid_overwrite}
        resp = JSONResponse({"request_id": str(uuid.uuid4()), "data": data})
        return await after(self.store.faults, request.scope, "policy", P, resp)

    async def oss_upload(self, request: Request) -> Response:
        """OSS PostObject: the form must carry exactly what the policy we issued allows."""
        if (refusal := await gate(self.store.faults, "upload", P, oss_fault_error)) is not None:
            return refusal
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return oss_error(400, "InvalidArgument", "PostObject needs a multipart/form-data body.")
        try:
            form = await request.form(max_part_size=MAX_UPLOAD_MB * 2**20 + 1)
        except Exception as exc:  # malformed multipart
            return oss_error(400, "InvalidArgument", f"The multipart body cannot be parsed: {exc}")
        refusal_or_obj = await self._check_form(form)
        if isinstance(refusal_or_obj, Response):
            return refusal_or_obj
        with self.store.lock:
            self.store.oss[refusal_or_obj.id] = refusal_or_obj
        status = {"200": 200, "201": 201}.get(str(form.get("success_action_status", "")), 204)
        resp = Response(status_code=status, headers={"ETag": f'"{hashlib.md5(refusal_or_obj.data or b"").hexdigest().upper()}"'})
        return await after(self.store.faults, request.scope, "upload", P, resp)

    async def _check_form(self, form: Any) -> Upload | Response:
        fields = list(form.keys())
        for name in ("OSSAccessKeyId", "policy", "Signature", "key", "file"):
            if name not in form:
                return oss_error(400, "InvalidArgument", f"The form field {name} is missing.")
        if fields[-1] != "file":
            return oss_error(400, "InvalidArgument", "The file must be the last form field.")
        pol = self.store.policies.get(str(form["policy"]))
        if pol is None:
            return oss_error(403, "AccessDenied", "Invalid according to Policy: the policy was not issued by us.")
        if form["OSSAccessKeyId"] != pol.access_key_id:
            return oss_error(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
        if not hmac.compare_digest(str(form["Signature"]), pol.signature):
            return oss_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        if time.time() > pol.expires:
            return oss_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        key = str(form["key"])
        if not key.startswith(pol.upload_dir + "/") or len(key) <= len(pol.upload_dir) + 1:
            return oss_error(403, "AccessDenied", f'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "{pol.upload_dir}"]')
        for name, wanted in (("x-oss-object-acl", pol.acl), ("x-oss-forbid-overwrite", pol.forbid_overwrite)):
            if str(form.get(name, "")) != wanted:
                return oss_error(403, "AccessDenied", f'Invalid according to Policy: Policy Condition failed: ["eq", "${name}", "{wanted}"]')
        upload = form["file"]
        if isinstance(upload, str):
            return oss_error(400, "InvalidArgument", "The form field file must be a file part.")
        data = await upload.read()
        if len(data) > pol.max_bytes:
            return oss_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        if key in self.store.oss and pol.forbid_overwrite == "true":
            return oss_error(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
        content_type = str(form.get("x-oss-content-type") or upload.content_type or "application/octet-stream")
        return Upload(id=key, filename=key.rsplit("/", 1)[-1], content_type=content_type, size=len(data),
                      uri=f"oss://{key}", data=data, owner=pol.owner, model=pol.model)
