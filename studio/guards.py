"""What stands between a stranger's request and the studio (plain ASGI middleware).

- SameOrigin: a studio serving on loopback answers only to loopback Host
  names (a DNS-rebound page cannot pose as it); and a browser request sent by
  a page of another origin (another
  port, a sibling subdomain, any site) is refused, whatever cookie it carries:
  such a page could otherwise read a user's gallery or start paid jobs in
  their name. Requests without an Origin (gradio_client, curl, the provider's
  webhook) and top-level navigations pass.
- AnonymousIdentity (studio.anonymous): who a caller without a sign-in is.
- FileReferences: an event's data may name a file only by a path inside this
  server's upload folder (studio.ui.uploads.confined): a server path, another
  user's clip, /proc, /dev, a FIFO or a symlink out is refused with a plain
  message before Gradio copies anything, and so is a URL (the server would
  fetch it). Handlers check their files again themselves.
- UploadLimits: an upload request carries at most MAX_UPLOAD_FILES files;
  one with more is refused and every file it wrote is removed. (The size of
  each file is capped by Gradio's max_file_size, which removes partial files.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

MAX_UPLOAD_FILES = 9                  # the most one form takes at once (nine reference slots)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EVENT_BODY_MAX = 4 * 1024 * 1024      # an event's JSON (files travel by upload, not inline)
EVENT_PATHS = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/gradio_api/api/",
               "/gradio_api/component_server", "/gradio_api/mcp/")
UNGUARDED = ("/studio/webhook/", "/studio/health")  # server-to-server; they check their own secret


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def own_origins(scope, headers: Headers, public_url: str | None) -> set[str]:
    """The origins this very server answers as: the Host it was asked for, and its public URL."""
    host = headers.get("x-forwarded-host") or headers.get("host") or ""
    scheme = headers.get("x-forwarded-proto") or scope.get("scheme", "http")
    origins = {f"{scheme}://{host}"}
    if public_url:
        parts = urlsplit(public_url)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


class SameOrigin:
    def __init__(self, app, public_url: str | None = None, hosts: tuple[str, ...] | None = None):
        self.app = app
        self.public_url = public_url
        self.hosts = hosts  # the only Host names answered (a studio on loopback), or None for any

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(UNGUARDED):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        if self.hosts is not None and urlsplit("//" + (headers.get("host") or "")).hostname not in self.hosts:
            # DNS rebinding: a page whose name now points at 127.0.0.1 would otherwise be "same origin"
            return await _refuse(421, "This studio answers only at its own address (127.0.0.1 or localhost).")(
                scope, receive, send)
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        foreign = (origin is not None and origin not in own_origins(scope, headers, self.public_url)) or \
                  (origin is None and site in ("cross-site", "same-site") and
                   headers.get("sec-fetch-mode") != "navigate")
        if foreign:
            response = _refuse(403, "This studio refuses requests sent by other websites. "
                                    "Open the studio's own page to use it.")
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)


class UploadLimits:
    def __init__(self, app, upload_path: str = "/gradio_api/upload", upload_root: Path | None = None):
        self.app = app
        self.upload_path = upload_path
        self.upload_root = upload_root

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.upload_path or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        held: list[dict] = []

        async def hold(message):
            held.append(message)

        await self.app(scope, receive, hold)  # background copies finish before this returns
        files = _listed_files(held)
        if files is not None and len(files) > MAX_UPLOAD_FILES:
            self._remove(files)
            response = _refuse(400, f"At most {MAX_UPLOAD_FILES} files can be uploaded at once: "
                                    "send fewer files per request.")
            return await response(scope, receive, send)
        for message in held:
            await send(message)

    def _remove(self, files: list[str]) -> None:
        from studio.ui.uploads import upload_folder

        root = self.upload_root or upload_folder()
        for name in files:
            real = Path(os.path.realpath(name))
            if root in real.parents and real.is_file():
                real.unlink(missing_ok=True)


def _listed_files(messages: list[dict]) -> list[str] | None:
    """The file paths an upload answer lists, or None when it is not such an answer."""
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None or start.get("status") != 200:
        return None
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return [p for p in data if isinstance(p, str)] if isinstance(data, list) else None


class FileReferences:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].startswith(EVENT_PATHS):
            return await self.app(scope, receive, send)
        body, too_big = await _read_body(receive, EVENT_BODY_MAX)
        if too_big:
            return await _refuse(413, "The request is too large: send files as uploads, not inline.")(
                scope, receive, send)
        problem = _file_problem(body)
        if problem:
            return await _refuse(400, problem)(scope, receive, send)
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


async def _read_body(receive, limit: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), False


def _file_problem(body: bytes) -> str | None:
    """The plain refusal for the first file reference in a JSON body that is not an upload, if any."""
    from studio.errors import InputError
    from studio.ui.uploads import confined

    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None  # not JSON: Gradio refuses it on its own terms, with nothing to open
    for path in _paths(data):
        if "://" in path or path.startswith(("data:", "//")):
            return "Files must be uploaded to this studio first; links are not fetched by the server."
        try:
            confined(path)
        except InputError as e:
            return str(e)
    return None


def _paths(value, depth: int = 0):
    """Every string under a "path" key, anywhere in decoded JSON (bounded depth)."""
    if depth > 32:
        return
    if isinstance(value, dict):
        path = value.get("path")
        if isinstance(path, str):
            yield path
        for item in value.values():
            yield from _paths(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, depth + 1)
