"""The gallery (the gallery section): browse a page, favourite, delete, and keep the unsent form.

Several clips at once (the gallery's Select mode) go through `own`: the browser's list of ids is
hostile, so it is bounded, and only the caller's shown jobs come out of it; an id of another owner's
job is dropped exactly as an id that names nothing, so the answer never tells them apart.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from studio.errors import InputError, StoreError
from studio.jobs.ledger import Ledger
from studio.jobs.library import Cursor, Filter, Page, page_size
from studio.jobs.model import Job, JobState
from studio.service.caller import Caller
from studio.service.core import Core

FINISHED = tuple(s for s in JobState if s.finished)
DRAFT_MAX_CHARS = 100_000
MAX_SELECTED = 200       # clips one bulk action takes (a page shows up to 480; a selection is made by hand)
MAX_ZIPPED = 100         # clips in one download: a zip of 100 five-second 1080P clips is about 1 GB
ZIP_BYTES_PER_HOUR = 2 * 1024**3  # what one owner's downloads may pack in an hour: each is a copy served
                                  # from Gradio's cache for up to a day, so the disk needs a bound
ID_CHARS = 64            # a job id is 16 hex characters; anything much longer is not one
log = logging.getLogger("studio.service")


@dataclass(frozen=True)
class Several:
    """What a bulk action did: the jobs it changed, and how many of the ids asked for it left alone
    (`missing`: unknown, deleted or another owner's, never told apart; `busy`: still running)."""

    done: list[Job]
    missing: int = 0
    busy: int = 0


class Gallery:
    def __init__(self, core: Core, ledger: Ledger):
        self.core = core
        self.ledger = ledger
        self.data_dir = core.settings.data_dir
        self.media = core.runner.media  # where the gallery's clips and posters are kept
        self._zipped: dict[str, list[tuple[float, int]]] = {}  # owner -> (when, bytes) of the last hour's zips
        self._zip_lock = threading.Lock()

    def page(self, caller: Caller, filter: Filter | None = None, after: str | None = None,
             limit: int | None = None) -> Page:
        """A page of the caller's jobs, newest first, filtered; `after` is the previous page's next cursor."""
        return self.ledger.library.page(caller.owner, filter or Filter(), Cursor.decode(after), page_size(limit))

    def changed(self, caller: Caller) -> str:
        """A token that changes whenever any of the caller's jobs does: poll it, re-read only on a change."""
        return self.ledger.library.changed(caller.owner)

    def backends(self, caller: Caller) -> list[str]:
        """The backends the caller's jobs ran on (the gallery's filter)."""
        return self.ledger.library.backends(caller.owner)

    def models(self, caller: Caller) -> list[str]:
        """The models the caller's jobs ran on (the gallery's filter)."""
        return self.ledger.library.models(caller.owner)

    def favourite(self, caller: Caller, job_id: str, on: bool = True) -> Job:
        """Star a job (or take the star off); only the caller's own jobs."""
        self.core.job(caller, job_id)
        return self.ledger.update(job_id, favourite=1 if on else 0)

    def own(self, caller: Caller, ids) -> tuple[list[Job], int]:
        """The caller's shown jobs among `ids` (a browser's list: bounded, deduplicated, in the order given),
        and how many of the ids named none of them."""
        if not isinstance(ids, (list, tuple)):
            raise InputError("Select one or more clips first.")
        if len(ids) > MAX_SELECTED:
            raise InputError(f"Select at most {MAX_SELECTED} clips at a time.")
        wanted = list(dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= ID_CHARS))
        if not wanted:
            raise InputError("Select one or more clips first.")
        found = {j.id: j for j in self.ledger.library.own(caller.owner, wanted)}
        jobs = [found[i] for i in wanted if i in found]
        return jobs, len(ids) - len(jobs)

    def favourite_several(self, caller: Caller, ids, on: bool = True) -> Several:
        """Star (or unstar) several of the caller's clips."""
        jobs, missing = self.own(caller, ids)
        done = [j if bool(j.favourite) == on else self.ledger.update(j.id, favourite=1 if on else 0) for j in jobs]
        return Several([j for j in done if j], missing)

    def delete_several(self, caller: Caller, ids) -> Several:
        """Delete several finished clips (see delete); a job still running is left alone and counted."""
        jobs, missing = self.own(caller, ids)
        done, busy = [], 0
        for job in jobs:
            try:
                done.append(self.delete(caller, job.id))
            except InputError:  # running, or it changed meanwhile: left as it is
                busy += 1
        return Several(done, missing, busy)

    def finished_clips(self, caller: Caller, ids) -> Several:
        """The caller's finished clips among ids (to board or download); the others counted as busy."""
        jobs, missing = self.own(caller, ids)
        clips = [j for j in jobs if j.state is JobState.SUCCEEDED and j.output_path]
        return Several(clips, missing, len(jobs) - len(clips))

    def zip_clips(self, caller: Caller, ids, folder: Path) -> tuple[Path, Several]:
        """A zip of several of the caller's finished clips (stored, not compressed: MP4 is compressed
        already), named so they sort as selected; written in `folder` under a name nobody can guess."""
        chosen = self.finished_clips(caller, ids)
        if not chosen.done:
            raise InputError("None of the selected clips is finished: only finished clips download.")
        if len(chosen.done) > MAX_ZIPPED:
            raise InputError(f"Download at most {MAX_ZIPPED} clips at a time.")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"happyhorse-{len(chosen.done)}-clips-{uuid.uuid4().hex[:12]}.zip"
        kept, lost = [], 0
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as box:
            for n, job in enumerate(chosen.done, start=1):
                local = self.media.fetch(job.output_path)
                if not local:
                    lost += 1
                    continue
                self._count_zipped(caller.owner, Path(local).stat().st_size, target)
                words = re.sub(r"[^A-Za-z0-9]+", "-", job.request.prompt or job.request.variant.value)
                box.write(local, f"{n:03d}-{words.strip('-')[:40].lower() or 'clip'}-{job.id}.mp4")
                kept.append(job)
        if not kept:
            target.unlink(missing_ok=True)
            raise InputError("The selected clips' files are not there any more: nothing to download.")
        return target, Several(kept, chosen.missing, chosen.busy + lost)

    def _count_zipped(self, owner: str, size: int, target: Path) -> None:
        """Count a clip going into an owner's zip against ZIP_BYTES_PER_HOUR; past it, the zip is dropped
        and the download refused in words (nothing half-made is served)."""
        now = time.time()
        with self._zip_lock:
            recent = [(t, b) for t, b in self._zipped.get(owner, []) if now - t < 3600]
            if sum(b for _, b in recent) + size > ZIP_BYTES_PER_HOUR:
                self._zipped[owner] = recent
                target.unlink(missing_ok=True)
                raise InputError(f"Downloads are limited to {ZIP_BYTES_PER_HOUR // 1024**3} GB of clips an hour: "
                                 "select fewer clips, or download them one by one from the viewer.")
            self._zipped[owner] = recent + [(now, size)]
            if len(self._zipped) > 1000:  # owners with nothing in the last hour are forgotten
                self._zipped = {o: z for o, z in self._zipped.items() if z and now - z[-1][0] < 3600}

    def delete(self, caller: Caller, job_id: str) -> Job:
        """Delete a finished job from the gallery and its clip and poster from the disk.

        The ledger keeps the row, hidden, so the spend stays true and derived jobs
        keep their lineage. Input files stay: other jobs may share them.
        """
        job = self.core.job(caller, job_id)
        if job.deleted_at:
            return job
        if job.phase.at_provider:
            raise InputError(f"Job {job.id} is still {job.state.words}: cancel it first, then delete it.")
        gone = self.ledger.update(job_id, only_from=FINISHED, deleted_at=time.time())
        if gone is None:
            raise InputError(f"Job {job.id} changed while you were deleting it: look again, then delete.")
        for location in (job.output_path, job.poster_path):
            if location:
                self._forget(location)
        for drawn in (self.data_dir / "strips").glob(f"{job.id}-*.jpg"):  # the timeline's filmstrip and frames
            drawn.unlink(missing_ok=True)
        for drawn in (self.data_dir / "joins").glob(f"*{job.id}*.mp4"):  # the timeline's join previews
            drawn.unlink(missing_ok=True)
        return gone

    def _forget(self, location: str) -> None:
        """Remove a deleted job's file from the media store (a bucket's object and its cached copy, or the
        data folder's file); a file outside the store's own places is left alone. The row is already
        hidden: a bucket that does not answer now leaves the object behind, logged, not the user's delete."""
        try:
            self.media.delete(location)
        except StoreError as e:
            log.warning("a deleted job's file stays in the media store: %s", e)

    def save_draft(self, caller: Caller, fields: dict) -> None:
        """Keep the caller's unsent work (the form's prompt, settings and upload names; the storyboard) so a
        reload restores it; the fields not given stay as they were."""
        if len(json.dumps(fields, ensure_ascii=False)) > DRAFT_MAX_CHARS:
            raise InputError("The draft is too large to keep: shorten the prompt.")
        self.ledger.library.save_draft(caller.owner, fields)

    def draft(self, caller: Caller) -> dict:
        return self.ledger.library.draft(caller.owner)
