"""What stands between a stranger's request and the studio (plain ASGI middleware).

- SameOrigin: a browser request sent by a page of another origin (another
  port, a sibling subdomain, any site) is refused, whatever cookie it carries:
  such a page could otherwise read a user's gallery or start paid jobs in
  their name. Requests without an Origin (gradio_client, curl, the provider's
  webhook) and top-level navigations pass.
- AnonymousIdentity: when the studio serves many users, a caller without the
  identity cookie gets a new random token (on the page, its config and POSTs;
  assets and /info need none). Inside a cross-site iframe (the Hugging Face
  Space page) a browser keeps only a `SameSite=None; Secure; Partitioned`
  cookie, so a secure context gets that twin beside the first-party one.
  New identities are rate limited per client address: a cookieless caller
  cannot mint endless fresh identities.
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
import secrets
import time
from collections import deque
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

ANON_COOKIE = "happyhorse_studio_id"
EMBED_COOKIE = "happyhorse_studio_id_embed"  # the same token, kept inside a cross-site iframe
ANON_MAX_AGE = 365 * 24 * 3600
MAX_UPLOAD_FILES = 9                  # the most one form takes at once (nine reference slots)
NEW_IDENTITIES_PER_ADDRESS = 30       # per IDENTITY_WINDOW seconds (a classroom behind one NAT fits)
IDENTITY_WINDOW = 3600.0
EVENT_BODY_MAX = 4 * 1024 * 1024      # an event's JSON (files travel by upload, not inline)
EVENT_PATHS = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/gradio_api/api/",
               "/gradio_api/component_server", "/gradio_api/mcp/")
UNGUARDED = ("/studio/webhook/", "/studio/health")  # server-to-server; they check their own secret
LOOPBACK = ("127.0.0.1", "localhost", "::1")


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
    def __init__(self, app, public_url: str | None = None):
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(UNGUARDED):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
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


def client_address(headers, peer: str | None, trust_forwarded: bool) -> str:
    """The caller's address; behind a trusted proxy (a Space) the first X-Forwarded-For entry."""
    if trust_forwarded:
        forwarded = (headers.get("x-forwarded-for") or "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return peer or "unknown"


class NewIdentityLimit:
    """At most `limit` new identities per address in a sliding window."""

    def __init__(self, limit: int = NEW_IDENTITIES_PER_ADDRESS, window: float = IDENTITY_WINDOW):
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}

    def allow(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self._seen.setdefault(address, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self._seen) > 100_000:  # forget quiet addresses rather than grow without end
            self._seen = {a: t for a, t in self._seen.items() if t and now - t[-1] <= self.window}
        return True


def secure_context(scope, headers: Headers) -> bool:
    """Whether the browser sees this page as secure (https, or a loopback address)."""
    if (headers.get("x-forwarded-proto") or scope.get("scheme")) == "https":
        return True
    return urlsplit("//" + (headers.get("host") or "")).hostname in LOOPBACK


def identity_cookies(token: str, secure: bool) -> list[str]:
    """Set-Cookie values for a new identity.

    Always a first-party Lax cookie (every client keeps it, gradio_client over
    plain http too); in a secure context also a `SameSite=None; Secure;
    Partitioned` twin, the only kind a browser keeps inside a cross-site iframe.
    """
    values = []
    for name, cross_site in ((ANON_COOKIE, False), (EMBED_COOKIE, True)):
        if cross_site and not secure:
            continue
        cookie = SimpleCookie()
        cookie[name] = token
        morsel = cookie[name]
        morsel["max-age"] = ANON_MAX_AGE
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "None" if cross_site else "Lax"
        if cross_site:
            morsel["secure"] = True
        values.append(morsel.OutputString() + ("; Partitioned" if cross_site else ""))
    return values


def identity_token(cookie_header: str | None) -> str | None:
    """The identity token a request carries, first-party cookie first."""
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except Exception:  # a malformed Cookie header carries no identity  # noqa: BLE001
        return None
    for name in (ANON_COOKIE, EMBED_COOKIE):
        if name in cookies and cookies[name].value:
            return cookies[name].value
    return None


class AnonymousIdentity:
    def __init__(self, app, trust_forwarded: bool = False, limit: NewIdentityLimit | None = None):
        self.app = app
        self.trust_forwarded = trust_forwarded
        self.limit = limit or NewIdentityLimit()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(UNGUARDED):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        if identity_token(headers.get("cookie")) or not _needs_identity(scope):
            return await self.app(scope, receive, send)
        peer = scope["client"][0] if scope.get("client") else None
        if not self.limit.allow(client_address(headers, peer, self.trust_forwarded)):
            response = _refuse(429, "Too many new sessions from your address. Keep the studio's cookie "
                                    "between calls (gradio_client does), or sign in, and try again later.")
            return await response(scope, receive, send)
        token = secrets.token_urlsafe(24)
        # visible to this very request too, so a first call already has an owner
        raw = [(k, v) for k, v in scope["headers"] if k != b"cookie"]
        existing = headers.get("cookie")
        value = f"{existing}; {ANON_COOKIE}={token}" if existing else f"{ANON_COOKIE}={token}"
        scope = dict(scope, headers=[*raw, (b"cookie", value.encode("latin-1"))])
        set_cookies = [(b"set-cookie", v.encode("latin-1"))
                       for v in identity_cookies(token, secure_context(scope, headers))]

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *set_cookies])
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


IDENTITY_PAGES = ("/", "", "/config")  # the page, and what gradio_client reads first (it keeps those cookies)


def _needs_identity(scope) -> bool:
    """The page, its config and anything that acts (POST) get an identity; assets and /info do not."""
    return scope.get("method") == "POST" or scope["path"] in IDENTITY_PAGES


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
