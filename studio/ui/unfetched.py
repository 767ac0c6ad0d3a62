"""Words for a finished clip the studio cannot hand on now: its location names a bucket that did not answer
(or a file gone from this machine's folder). The API refuses in these words instead of answering no video;
the viewer shows them in one line instead of an empty player."""

from __future__ import annotations

import html

from studio.jobs.model import Job
from studio.media.store import bucket_of


def clip_unfetched(job: Job) -> str:
    """Why the clip of a succeeded job cannot be handed on now, and what to do."""
    location = job.output_path or ""
    if "://" in location:
        return (f"Job {job.id} succeeded and its clip is kept in {bucket_of(location)}, but the media store did not "
                f"answer: try again in a moment (the job is done and is not charged again; job_status {job.id} "
                "shows it).")
    return (f"Job {job.id} succeeded, but its clip is not in this studio's data folder any more: it was removed, "
            "or is kept where this studio does not look (STUDIO_MEDIA_URL).")


def unfetched_note(job: Job) -> str:
    """The viewer's one line in place of the player."""
    return f'<p class="hh-note" role="status" id="hh-player-unfetched">{html.escape(clip_unfetched(job))}</p>'
