"""Who a caller is when nobody signed in: a signed token in a cookie, minted by the server.

When the studio serves many users, a caller without a valid identity cookie
gets a new random token (on the page, its config and POSTs; assets and /info
need none). A token is `<random>.<signature>`: the signature is an HMAC with
the studio's secret, so a made-up cookie is no identity at all and is replaced
by a minted one, which counts against the per-address limit on new
identities. Inside a cross-site iframe (the Hugging Face Space page) a browser
keeps only a `SameSite=None; Secure; Partitioned` cookie, so a secure context
also gets that twin beside the first-party Lax cookie.

An address is the caller's IP (behind the Space's proxy: the last
X-Forwarded-For entry, the one the proxy itself appended); IPv6 addresses are
grouped by their /64, since one household holds a whole /64.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
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
NEW_IDENTITIES_PER_ADDRESS = 30  # per IDENTITY_WINDOW seconds (a classroom behind one NAT fits)
IDENTITY_WINDOW = 3600.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
IDENTITY_STATE = "studio_identity"  # where the middleware leaves a request's verified token (scope["state"])
IDENTITY_PAGES = ("/", "", "/config")  # the page, and what gradio_client reads first (it keeps those cookies)
UNGUARDED = ("/studio/webhook/", "/studio/health")
ADDRESS_HEADER = "x-studio-address"  # the caller's address as the edge decided it (studio.edge)


class Signer:
    """Mints identity tokens and tells a minted one from a made-up one."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def mint(self) -> str:
        body = secrets.token_urlsafe(18)
        return f"{body}.{self._sign(body)}"

    def valid(self, token: str | None) -> bool:
        if not token or token.count(".") != 1:
            return False
        body, signature = token.split(".")
        return hmac.compare_digest(self._sign(body), signature)

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:32]


def studio_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret (STUDIO_SECRET, or a Space's OAuth secret), else one kept in the data folder."""
    if configured:
        return hashlib.sha256(f"happyhorse-identity:{configured}".encode()).digest()
    path = Path(data_dir) / ".studio-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".studio-secret.{os.getpid()}.part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(part, path)  # only the first of two replicas starting at once puts its secret there
        except FileExistsError:
            pass
        part.unlink(missing_ok=True)
    return path.read_bytes()


def client_address(headers, peer: str | None, trust_forwarded: bool) -> str:
    """The caller's address group: behind a trusted proxy the entry it appended; IPv6 by its /64."""
    address = peer or "unknown"
    if trust_forwarded:
        forwarded = [a.strip() for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
        if forwarded:
            address = forwarded[-1]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and not ip.is_loopback:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def address_of(headers, peer: str | None, trust_forwarded: bool) -> str:
    """The caller's address group: as studio.edge decided it for this request, else from the raw headers."""
    decided = headers.get(ADDRESS_HEADER) if headers is not None else None
    return decided or client_address(headers if headers is not None else {}, peer, trust_forwarded)


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
    """Set-Cookie values for a new identity: first-party Lax always; the cross-site twin when secure."""
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


def identity_token(cookie_header: str | None, signer: Signer) -> str | None:
    """The valid identity token a request carries, first-party cookie first; a made-up one is None."""
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except Exception:  # a malformed Cookie header carries no identity  # noqa: BLE001
        return None
    for name in (ANON_COOKIE, EMBED_COOKIE):
        if name in cookies and signer.valid(cookies[name].value):
            return cookies[name].value
    return None


class AnonymousIdentity:
    """ASGI middleware: every page view and action has a valid identity, minted within the address limit."""

    def __init__(self, app, signer: Signer, trust_forwarded: bool = False, limit: NewIdentityLimit | None = None):
        self.app = app
        self.signer = signer
        self.trust_forwarded = trust_forwarded
        self.limit = limit or NewIdentityLimit()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(UNGUARDED):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        token = identity_token(headers.get("cookie"), self.signer)
        if token or not _needs_identity(scope):
            return await self.app(_with_identity(scope, token), receive, send)
        peer = scope["client"][0] if scope.get("client") else None
        if not self.limit.allow(address_of(headers, peer, self.trust_forwarded)):
            refusal = JSONResponse({"error": "Too many new sessions from your address. Keep the studio's cookie "
                                             "between calls (gradio_client does), or sign in, and try again later."},
                                   status_code=429)
            return await refusal(scope, receive, send)
        token = self.signer.mint()
        # visible to this very request too (a first call already has an owner); made-up cookies dropped
        kept = [c for c in (headers.get("cookie") or "").split(";")
                if c.strip() and c.split("=", 1)[0].strip() not in (ANON_COOKIE, EMBED_COOKIE)]
        value = "; ".join([*(c.strip() for c in kept), f"{ANON_COOKIE}={token}"])
        raw = [(k, v) for k, v in scope["headers"] if k != b"cookie"]
        scope = _with_identity(dict(scope, headers=[*raw, (b"cookie", value.encode("latin-1"))]), token)
        set_cookies = [(b"set-cookie", v.encode("latin-1"))
                       for v in identity_cookies(token, secure_context(scope, headers))]

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *set_cookies])
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


def _with_identity(scope, token: str | None):
    """The request with its verified identity token in its state: handlers read it there (verified_identity)
    instead of parsing and checking the cookie again."""
    if token is None:
        return scope
    return dict(scope, state={**scope.get("state", {}), IDENTITY_STATE: token})


def verified_identity(request) -> str | None:
    """The identity token this middleware verified (or minted) for a Starlette request, if any."""
    scope = getattr(request, "scope", None) or {}
    return (scope.get("state") or {}).get(IDENTITY_STATE)


def _needs_identity(scope) -> bool:
    """The page, its config and anything that acts (POST) get an identity; assets and /info do not."""
    return scope.get("method") == "POST" or scope["path"] in IDENTITY_PAGES
