"""Who may show the studio inside a frame (clickjacking): only itself, and a Space's own page.

Another site could otherwise frame the studio invisibly and have one click spend the visitor's
budget. Every answer carries `Content-Security-Policy: frame-ancestors` with the studio itself and the
origins the owner allows (STUDIO_FRAME_ANCESTORS; on a Hugging Face Space, its page on
https://huggingface.co), plus `X-Frame-Options: SAMEORIGIN` for old browsers when no other origin is
allowed (that header cannot name one).
"""

from __future__ import annotations

from urllib.parse import urlsplit

SPACE_PAGE = "https://huggingface.co"


def frame_ancestors(raw: str | None, on_space: bool) -> tuple[str, ...]:
    """STUDIO_FRAME_ANCESTORS as origins (space- or comma-separated); ValueError naming it if one is not."""
    origins = [o for o in (raw or "").replace(",", " ").split() if o]
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
                or parts.query or "'" in origin or ";" in origin:
            raise ValueError(f"STUDIO_FRAME_ANCESTORS: {origin!r} is not an origin: write e.g. "
                             "https://example.com (scheme and host, nothing after them).")
    if on_space and SPACE_PAGE not in origins:
        origins.append(SPACE_PAGE)
    return tuple(o.rstrip("/") for o in origins)


class FramePolicy:
    """ASGI middleware: every HTTP answer says who may frame it."""

    def __init__(self, app, ancestors: tuple[str, ...] = ()):
        self.app = app
        policy = " ".join(["frame-ancestors 'self'", *ancestors])
        self.headers = [(b"content-security-policy", policy.encode())]
        if not ancestors:
            self.headers.append((b"x-frame-options", b"SAMEORIGIN"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message = dict(message, headers=[*message.get("headers", []), *extra])
            await send(message)

        return await self.app(scope, receive, send_with_policy)
