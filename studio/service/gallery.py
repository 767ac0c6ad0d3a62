"""The gallery (the gallery section): browse a page, favourite, delete, and keep the unsent form."""

from __future__ import annotations

import json
import logging
import time

from studio.errors import InputError, StoreError
from studio.jobs.ledger import Ledger
from studio.jobs.library import Cursor, Filter, Page, page_size
from studio.jobs.model import Job, JobState
from studio.service.caller import Caller
from studio.service.core import Core

FINISHED = tuple(s for s in JobState if s.finished)
DRAFT_MAX_CHARS = 100_000
log = logging.getLogger("studio.service")


class Gallery:
    def __init__(self, core: Core, ledger: Ledger):
        self.core = core
        self.ledger = ledger
        self.data_dir = core.settings.data_dir
        self.media = core.runner.media  # where the gallery's clips and posters are kept

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
