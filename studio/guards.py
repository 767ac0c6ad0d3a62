"""What stands between a stranger's request and the studio (plain ASGI middleware).

- SameOrigin: a studio serving on loopback answers only to loopback Host
  names (a DNS-rebound page cannot pose as it); and a browser request sent by
  a page of another origin (another
  port, a sibling subdomain, any site) is refused, whatever cookie it carries:
  such a page could otherwise read a user's gallery or start paid jobs in
  their name. Requests without an Origin (gradio_client, curl, the provider's
  webhook) and top-level navigations pass.
- AnonymousIdentity (studio.anonymous): who a caller without a sign-in is.
- FileReferences: denies by default. Every POST to Gradio but its upload route
  (studio.upload_guard guards that one) is checked, whatever its route, so a
  route a Gradio upgrade adds is checked the day it arrives: its body must be
  JSON (or empty), at most EVENT_BODY_MAX, and may name a file only by a path
  inside this server's upload folder (studio.ui.uploads.confined). A server
  path, another user's clip, /proc, /dev, a FIFO or a symlink out is refused
  with a plain message before Gradio copies anything, and so is a URL (the
  server would fetch it). Handlers check their files again themselves.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from studio.ui.compat import UPLOAD_ROUTE

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EVENT_BODY_MAX = 4 * 1024 * 1024      # an event's JSON (files travel by upload, not inline)
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


class FileReferences:
    def __init__(self, app, upload_path: str = UPLOAD_ROUTE):
        self.app = app
        self.upload_path = upload_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or scope["path"] == self.upload_path or \
                scope["path"].startswith(UNGUARDED):  # (a lifespan scope has no path: it must pass untouched)
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
    except ValueError:  # nothing here takes anything but JSON: a body the studio cannot read is not let by
        return "This studio takes JSON here (files are sent to its upload route): send the request as JSON."
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
