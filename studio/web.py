"""The studio's web server: the Gradio app plus the provider webhook, under one uvicorn.

    POST /studio/webhook/{job_id}?secret=...   inference.sh calls this when a task ends
    GET  /studio/health                        liveness, for a load balancer

Gradio is mounted on the studio's own FastAPI app (the webhook needs a route
of its own, and the guards in studio.guards wrap everything). Mounting skips
launch(), and with it Gradio's check that a file sent to an event came from
its upload folder; the app marks the Blocks as launched so that check runs,
and studio.ui.uploads checks every path again itself.

With MCP on (GRADIO_MCP_SERVER=true), Gradio's MCP server serves each tool call by calling this
server again: that call always goes to the studio's own address (own_url), never to one a caller's
headers name, and carries only the caller's own credentials (studio.ui.compat, studio.edge).

The webhook is only a hint: a valid call wakes the job's runner, which reads
the task's status from the provider itself. A call with a wrong secret is
refused; a repeated call for a finished job is acknowledged and ignored.
"""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from studio.anonymous import AnonymousIdentity, Signer, studio_secret
from studio.compress import Compress
from studio.edge import EdgeAddress
from studio.framing import FramePolicy
from studio.guards import LOOPBACK_HOSTS, FileReferences, SameOrigin
from studio.upload_guard import UploadGuard
from studio.service import Studio
from studio.ui.app import build, launch_options
from studio.ui import mcp_files
from studio.ui.compat import mark_launched, pin_mcp_client


def create_app(studio: Studio) -> FastAPI:
    app = FastAPI(title="HappyHorse Studio", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/studio/webhook/{job_id}")
    async def webhook(job_id: str, request: Request) -> JSONResponse:
        outcome = studio.webhook(job_id, request.query_params.get("secret", ""))
        status = {"accepted": 202, "ignored": 200, "refused": 403}[outcome]
        return JSONResponse({"result": outcome}, status_code=status)

    @app.get("/studio/health")
    async def health() -> dict:
        return {"ok": True, "backend": studio.settings.backend}

    demo = build(studio).queue(default_concurrency_limit=8)
    app = gr.mount_gradio_app(app, demo, path="/", **launch_options(studio))
    mark_launched(demo)  # what launch() would set: Gradio then refuses files it did not receive
    # tool calls' files go through studio.ui.mcp_files (links fetched, data: URLs decoded, checked)
    pin_mcp_client(demo, own_url(studio.settings.host, studio.settings.port), files=mcp_files)

    # Starlette runs the last one added first: edge, framing, origin check, identity, file references, uploads.
    app.add_middleware(UploadGuard)
    app.add_middleware(FileReferences)
    if studio.settings.multi_user:
        signer = Signer(studio_secret(studio.settings.browser_secret, studio.settings.data_dir))
        app.add_middleware(AnonymousIdentity, signer=signer, trust_forwarded=studio.settings.on_space)
    on_loopback = studio.settings.host in LOOPBACK_HOSTS
    app.add_middleware(SameOrigin, public_url=studio.settings.public_url, hosts=LOOPBACK_HOSTS if on_loopback else None)
    app.add_middleware(Compress)  # outside the guards: they read answers before they are compressed
    app.add_middleware(FramePolicy, ancestors=studio.settings.frame_ancestors)  # no clickjacking
    app.add_middleware(EdgeAddress, trust_forwarded=studio.settings.on_space)  # outermost: decides the address
    return app


def own_url(host: str, port: int) -> str:
    """The studio's own address for its calls to itself: loopback when it listens on every address."""
    if host in ("0.0.0.0", "", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
