"""Bring a finished clip home: stream it to a temporary file, check it once (its poster
drawn alongside), apply the studio's own post-processing, then keep both in the media store
(the data folder, or a bucket: studio.media.store), poster first, each whole or not at all.
Decoding, encoding and uploads run in worker threads: the runner's event loop never waits on them.

A job is marked done only after its clip is kept, so a crash can never leave a job done
without its clip; the locations returned are what the ledger records.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from studio.backends.base import Backend, TaskStatus
from studio.errors import ProviderError, StudioError, TransientError
from studio.jobs.model import Job
from studio.media import clips
from studio.media.store import MediaStore
from studio.variants import AudioMode

DOWNLOAD_TRIES = 3


@dataclass(frozen=True)
class Collected:
    video: str   # the clip's location (studio.media.store.base: a local path, or the bucket's URL and key)
    poster: str
    width: int
    height: int
    seconds: float


def warm_up() -> None:
    """Import what a collect needs (PyAV and its FFmpeg libraries, Pillow's codecs) before the first one:
    run at the runner's start on a thread of its own, so the first clip does not wait for them."""
    import av  # noqa: F401
    from PIL import Image

    Image.init()


async def collect(job: Job, backend: Backend, status: TaskStatus, media: MediaStore,
                  retry_delay: float = 1.0) -> Collected:
    """The clip fetched, checked and kept; raises ProviderError (the provider's file), StoreError (keeping it)."""
    clip_key, poster_key = f"media/{job.id}.mp4", f"media/{job.id}.jpg"
    work = media.staging_dir(clip_key)
    work.mkdir(parents=True, exist_ok=True)
    part = work / f".{job.id}.part.mp4"
    poster = work / f".{job.id}.poster.jpg"
    try:
        await _download(backend, status, part, retry_delay)
        # Check the clip and draw its poster from the frames the check decodes, off the event loop.
        try:
            info = await asyncio.to_thread(clips.verify_playable, part, poster)
        except StudioError as e:
            # The check names the file it read: a temporary one, which means nothing to a user.
            why = str(e).split(": ", 1)[-1]
            raise ProviderError(f"The provider's file is not a playable MP4: {why}", code="bad_result") from None
        if job.request.audio is AudioMode.REMOVE:
            silent = work / f".{job.id}.silent.mp4"
            await asyncio.to_thread(clips.strip_audio, part, silent)
            os.replace(silent, part)
        kept_poster = await media.put_async(poster_key, poster, take=True)
        kept_clip = await media.put_async(clip_key, part, take=True)
    finally:
        part.unlink(missing_ok=True)
        poster.unlink(missing_ok=True)
    return Collected(kept_clip.location, kept_poster.location, info.width, info.height, info.duration)


async def _download(backend: Backend, status: TaskStatus, part: Path, retry_delay: float) -> None:
    for attempt in range(1, DOWNLOAD_TRIES + 1):
        try:
            await backend.download(status, part)
            return
        except TransientError:
            part.unlink(missing_ok=True)
            if attempt == DOWNLOAD_TRIES:
                raise
            await asyncio.sleep(retry_delay * attempt)
