"""Compress the page, its config and other large text answers for browsers that ask; never a stream.

Gradio compresses only paths that end in a file extension (.js, .css, ...), so
the page itself (`GET /`, which inlines the whole config), `/config` and the
JSON answers of `/gradio_api/...` went out as they were: about 512 KB for the
page alone. Brotli at quality 5 makes that 33 KB in about 5 ms (gzip at level 6:
56 KB in 7 ms), measured on the studio's own page.

Only a body sent whole (one ASGI message) is compressed. Anything sent in parts
(an event stream, a file, a range) passes through untouched, so no stream waits
behind a compressor; event streams (`text/event-stream`: the queue's
/gradio_api/queue/data, the heartbeat, MCP) and Gradio's media streams are also
refused by type and by path, so a future change in how they are sent cannot
pull them in. Starlette's GZipMiddleware (1.5+) does flush each part and skip
event streams, but knows no brotli and would compress every file it streams.
"""

from __future__ import annotations

import zlib

import anyio
import anyio.to_thread
import brotli  # Gradio's own requirement (gradio.brotli_middleware)
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEXT_TYPES = ("text/html", "text/css", "text/plain", "text/javascript", "text/markdown", "text/csv",
              "application/json", "application/javascript", "application/xml", "image/svg+xml")
STREAM_PATHS = ("/gradio_api/queue/data", "/gradio_api/stream", "/gradio_api/heartbeat", "/gradio_api/mcp")
MINIMUM_BYTES = 1024       # smaller answers gain less than the header costs
OFF_LOOP_BYTES = 64 * 1024  # larger bodies are compressed in a worker thread, never on the event loop
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def chosen_coding(accept_encoding: str) -> str | None:
    """"br" or "gzip" (in that order of preference) when the browser accepts it, else None.
    "gzip;q=0" refuses gzip; "*" accepts either."""
    accepted = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            accepted[name.strip()] = q
    for coding in ("br", "gzip"):
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            return coding
    return None


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT)
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: a gzip header
    return packer.compress(body) + packer.flush()


def is_stream_path(path: str) -> bool:
    return any(path.startswith(p) for p in STREAM_PATHS)


def compressible(headers: Headers, status: int) -> bool:
    """A whole text answer that nobody has encoded yet."""
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return (media_type in TEXT_TYPES and "content-encoding" not in headers and status != 206
            and "content-range" not in headers)


class Compress:
    """ASGI middleware: brotli or gzip for whole text bodies of at least MINIMUM_BYTES (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.threads: anyio.CapacityLimiter | None = None  # its own, so page loads never queue behind handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        coding = None
        if scope["type"] == "http" and not is_stream_path(scope.get("path", "")):
            coding = chosen_coding(Headers(scope=scope).get("accept-encoding", ""))
        if coding is None:
            await self.app(scope, receive, send)
            return
        await _Reply(self, coding, send).run(scope, receive)

    async def packed(self, body: bytes, coding: str) -> bytes:
        if len(body) < OFF_LOOP_BYTES:
            return compress(body, coding)
        if self.threads is None:
            self.threads = anyio.CapacityLimiter(4)
        return await anyio.to_thread.run_sync(compress, body, coding, limiter=self.threads)


class _Reply:
    """One answer: its start is held until the first part of the body shows whether it comes whole."""

    def __init__(self, middleware: Compress, coding: str, send: Send) -> None:
        self.middleware, self.coding, self.send = middleware, coding, send
        self.start: Message | None = None
        self.decided = False

    async def run(self, scope: Scope, receive: Receive) -> None:
        await self.middleware.app(scope, receive, self.forward)

    async def forward(self, message: Message) -> None:
        if self.decided:
            await self.send(message)
            return
        if message["type"] == "http.response.start":
            self.start = {**message, "headers": list(message.get("headers", []))}
            if message.get("trailers") or not compressible(Headers(raw=message.get("headers", [])),
                                                           message["status"]):
                await self.pass_through()
            return
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            message = await self.packed(message)
        await self.pass_through(message)

    async def pass_through(self, message: Message | None = None) -> None:
        """Everything from here on goes out as it comes (a body in parts is a stream: left alone)."""
        self.decided = True
        if self.start is not None:
            await self.send(self.start)
        if message is not None:
            await self.send(message)

    async def packed(self, message: Message) -> Message:
        body = message.get("body", b"")
        if len(body) < MINIMUM_BYTES:
            return message
        packed = await self.middleware.packed(body, self.coding)
        headers = MutableHeaders(raw=self.start["headers"])
        headers.add_vary_header("Accept-Encoding")
        if len(packed) >= len(body):
            return message
        headers["Content-Encoding"] = self.coding
        headers["Content-Length"] = str(len(packed))
        if headers.get("etag", "").startswith('"'):  # the same answer, another encoding: not byte-identical
            headers["ETag"] = "W/" + headers["etag"]
        return {**message, "body": packed}
