"""One Starlette app serving both protocols, the result files and the control API.

create_app() builds it; RequestLog wraps it to record every request for
/_emulator/stats and to give handlers a way to drop a connection (ASGI has
none), which the `drop` and `truncate` faults need.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from studio.emulator import admin
from studio.emulator.clips import ClipCache
from studio.emulator.dashscope import DashScope
from studio.emulator.inferencesh import InferenceSh
from studio.emulator.media import Invalid, fetch
from studio.emulator.results import Results
from studio.emulator.state import Config, Store

log = logging.getLogger("studio.emulator")

PROTOCOL_PREFIXES = (("/api/v1/", "dashscope"), ("/oss", "dashscope"), ("/apps/", "inferencesh"),
                     ("/tasks/", "inferencesh"), ("/files", "inferencesh"), ("/upload/", "inferencesh"))


class Emulator:
    """The parts the handlers share: state, clip cache, and each protocol."""

    def __init__(self, base_url: str, config: Config | None = None, cache_dir: Path | None = None) -> None:
        self.store = Store(config or Config(), base_url.rstrip("/"))
        self.clips = ClipCache(cache_dir)
        self.dashscope = DashScope(self)
        self.inferencesh = InferenceSh(self)
        self.results = Results(self)

    async def load_url(self, url: str, name: str) -> bytes:
        """Media by URL. Our own result and file URLs resolve in memory; others are fetched."""
        base = self.store.base_url
        if url.startswith(base + "/"):
            parts = urlsplit(url)
            path = parts.path
            if path.startswith("/results/"):
                task_name = path[len("/results/"):]
                task = self.results.finished(task_name)
                query = dict(parse_qsl(parts.query))
                if task is None or (task.protocol == "dashscope"
                                    and not self.dashscope.url_signed(task.id, query)):
                    raise Invalid(f"{name}: failed to download the file from {url[:200]}: HTTP 403/404")
                data = await self.results.load(task.id)
                if data is not None:
                    return data
            if path.startswith("/files/"):
                upload = self.store.files.get(path[len("/files/"):].split("/", 1)[0])
                if upload is not None and upload.data is not None and upload.uri == url:
                    return upload.data
            raise Invalid(f"{name}: failed to download the file from {url[:200]}: HTTP 404")
        return await fetch(url, name)


class RequestLog:
    """Outer ASGI layer: logs each request and lets handlers close the connection."""

    def __init__(self, app: Any, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: int | None = None
        entry: dict[str, Any] | None = None

        async def close() -> None:
            if entry is not None:
                entry["dropped"] = True
            # uvicorn hands apps a bound method of its per-request cycle, which owns the transport.
            cycle = getattr(send, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if transport is None:
                raise RuntimeError("this server does not expose its transport; cannot drop")
            transport.close()
            for _ in range(100):
                if getattr(cycle, "disconnected", True):
                    break
                await asyncio.sleep(0.002)

        async def logged_send(message: dict[str, Any]) -> None:
            nonlocal status
            if scope.get("emulator.dropped"):
                return
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        scope["emulator.close"] = close
        path = scope.get("path", "")
        if not path.startswith("/_emulator"):  # logged at once, so a dropped request is on record
            entry = {"method": scope.get("method"), "path": path, "status": None, "dropped": False,
                     "protocol": next((p for prefix, p in PROTOCOL_PREFIXES if path.startswith(prefix)), "other"),
                     "time": time.time()}
            self.store.log_request(entry)
        try:
            await self.app(scope, receive, logged_send)
        except ClientDisconnect:  # the client left before sending its whole request: nothing to answer
            scope["emulator.client_left"] = True
        finally:
            if entry is not None:
                entry.update(protocol=scope.get("emulator.protocol") or entry["protocol"],
                             status=None if scope.get("emulator.dropped") else status,
                             dropped=bool(scope.get("emulator.dropped")))


def create_app(base_url: str, config: Config | None = None, cache_dir: Path | None = None,
               on_startup: Any = None) -> RequestLog:
    emu = Emulator(base_url, config, cache_dir)
    routes = [*emu.dashscope.routes(), *emu.inferencesh.routes(), *emu.results.routes(),
              *admin.routes(emu.store)]

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        path = request.url.path
        if path.startswith("/api/"):
            return JSONResponse({"request_id": "", "code": "NotFound", "message": f"{path} not found"}, 404)
        return JSONResponse({"type": "https://api.inference.sh/problems/not_found", "title": "Not found",
                             "status": 404, "detail": f"{path} not found"}, 404,
                            media_type="application/problem+json")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        if on_startup is not None:
            on_startup()
        yield
        emu.store.reset()

    app = Starlette(routes=routes, exception_handlers={404: not_found}, lifespan=lifespan)
    app.state.emulator = emu
    return RequestLog(app, emu.store)
