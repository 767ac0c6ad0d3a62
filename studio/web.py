"""The studio's web server: the Gradio app plus the provider webhook, under one uvicorn.

    POST /studio/webhook/{job_id}?secret=...   inference.sh calls this when a task ends

When the studio serves many users, a browser that is not signed in gets an
anonymous identity: a random token in an HttpOnly cookie (ANON_COOKIE). The
ledger keeps only a hash of it, so the ledger never holds a usable token.

The webhook is only a hint: a valid call wakes the job's runner, which reads
the task's status from the provider itself. A call with a wrong secret is
refused; a repeated call for a finished job is acknowledged and ignored.
"""

from __future__ import annotations

import secrets

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from studio.service import Studio
from studio.ui.app import build, launch_options
from studio.ui.context import ANON_COOKIE

ANON_MAX_AGE = 365 * 24 * 3600


def create_app(studio: Studio) -> FastAPI:
    app = FastAPI(title="HappyHorse Studio", docs_url=None, redoc_url=None, openapi_url=None)

    if studio.settings.multi_user:
        @app.middleware("http")
        async def anonymous_identity(request: Request, call_next):
            if request.cookies.get(ANON_COOKIE):
                return await call_next(request)
            token = secrets.token_urlsafe(24)
            # visible to this very request too, so a first call already has an owner
            request.scope["headers"] = [*request.scope["headers"],
                                        (b"cookie", f"{ANON_COOKIE}={token}".encode())]
            response = await call_next(request)
            response.set_cookie(ANON_COOKIE, token, max_age=ANON_MAX_AGE, httponly=True, samesite="lax",
                                secure=request.url.scheme == "https")
            return response

    @app.post("/studio/webhook/{job_id}")
    async def webhook(job_id: str, request: Request) -> JSONResponse:
        outcome = studio.webhook(job_id, request.query_params.get("secret", ""))
        status = {"accepted": 202, "ignored": 200, "refused": 403}[outcome]
        return JSONResponse({"result": outcome}, status_code=status)

    @app.get("/studio/health")
    async def health() -> dict:
        return {"ok": True, "backend": studio.settings.backend}

    demo = build(studio).queue(default_concurrency_limit=8)
    return gr.mount_gradio_app(app, demo, path="/", **launch_options(studio))
