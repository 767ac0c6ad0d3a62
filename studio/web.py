"""The studio's web server: the Gradio app plus the provider webhook, under one uvicorn.

    POST /studio/webhook/{job_id}?secret=...   inference.sh calls this when a task ends

The webhook is only a hint: a valid call wakes the job's runner, which reads
the task's status from the provider itself. A call with a wrong secret is
refused; a repeated call for a finished job is acknowledged and ignored.
"""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from studio.service import Studio
from studio.ui.app import build, launch_options


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
    return gr.mount_gradio_app(app, demo, path="/", **launch_options(studio))
