"""inference.sh apps, as the real API answers them.

Paths: POST /apps/run, GET /tasks/{id}, GET /tasks/{id}/stream (NDJSON, or SSE
when only text/event-stream is accepted), POST /tasks/{id}/cancel, POST /files,
PUT /upload/{id} (the signed upload URL) and GET /files/{id}/{name} (the CDN).
Success answers are wrapped {"data": ..., "messages": []}; errors are
problem+json {type: ".../<code>", title, status, detail}.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, AsyncIterator
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from studio.emulator.faults import Fault, abort, after, gate
from studio.emulator.keys import bearer_key, key_accepted
from studio.emulator.media import Invalid, MediaInfo, check
from studio.emulator.runner import drive, end
from studio.emulator.spec import Model, app_model, check_counts, check_params, finish_job, rewritten
from studio.emulator.state import STATUS_CODES, Job, Task, Upload, client_request, iso, new_id

if TYPE_CHECKING:
    from studio.emulator.server import Emulator

P = "inferencesh"
PROBLEM_BASE = "https://api.inference.sh/problems/"
TITLES = {"invalid_request": "Invalid request", "validation_error": "Validation error",
          "unauthorized": "Unauthorized", "forbidden": "Forbidden", "not_found": "Not found",
          "conflict": "Conflict", "rate_limited": "Too many requests", "internal_error": "Internal error",
          "service_unavailable": "Service unavailable", "requirements_not_met": "Requirements not met",
          "blocked_by_usage_policy": "Blocked by usage policy"}
DEFAULT_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 409: "conflict", 412: "requirements_not_met", 422: "validation_error",
                 429: "rate_limited", 503: "service_unavailable"}
PARAMS = ("prompt", "resolution", "ratio", "duration", "watermark", "seed", "audio_setting", "negative_prompt",
          "prompt_extend")
MEDIA_FIELDS = {"first_frame": {"i2v"}, "reference_images": {"r2v", "edit"}, "video": {"edit"}}
INFRAS = ("cloud", "private", "private_first")


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": PROBLEM_BASE + code, "title": TITLES.get(code, code.replace("_", " ").capitalize()),
            "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


def fault_error(fault: Fault) -> JSONResponse:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    code = fault.code or DEFAULT_CODES.get(fault.status, "internal_error")
    return problem(fault.status, code, fault.message or f"injected fault: {code}", headers)


def storage_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>\n'
    return Response(body, status_code=status, media_type="application/xml", headers=headers)


def storage_fault_error(fault: Fault) -> Response:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    return storage_error(fault.status, fault.code or "InternalError", fault.message or "Injected fault", headers)


def wrap(data: Any) -> JSONResponse:
    return JSONResponse({"data": data, "messages": []})


class InferenceSh:
    def __init__(self, emu: "Emulator") -> None:
        self.emu = emu
        self.store = emu.store

    def routes(self) -> list[Route]:
        return [
            Route("/apps/run", self.run, methods=["POST"]),
            Route("/tasks/{task_id}", self.get, methods=["GET"]),
            Route("/tasks/{task_id}/stream", self.stream, methods=["GET"]),
            Route("/tasks/{task_id}/cancel", self.cancel, methods=["POST"]),
            Route("/files", self.create_files, methods=["POST"]),
            Route("/files/{file_id}/{name:path}", self.serve_file, methods=["GET", "HEAD"]),
            Route("/upload/{file_id}", self.upload, methods=["PUT"]),
        ]

    def owner(self, request: Request) -> str | Response:
        key = bearer_key(request)
        if not key_accepted(key, "inferencesh", self.store.config.strict_keys):
            return problem(401, "unauthorized", "missing or invalid API key" if key else "missing API key")
        return key

    # ---- tasks ------------------------------------------------------------
    async def run(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        raw = await request.body()  # read first: a client that gives up while we are slow still created it
        if (refusal := await gate(self.store.faults, "create", P, fault_error)) is not None:
            return refusal
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return problem(400, "invalid_request", "request body is not valid JSON")
        if not isinstance(body, dict):
            return problem(400, "invalid_request", "request body must be a JSON object")
        app = body.get("app")
        if not isinstance(app, str) or not app:
            return problem(400, "invalid_request", "app is required")
        spec = app_model(app)
        if spec is None:
            return problem(404, "not_found", f"app {app} not found")
        try:
            webhook = self._run_options(body)
            job = await self._job(body.get("input"), app, spec)
        except Invalid as exc:
            return problem(422, "validation_error", str(exc))
        task = Task(id=new_id(), protocol=P, model=app, owner=owner, job=job, input=body["input"],
                    webhook=webhook, total_seconds=self.store.config.seconds_for(job),
                    request=client_request(request.headers, body))
        self.store.add_task(task)
        self._start(task)
        resp = wrap(self.render(task))
        return await after(self.store.faults, request.scope, "create", P, resp, task.id, garbage=b'{"data": {"id": "')

    @staticmethod
    def _run_options(body: dict[str, Any]) -> str | None:
        infra = body.get("infra")
        if infra is not None and infra not in INFRAS:
            raise Invalid(f"infra must be one of {', '.join(INFRAS)}; got {infra!r}")
        webhook = body.get("webhook")
        if webhook is not None and (not isinstance(webhook, str) or urlsplit(webhook).scheme not in ("http", "https")):
            raise Invalid("webhook must be an http(s) URL")
        return webhook or None

    def _start(self, task: Task) -> None:
        faults = self.store.faults
        if faults.take("create", P, ("unknown",)) is not None:
            task.expired = True
        failure = faults.take("create", P, ("fail_task",))
        if failure is not None and failure.rejected:
            end(self.store, task, "rejected", self.webhook_body, code="rejected",
                message=failure.message or "insufficient balance: add credits to run this app")
            return
        if failure is not None:
            task.planned_failure = {"code": failure.code or "failed",
                                    "message": failure.message or "content moderation: the output was blocked"}
        self.store.spawn(drive(self.store, self.emu.clips, task, self.webhook_body))

    async def _job(self, inp: Any, app: str, spec: Model) -> Job:
        variant = spec.variant
        if not isinstance(inp, dict):
            raise Invalid("input is required and must be an object")
        for name, takers in MEDIA_FIELDS.items():
            if name in inp and inp[name] is not None and variant not in takers:
                raise Invalid(f"input.{name} is not an input of {app}")
        job = check_params(spec, {k: inp.get(k) for k in PARAMS}, where="input.")
        refs = inp.get("reference_images")
        refs = [] if refs is None else refs
        if not isinstance(refs, list):
            raise Invalid("input.reference_images must be a list of files")
        first = 1 if inp.get("first_frame") is not None else 0
        video = 1 if inp.get("video") is not None else 0
        check_counts(variant, first, len(refs), video)
        infos: dict[str, MediaInfo] = {}
        if first:
            infos["first_frame"] = check("first_frame", await self._file(inp["first_frame"], "input.first_frame"),
                                         "input.first_frame")
        if video:
            infos["video"] = check("video", await self._file(inp["video"], "input.video"), "input.video")
        role = "edit_reference" if variant == "edit" else "reference_image"
        for i, ref in enumerate(refs):
            name = f"input.reference_images[{i}]"
            check(role, await self._file(ref, name), name)
        return finish_job(job, first_frame=infos.get("first_frame"), video=infos.get("video"))

    async def _file(self, value: Any, name: str) -> bytes:
        if isinstance(value, dict) and isinstance(value.get("uri"), str):
            value = value["uri"]
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"{name} must be a file: a URI string or {{\"uri\": ...}}")
        uri = value.strip()
        prefix = f"{self.store.base_url}/files/"
        if uri.startswith(prefix):
            upload = self.store.files.get(uri[len(prefix):].split("/", 1)[0])
            if upload is None or upload.uri != uri:
                raise Invalid(f"{name}: unknown file {uri}")
            if upload.data is None:
                raise Invalid(f"{name}: the file {uri} was never uploaded (PUT its upload_url first)")
            return upload.data
        return await self.emu.load_url(uri, name)

    def render(self, task: Task, string_status: bool = False) -> dict[str, Any]:
        def status(stage_code: int) -> Any:
            return next(k for k, v in STATUS_CODES.items() if v == stage_code) if string_status else stage_code

        output = None
        if task.stage == "completed":
            url = f"{self.store.base_url}/results/{task.id}.mp4"
            output = {"video": url if self.store.config.output_as_string else
                      {"uri": url, "filename": f"{task.id}.mp4", "content_type": "video/mp4", "size": task.clip_size}}
            if task.job.prompt_extend:
                output["actual_prompt"] = rewritten(task.job.prompt)
        return {
            "id": task.id, "status": status(STATUS_CODES[task.stage]), "app": task.model, "infra": "cloud",
            "created_at": iso(task.created), "updated_at": iso(task.updated), "input": task.input,
            "output": output, "error": task.error_message, "webhook": task.webhook,
            "events": [{**e, "status": status(e["status"])} for e in task.events],
            "logs": list(task.logs),
        }

    def webhook_body(self, task: Task) -> dict[str, Any]:
        return self.render(task)

    async def _task(self, request: Request, on: str) -> tuple[Task | None, Response | None]:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return None, owner
        task_id = request.path_params["task_id"]
        if (refusal := await gate(self.store.faults, on, P, fault_error, task_id)) is not None:
            return None, refusal
        task = self.store.task(task_id, P, owner)
        if task is not None and self.store.faults.take(on, P, ("unknown",), task_id):
            task.expired = True
            task = None
        if task is None:
            return None, problem(404, "not_found", f"task {task_id} not found")
        return task, None

    async def get(self, request: Request) -> Response:
        task, refusal = await self._task(request, "status")
        if task is None:
            return refusal  # type: ignore[return-value]
        return await after(self.store.faults, request.scope, "status", P, wrap(self.render(task)), task.id)

    async def cancel(self, request: Request) -> Response:
        task, refusal = await self._task(request, "cancel")
        if task is None:
            return refusal  # type: ignore[return-value]
        if task.terminal:
            return problem(409, "conflict", f"task {task.id} has already ended")
        end(self.store, task, "cancelled", self.webhook_body)
        return await after(self.store.faults, request.scope, "cancel", P, wrap(self.render(task)), task.id)

    async def stream(self, request: Request) -> Response:
        task, refusal = await self._task(request, "stream")
        if task is None:
            return refusal  # type: ignore[return-value]
        accept = request.headers.get("accept", "")
        sse = "text/event-stream" in accept and "application/x-ndjson" not in accept
        faults = self.store.faults
        drop = faults.take("stream", P, ("drop",), task.id)
        if drop is not None and drop.after_lines == 0:
            await abort(request.scope)
            return Response(status_code=499)
        garbled = faults.take("stream", P, ("malformed",), task.id) is not None
        lines = self._lines(request.scope, task, sse, drop.after_lines if drop else None, garbled)
        return StreamingResponse(lines, media_type="text/event-stream" if sse else "application/x-ndjson",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _lines(self, scope: dict[str, Any], task: Task, sse: bool, drop_after: int | None,
                     garbled: bool) -> AsyncIterator[bytes]:
        sent = 0

        def line(obj: Any, event: str = "update") -> bytes:
            text = json.dumps(obj, separators=(",", ":"))
            return f"event: {event}\ndata: {text}\n\n".encode() if sse else (text + "\n").encode()

        if garbled:
            yield b'{"id":"' + task.id.encode() + b'","status":\n'
        version = task.version
        yield line(self.render(task, self.store.config.string_status))
        sent += 1
        while not task.terminal and not task.expired and self.store.tasks.get(task.id) is task:
            if drop_after is not None and sent >= drop_after:
                await abort(scope)
                return
            changed = await task.wait_change(version, self.store.config.heartbeat_seconds)
            if not changed:
                yield b": heartbeat\n\n" if sse else b'{"type":"heartbeat"}\n'
                continue
            version = task.version
            full = self.render(task, self.store.config.string_status)
            if task.terminal:
                yield line(full, "done" if task.stage == "completed" else "error" if task.stage == "failed" else "update")
                return
            fields = ["status", "updated_at", "events", "logs"]
            yield line({"data": {"id": task.id, **{f: full[f] for f in fields}}, "fields": fields})
            sent += 1

    # ---- files --------------------------------------------------------------
    async def create_files(self, request: Request) -> Response:
        owner = self.owner(request)
        if isinstance(owner, Response):
            return owner
        if (refusal := await gate(self.store.faults, "files", P, fault_error)) is not None:
            return refusal
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return problem(400, "invalid_request", "request body is not valid JSON")
        files = body.get("files") if isinstance(body, dict) else None
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            return problem(422, "validation_error", "files must be a non-empty list of objects")
        made = []
        for i, spec in enumerate(files):
            filename, ctype, size = spec.get("filename"), spec.get("content_type"), spec.get("size")
            if filename is not None and (not isinstance(filename, str) or "/" in filename):
                return problem(422, "validation_error", f"files[{i}].filename must be a plain file name")
            if ctype is not None and not isinstance(ctype, str):
                return problem(422, "validation_error", f"files[{i}].content_type must be a string")
            if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
                return problem(422, "validation_error", f"files[{i}].size must be a whole number of bytes")
            file_id = new_id()
            name = filename or file_id
            made.append(Upload(id=file_id, filename=name, content_type=ctype or "application/octet-stream",
                               size=size, uri=f"{self.store.base_url}/files/{file_id}/{quote(name)}", owner=owner))
        with self.store.lock:
            for upload in made:
                self.store.files[upload.id] = upload
        data = [{"id": u.id, "uri": u.uri, "upload_url": f"{self.store.base_url}/upload/{u.id}",
                 "filename": u.filename, "content_type": u.content_type, "size": u.size, "path": "",
                 "created_at": iso(u.created), "updated_at": iso(u.created)} for u in made]
        return await after(self.store.faults, request.scope, "files", P, wrap(data), garbage=b'{"data": [{"uri": "')

    async def upload(self, request: Request) -> Response:
        if (refusal := await gate(self.store.faults, "upload", P, storage_fault_error)) is not None:
            return refusal
        upload = self.store.files.get(request.path_params["file_id"])
        if upload is None:
            return storage_error(404, "NoSuchUpload", "The specified upload does not exist.")
        sent_type = request.headers.get("content-type")
        if sent_type and upload.content_type != "application/octet-stream" and sent_type != upload.content_type:
            return storage_error(403, "SignatureDoesNotMatch",
                                 f"Content-Type {sent_type} does not match the signed {upload.content_type}.")
        data = await request.body()
        upload.data, upload.size = data, len(data)
        resp = Response(status_code=200, headers={"ETag": f'"{hashlib.md5(data).hexdigest()}"'})
        return await after(self.store.faults, request.scope, "upload", P, resp)

    async def serve_file(self, request: Request) -> Response:
        upload = self.store.files.get(request.path_params["file_id"])
        if upload is None or upload.data is None or upload.uri.rsplit("/", 1)[-1] != quote(request.path_params["name"]):
            return storage_error(404, "NoSuchKey", "The specified key does not exist.")
        body = b"" if request.method == "HEAD" else upload.data
        return Response(body, media_type=upload.content_type, headers={"Content-Length": str(len(upload.data))})
