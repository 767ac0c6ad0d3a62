"""GET /results/{task}.mp4: the finished clips, served like the providers' storage.

DashScope URLs are signed OSS URLs (Expires, OSSAccessKeyId, Signature): a
missing or wrong signature is a 403, as on OSS. inference.sh URLs are plain
CDN links. Content-Length is announced, Range is honoured, bodies stream.
Download faults: http, slow, forbidden, truncate, malformed (not an MP4), drop.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from studio.emulator.dashscope import oss_error
from studio.emulator.faults import Fault, abort, sleep_faults
from studio.emulator.state import Task

if TYPE_CHECKING:
    from studio.emulator.server import Emulator

CHUNK = 256 * 1024


class TruncatedFile(Response):
    """Announces the whole file, sends half of it, then closes the connection."""

    def __init__(self, path: str, size: int) -> None:
        super().__init__(status_code=200)
        self.path, self.size = path, size

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"video/mp4"), (b"content-length", str(self.size).encode()),
                                (b"accept-ranges", b"bytes")]})
        with open(self.path, "rb") as fh:
            remaining = self.size // 2
            while remaining > 0:
                chunk = fh.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await abort(scope)


class Results:
    def __init__(self, emu: "Emulator") -> None:
        self.emu = emu
        self.store = emu.store

    def routes(self) -> list[Route]:
        return [Route("/results/{name}", self.serve, methods=["GET", "HEAD"])]

    def finished(self, name: str) -> Task | None:
        task_id, dot, ext = name.rpartition(".")
        task = self.store.tasks.get(task_id) if dot and ext == "mp4" else None
        if task is None or task.stage != "completed" or task.clip is None:
            return None
        return task

    async def serve(self, request: Request) -> Response:
        task = self.finished(request.path_params["name"])
        if task is None:
            return oss_error(404, "NoSuchKey", "The specified key does not exist.")
        request.scope["emulator.protocol"] = task.protocol
        if task.protocol == "dashscope" and not self.emu.dashscope.url_signed(task.id, dict(request.query_params)):
            return oss_error(403, "AccessDenied", "Request has expired or the signature does not match.")
        faults = self.store.faults
        await sleep_faults(faults, "download", task.protocol, task.id)
        fault = faults.take("download", task.protocol, ("http", "forbidden", "truncate", "malformed", "drop"), task.id)
        if fault is not None:
            return await self._spoiled(request, task, fault)
        if not task.clip.exists():  # the cache was emptied under us: make it again
            task.clip = await self.emu.clips.get(task.job.width, task.job.height, task.job.seconds)
        return FileResponse(task.clip, media_type="video/mp4", filename=None,
                            headers={"Cache-Control": "private, max-age=86400"})

    async def _spoiled(self, request: Request, task: Task, fault: Fault) -> Response:
        if fault.kind == "http":
            resp = oss_error(fault.status, fault.code or "InternalError", fault.message or "Injected fault")
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = f"{fault.retry_after:g}"
            return resp
        if fault.kind == "forbidden":
            return oss_error(403, "AccessDenied", fault.message or "Request has expired.")
        if fault.kind == "malformed":
            return Response(os.urandom(4096), media_type="video/mp4")
        if fault.kind == "drop":
            await abort(request.scope)
            return Response(status_code=499)
        assert task.clip is not None
        return TruncatedFile(str(task.clip), task.clip.stat().st_size)

    async def load(self, task_id: str) -> bytes | None:
        """The bytes of a finished clip, for requests that use a result URL as input."""
        task = self.finished(f"{task_id}.mp4")
        if task is None or task.clip is None:
            return None
        return task.clip.read_bytes()
