"""The upload route (POST /gradio_api/upload): what stands between a stranger's multipart body and Gradio.

Gradio writes each file part of an upload into its upload folder as the bytes arrive. This guard reads the
parts' headers as they stream by (never their contents) and stops a bad upload before its files are kept:

- more than MAX_UPLOAD_FILES files in one request is refused at the first file too many;
- a part named `files` that is not a file (no filename) is refused in words (Gradio answers it with a
  server error);
- an upload cut off before its end (the client went away) is ended so that Gradio's parser fails and
  removes what it wrote: a partial file never stays in the upload folder.

A refused or cut-off upload leaves no file behind. (The size of each file is capped by Gradio's
max_file_size, which removes partial files too.)
"""

from __future__ import annotations

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from studio.ui.compat import UPLOAD_ROUTE, abort_multipart

MAX_UPLOAD_FILES = 9  # the most one form takes at once (nine reference slots)


class Parts:
    """Reads the part headers of a multipart body chunk by chunk; says what is wrong with it, if anything."""

    def __init__(self, boundary: bytes):
        self.files = 0
        self.problem: str | None = None
        self.readable = True  # False once the body proved not to be multipart (Gradio's parser refuses it)
        self._field = self._value = self._disposition = b""
        self._parser = MultipartParser(boundary, {
            "on_header_field": lambda data, start, end: self._add("_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        })

    def _add(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def _header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._disposition = b""
        if b"filename" in options:
            self.files += 1
            if self.files > MAX_UPLOAD_FILES:
                self.problem = (f"At most {MAX_UPLOAD_FILES} files can be uploaded at once: "
                                "send fewer files per request.")
        elif options.get(b"name") == b"files":
            self.problem = ("A part named \"files\" must be a file, with a filename: send each file as a "
                            "multipart file (gradio_client's handle_file() does).")

    def feed(self, chunk: bytes) -> str | None:
        """Read one more chunk of the body; the refusal once something is wrong (it stays)."""
        if self.problem is None and self.readable and chunk:
            try:
                self._parser.write(chunk)
            except MultipartParseError:  # not multipart at all: Gradio's own parser refuses it in its words,
                self.readable = False    # and the rest of the body is not read here
        return self.problem


class UploadGuard:
    def __init__(self, app, upload_path: str = UPLOAD_ROUTE):
        self.app = app
        self.upload_path = upload_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.upload_path or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        boundary = _boundary(Headers(scope=scope).get("content-type"))
        if boundary is None:  # not a multipart upload: Gradio refuses it before writing anything
            return await self.app(scope, receive, send)
        parts = Parts(boundary)
        ended = False

        async def checked():
            nonlocal ended
            if ended:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request" and not parts.feed(message.get("body", b"")):
                return message
            # cut off, or refused: Gradio's parser fails on this end and removes the files it wrote
            ended = True
            return {"type": "http.request", "body": abort_multipart(boundary), "more_body": False}

        held: list[dict] = []

        async def hold(message):
            held.append(message)

        await self.app(scope, checked, hold)  # background copies finish before this returns
        if parts.problem:
            return await JSONResponse({"error": parts.problem}, status_code=400)(scope, receive, send)
        for message in held:
            await send(message)


def _boundary(content_type: str | None) -> bytes | None:
    kind, options = parse_options_header(content_type or "")
    return options.get(b"boundary") if kind == b"multipart/form-data" and options.get(b"boundary") else None
