"""Where a request came from, decided once, at the edge of the studio.

A caller's own X-Forwarded-* headers count only when a proxy the owner trusts sent them:
- uvicorn applies FORWARDED_ALLOW_IPS (the owner's proxies, none unless named; see forwarded_allow_ips)
  before the studio sees a request, so the peer it reports is already the client behind such a proxy;
- on a Hugging Face Space the Space's proxy is the only way in, and it appends the real address as the last
  X-Forwarded-For entry (studio.anonymous.client_address).

EdgeAddress writes that address into X-Studio-Address on every request, replacing whatever a caller sent;
the studio reads a caller's address only from there (address_of).

Gradio's MCP server serves a tool call by calling the studio again over loopback with the MCP request's
headers (studio.ui.compat.pin_mcp_client). That inner call arrives from 127.0.0.1 carrying whatever
forwarded headers the MCP caller wrote; it keeps the address the edge gave the outer call only because it
also carries this process's hop secret, which is added to MCP requests alone and never leaves the process.
"""

from __future__ import annotations

import hmac
import os
import secrets

from starlette.datastructures import Headers

from studio.anonymous import ADDRESS_HEADER, client_address

ADDRESS = ADDRESS_HEADER.encode()
HOP = b"x-studio-hop"
MCP_PATH = "/gradio_api/mcp"
LOOPBACK_PEERS = ("127.0.0.1", "::1")
_HOP_SECRET = secrets.token_urlsafe(24).encode()  # per process; an inner MCP call is served by this process


def forwarded_allow_ips(env=None) -> str:
    """The proxies whose X-Forwarded-For uvicorn may believe: FORWARDED_ALLOW_IPS as the owner wrote it,
    else none (uvicorn's own default trusts loopback, which would believe the studio's inner MCP calls)."""
    env = os.environ if env is None else env
    return (env.get("FORWARDED_ALLOW_IPS") or "").strip()


class EdgeAddress:
    """ASGI middleware, outermost: every request carries its caller's address in X-Studio-Address."""

    def __init__(self, app, trust_forwarded: bool = False):
        self.app = app
        self.trust_forwarded = trust_forwarded  # a Space: the proxy's appended X-Forwarded-For entry

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        raw = scope.get("headers") or []
        given = {k: v for k, v in raw if k in (ADDRESS, HOP)}
        kept = [(k, v) for k, v in raw if k not in (ADDRESS, HOP)]
        peer = scope["client"][0] if scope.get("client") else None
        if _own_hop(given.get(HOP), peer) and given.get(ADDRESS):
            address = given[ADDRESS]
        else:
            address = client_address(Headers(raw=kept), peer, self.trust_forwarded).encode("latin-1")
        kept.append((ADDRESS, address))
        if scope["path"].startswith(MCP_PATH):
            kept.append((HOP, _HOP_SECRET))
        return await self.app(dict(scope, headers=kept), receive, send)


def _own_hop(secret: bytes | None, peer: str | None) -> bool:
    return bool(secret) and peer in LOOPBACK_PEERS and hmac.compare_digest(secret, _HOP_SECRET)

