"""What every tab shares: who the user is, the studio, and the one place errors become gr.Error."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from studio.errors import StudioError
from studio.anonymous import Signer, client_address, studio_secret
from studio.jobs.model import Job, JobState
from studio.service import LOCAL_OWNER, Studio
from studio.ui.identity import OwnKeys, TokenAccounts, anonymous_token, signed_in_name
from studio.ui.uploads import upload_path, uploads  # noqa: F401  (the tabs import them from here)

WATCH_INTERVAL = 0.5
CONFIRM_SECONDS = 30  # a second press within this long confirms a spend above STUDIO_CONFIRM_ABOVE
SERVE_MAX_AGE = 6 * 3600  # a served copy older than this is removed (Gradio has its own copy by then)


@dataclass
class UiContext:
    studio: Studio
    tokens: TokenAccounts = field(default_factory=TokenAccounts)
    own_keys: OwnKeys = field(default_factory=OwnKeys)  # signed-in users' own provider keys, memory only
    _asked: dict = field(default_factory=dict)  # (owner, backend, request) -> when the page was asked to confirm

    def __post_init__(self) -> None:
        self.signer = Signer(studio_secret(self.studio.settings.browser_secret, self.studio.settings.data_dir))

    def owner(self, request: gr.Request | None) -> str:
        """The local user; or, when the studio serves many, the signed-in user or this browser."""
        if not self.studio.settings.multi_user:
            return LOCAL_OWNER
        name = signed_in_name(request) or (self.tokens.name(request) if self.studio.settings.on_space else None)
        if name:
            return f"user:{name}"
        token = anonymous_token(request, self.signer)
        if not token:
            raise gr.Error("This browser has no studio identity: allow cookies for this site, or sign in.")
        return "anon:" + hashlib.sha256(token.encode()).hexdigest()[:24]

    def payer(self, request: gr.Request | None) -> str:
        """Whose budget a job counts against: the account, or for anonymous browsers their address."""
        owner = self.owner(request)
        if not owner.startswith("anon:"):
            return owner
        peer = getattr(getattr(request, "client", None), "host", None)
        address = client_address(request.headers if request is not None else {}, peer,
                                 self.studio.settings.on_space)
        return "addr:" + hashlib.sha256(address.encode()).hexdigest()[:24]

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

    def confirm_spend(self, owner: str, prepared, backend: str, request: gr.Request | None) -> None:
        """On the page, a job above STUDIO_CONFIRM_ABOVE on a paid backend is sent on the second press.

        The first press answers with the price and asks again; the same request pressed again within
        CONFIRM_SECONDS goes through. API clients (no Origin header) decided in code and are not asked.
        """
        cost = prepared.quote.total
        if backend == "preview" or cost <= self.studio.settings.confirm_above or not _from_page(request):
            return
        now = time.monotonic()
        self._asked = {k: t for k, t in self._asked.items() if now - t < CONFIRM_SECONDS}
        fingerprint = (owner, backend, json.dumps(prepared.request.to_dict(), sort_keys=True))
        if self._asked.pop(fingerprint, None) is not None:
            return
        self._asked[fingerprint] = now
        raise gr.Error(f"This job costs ${cost:.2f} on {backend}, more than the "
                       f"${self.studio.settings.confirm_above:.2f} this studio asks about first. Press Generate "
                       f"again within {CONFIRM_SECONDS} s to send it.", title="Confirm the spend")

    async def generate(self, variant: str, request: gr.Request | None, progress: gr.Progress,
                       **fields: Any) -> tuple[str | None, dict]:
        """Check, quote and submit a job, then watch it until it ends.

        The job belongs to the studio's runner, not to this event: if the browser
        goes away the job runs on and lands in the gallery.
        """
        owner = self.owner(request)
        prepared = await asyncio.to_thread(self.prepare, variant, **fields)  # file checks stay off the loop
        own = self.own_keys.get(owner)
        backend = own.backend if own else self.studio.settings.backend
        self.confirm_spend(owner, prepared, backend, request)
        try:
            job = await asyncio.to_thread(self.studio.submit, owner, prepared, own.backend if own else None,
                                          payer=self.payer(request), key=own.key if own else None)
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


def _from_page(request: gr.Request | None) -> bool:
    """Whether the call came from the studio's page in a browser (browsers send Origin with a POST)."""
    try:
        return bool(request is not None and request.headers.get("origin"))
    except AttributeError:
        return False


class ServeFolder:
    """A folder private to this process (mode 0700, random name) for files handed to Gradio.

    Gradio only returns files from its temp folder or allowed_paths, and the
    data directory must never be in allowed_paths (every user could read it).
    So the one file a user asked for is linked here, and Gradio copies it into
    its own cache under a secret-salted hash. Old links are pruned as it goes.
    """

    def __init__(self) -> None:
        self._path: Path | None = None
        self._pruned = 0.0
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        with self._lock:
            if self._path is None or not self._path.is_dir():
                self._path = Path(tempfile.mkdtemp(prefix="happyhorse-serve-"))
            return self._path

    def prune(self, now: float | None = None) -> None:
        """Remove links older than SERVE_MAX_AGE (at most once a minute)."""
        now = time.time() if now is None else now
        if now - self._pruned < 60:
            return
        self._pruned = now
        for entry in self.path.iterdir():
            try:
                if now - entry.lstat().st_mtime > SERVE_MAX_AGE:
                    entry.unlink()
            except OSError:
                continue


SERVE = ServeFolder()


def serve(path: str | None) -> str | None:
    """A copy of a studio file that Gradio may hand to this user's browser (see ServeFolder)."""
    if not path or not Path(path).exists():
        return None
    SERVE.prune()
    dest = SERVE.path / Path(path).name
    if not dest.exists():
        part = dest.with_name(f".{uuid.uuid4().hex}.part")  # unique: two tabs may ask at once
        try:
            os.link(path, part)
        except OSError:
            shutil.copyfile(path, part)
        os.replace(part, dest)
        part.unlink(missing_ok=True)  # rename() between two links to one file leaves the source
    os.utime(dest)  # served again: keep it past the next prune
    return str(dest)


def job_title(job: Job) -> str:
    r = job.request
    secs = f"{job.seconds:.0f} s" if job.seconds else (f"{r.duration} s" if r.duration else "edit")
    return f"{r.variant.title} · {r.resolution} · {secs}"
