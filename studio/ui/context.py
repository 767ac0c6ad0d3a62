"""What every tab shares: who the user is, the studio, and the one place errors become gr.Error."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.service import LOCAL_OWNER, Studio

ANON_COOKIE = "happyhorse_studio_id"
SERVE_DIR = Path(tempfile.gettempdir()) / "happyhorse-studio-serve"
WATCH_INTERVAL = 0.5


@dataclass
class UiContext:
    studio: Studio

    def owner(self, request: gr.Request | None) -> str:
        """The local user; or, when the studio serves many, the signed-in user or this browser."""
        if not self.studio.settings.multi_user:
            return LOCAL_OWNER
        name = signed_in_name(request)
        if name:
            return f"user:{name}"
        token = anonymous_token(request)
        if not token:
            raise gr.Error("This browser has no studio identity: allow cookies for this site, or sign in.")
        return "anon:" + hashlib.sha256(token.encode()).hexdigest()[:24]

    def owner_or_none(self, request: gr.Request | None) -> str | None:
        try:
            return self.owner(request)
        except gr.Error:
            return None

    def prepare(self, variant: str, **fields: Any):
        try:
            return self.studio.prepare(variant, **uploads(fields))
        except StudioError as e:
            raise gr.Error(str(e), title="Check your input") from None

    async def generate(self, variant: str, request: gr.Request | None, progress: gr.Progress,
                       **fields: Any) -> tuple[str | None, dict]:
        """Check, quote and submit a job, then watch it until it ends.

        The job belongs to the studio's runner, not to this event: if the browser
        goes away the job runs on and lands in the gallery.
        """
        owner = self.owner(request)
        prepared = await asyncio.to_thread(self.prepare, variant, **fields)  # file checks stay off the loop
        try:
            job = await asyncio.to_thread(self.studio.submit, owner, prepared)
        except StudioError as e:
            raise gr.Error(str(e)) from None
        progress(0.0, desc=f"{prepared.quote.describe()} — queued")
        while not job.state.finished:
            await asyncio.sleep(WATCH_INTERVAL)
            job = await asyncio.to_thread(self.studio.job, owner, job.id)
            progress(job.progress or 0.0, desc=f"{job.state.words} · {self.studio.backend_label(job.backend)}")
        if job.state is not JobState.SUCCEEDED:
            raise gr.Error(f"{job.state.words.capitalize()}: {job.error_message}", title="The job did not finish")
        return serve(job.output_path), job.record()


def anonymous_token(request: gr.Request | None) -> str | None:
    """The browser's anonymous identity token (set by studio.web), if any."""
    try:
        return request.cookies.get(ANON_COOKIE) if request is not None else None
    except AttributeError:
        return None


def signed_in_name(request: gr.Request | None) -> str | None:
    """The user's name from Gradio auth, or from Hugging Face OAuth on a Space."""
    if request is None:
        return None
    if getattr(request, "username", None):
        return request.username
    try:
        info = request.session.get("oauth_info") or {}
    except (AttributeError, AssertionError, KeyError):  # no session middleware: not on a Space
        return None
    return (info.get("userinfo") or {}).get("preferred_username")


def upload_path(value: Any) -> str | None:
    """The local path of an upload as an event receives it without preprocessing.

    Gradio has already moved it into its upload cache and refused paths from
    anywhere else, so the path is safe to read.
    """
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        inner = value.get("video") if isinstance(value.get("video"), dict) else value
        return inner.get("path")
    inner = getattr(value, "video", None) or value
    return getattr(inner, "path", None)


def uploads(fields: dict[str, Any]) -> dict[str, Any]:
    """Turn upload payloads among a request's fields into plain paths."""
    fields = dict(fields)
    for key in ("first_frame", "video"):
        if key in fields:
            fields[key] = upload_path(fields[key])
    if "references" in fields:
        fields["references"] = [upload_path(r) for r in fields["references"] or ()]
    return fields


def serve(path: str | None) -> str | None:
    """A copy of a studio file that Gradio may hand to this user's browser.

    The data directory is never in allowed_paths (every user could read it);
    instead the one file this user asked for is linked into a temp folder, from
    which Gradio copies it into its per-file hashed cache.
    """
    if not path or not Path(path).exists():
        return None
    SERVE_DIR.mkdir(parents=True, exist_ok=True)
    dest = SERVE_DIR / Path(path).name
    if not dest.exists():
        part = dest.with_name(f".{uuid.uuid4().hex}.part")  # unique: two tabs may ask at once
        try:
            os.link(path, part)
        except OSError:
            shutil.copyfile(path, part)
        os.replace(part, dest)
        part.unlink(missing_ok=True)  # rename() between two links to one file leaves the source
    return str(dest)


def job_title(job: Job) -> str:
    r = job.request
    secs = f"{job.seconds:.0f} s" if job.seconds else (f"{r.duration} s" if r.duration else "edit")
    return f"{r.variant.title} · {r.resolution} · {secs}"
