"""What every tab shares: who the user is, the studio, and the one place errors become gr.Error."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from studio.errors import StudioError
from studio.jobs.model import JobState
from studio.service import Caller, Studio
from studio.ui.compat import in_cache
from studio.ui.identity import Callers
from studio.ui.unfetched import clip_unfetched
from studio.ui.uploads import upload_path, uploads  # noqa: F401  (the tabs import them from here)
from studio.ui.watch import Latest, Watch, Windows

WATCH_INTERVAL = 0.5
CONFIRM_SECONDS = 30  # a second press within this long confirms a spend above STUDIO_CONFIRM_ABOVE
SERVE_MAX_AGE = 6 * 3600  # a served copy older than this is removed (Gradio has its own copy by then)
URL_MEMORY = 4096         # clips and posters whose browser address is remembered
log = logging.getLogger("studio.ui")


@dataclass(frozen=True)
class Submitted:
    """Passed as generate()'s progress: send the job and return at once (the page follows it from the ledger).

    caller: who the page's event is (worked out once, by the page's own handler).
    again: the user asked for another take on purpose ("Generate another"), so the same request sent
    moments ago makes a new job instead of returning that one (the double-click guard).
    """

    caller: Caller
    again: bool = False


def user_error(e: StudioError, title: str = "Check your input") -> gr.Error:
    """A studio error as the message a browser shows; the server log gets one line, not a traceback."""
    log.warning("input refused: %s", e)
    return gr.Error(str(e), title=title, print_exception=False)


@dataclass
class UiContext:
    studio: Studio
    _asked: dict = field(default_factory=dict)  # (owner, backend, request) -> when the page was asked to confirm
    _urls: dict = field(default_factory=dict, repr=False)  # file (path, mtime, size) -> browser address
    _urls_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    watch: Watch = field(default_factory=Watch)  # the unfinished jobs each open page follows
    opening: Latest = field(default_factory=Latest)  # which tile each page opened last
    windows: Windows = field(default_factory=Windows)  # the gallery window each page asked for last

    def __post_init__(self) -> None:
        self.callers = Callers(self.studio.settings)

    def url(self, block: gr.blocks.Block, path: str | None) -> str | None:
        """A browser address for a studio file, through serve() and Gradio's cache (never the data dir).

        path: a kept file's location (the data folder's path, or a bucket's: fetched into the bounded local
        cache first) or another local file. Remembered per file version (a bucket's key names one file for
        good), so a gallery page does not fetch or hash its clips again on every refresh.
        """
        if not path:
            return None
        in_bucket = "://" in path
        if in_bucket:
            key, local = (path,), None
        else:
            try:
                st = os.stat(path)
            except OSError:
                return self._restored_url(block, path)
            key, local = (path, st.st_mtime_ns, st.st_size), path
        with self._urls_lock:
            known = self._urls.get(key)
        if known:
            return known
        local = self.studio.media_path(path) if in_bucket else local
        if local is None:
            return None
        cached = in_cache(block, serve(local))
        address = "gradio_api/file=" + quote(str(cached))
        with self._urls_lock:
            if len(self._urls) >= URL_MEMORY:
                self._urls.clear()
            self._urls[key] = address
        return address

    def _restored_url(self, block: gr.blocks.Block, path: str) -> str | None:
        """A kept input (an edit's source) that another machine kept: its copy in the media store's bounded
        cache (nothing is added to this machine's inputs folder)."""
        try:
            restored = self.studio.core.inputs.restore_path(path)
        except StudioError as e:
            log.warning("a kept input could not be fetched: %s", e)
            return None
        return self.url(block, restored) if restored != path and os.path.isfile(restored) else None

    def caller(self, request: gr.Request | None) -> Caller:
        """Who this event's request is (once per event: every handler passes it down)."""
        caller = self.callers.caller(request)
        if caller is None:
            raise gr.Error("This browser has no studio identity: allow cookies for this site, or sign in.")
        return caller

    def caller_or_none(self, request: gr.Request | None) -> Caller | None:
        """The same, for what a page shows before it has an identity (nothing of anyone's)."""
        return self.callers.caller(request)

    def prepare(self, variant: str, **fields: Any):
        try:
            return self.studio.core.prepare(variant, **uploads(fields))
        except StudioError as e:
            raise user_error(e) from None

    def confirm_spend(self, caller: Caller, cost: float, backend: str, what: str,
                      request: gr.Request | None) -> None:
        """On the page, spending above STUDIO_CONFIRM_ABOVE on a paid backend goes through on the second press.

        The first press answers with the price and asks again; the same action (`what`: the request,
        or "final of JOB"...) pressed again within CONFIRM_SECONDS goes through. API clients (no Origin
        header) decided in code and are not asked.
        """
        if backend == "preview" or cost <= self.studio.settings.confirm_above or not _from_page(request):
            return
        now = time.monotonic()
        self._asked = {k: t for k, t in self._asked.items() if now - t < CONFIRM_SECONDS}
        fingerprint = (caller.owner, backend, what)
        if self._asked.pop(fingerprint, None) is not None:
            return
        self._asked[fingerprint] = now
        raise gr.Error(f"This costs ${cost:.2f} on {backend}, more than the "
                       f"${self.studio.settings.confirm_above:.2f} this studio asks about first. Press the button "
                       f"again within {CONFIRM_SECONDS} s to go ahead.", title="Confirm the spend")

    async def generate(self, variant: str, request: gr.Request | None, progress: gr.Progress | Submitted,
                       **fields: Any) -> tuple[str | None, dict]:
        """Check, quote and submit a job; for an API caller, watch it until it ends and return the clip.

        The job belongs to the studio's runner, not to this event: if the browser
        goes away the job runs on and lands in the gallery. The page passes
        Submitted() and gets the new job's record back at once.
        """
        caller = progress.caller if isinstance(progress, Submitted) else self.caller(request)
        prepared = await asyncio.to_thread(self.prepare, variant, **fields)  # file checks stay off the loop
        backend = caller.account.backend if caller.account else self.studio.settings.backend
        self.confirm_spend(caller, prepared.quote.total, backend,
                           json.dumps(prepared.request.to_dict(), sort_keys=True), request)
        try:
            again = isinstance(progress, Submitted) and progress.again
            job = await asyncio.to_thread(self.studio.core.submit, caller, prepared, again=again)
        except StudioError as e:
            raise user_error(e, "Not sent") from None
        if isinstance(progress, Submitted):
            return None, job.public_record()
        progress(0.0, desc=f"{prepared.quote.describe()} — queued")
        while not job.state.finished:
            await asyncio.sleep(WATCH_INTERVAL)
            job = await asyncio.to_thread(self.studio.core.job, caller, job.id)
            progress(job.progress or 0.0, desc=f"{job.state.words} · {self.studio.backend_label(job.backend)}")
        if job.state is not JobState.SUCCEEDED:
            raise gr.Error(f"{job.state.words.capitalize()}: {job.error_message}", title="The job did not finish",
                           print_exception=False)
        local = await asyncio.to_thread(self.studio.media_path, job.output_path)  # a bucket's: fetched, off the loop
        if local is None:  # never a "succeeded" answer without its clip and without a word why
            raise gr.Error(clip_unfetched(job), title="The clip could not be fetched", print_exception=False)
        return serve(local), job.record()


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
