"""Where the files the studio keeps for its users live: the data folder (the default) or an S3-compatible
bucket (STUDIO_MEDIA_URL). One interface, MediaStore (base.py, with the location format the ledger
records); FolderStore and BucketStore implement it; LocalCache gives bucket files a local path.

    media = open_media(settings)          # no network until used
    media.check()                         # at start: refuse a store that cannot be written
    stored = media.put("media/ab12.mp4", path, take=True)   # whole or absent
    job.output_path = stored.location     # what the ledger records
    with media.local(job.output_path) as clip: ...          # frame grab, stitch, an edit's source
    for piece in media.read(job.output_path, 0, None): ...  # stream to a browser
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from studio.media.store.base import Entry, MediaStore, Stored, bucket_of, check_key, local_path
from studio.media.store.folder import FolderStore
from studio.media.store.settings import MediaSettings


class _Settings(Protocol):  # what open_media reads of studio.config.Settings (config sits above the media)
    media: MediaSettings
    data_dir: Path

__all__ = ["Entry", "FolderStore", "MediaSettings", "MediaStore", "Stored", "bucket_of", "check_key",
           "local_path", "open_media", "open_store"]


def open_media(settings: _Settings) -> MediaStore:
    """The studio's media store, as its settings say (STUDIO_MEDIA_URL; unset: the data folder)."""
    return open_store(settings.media, settings.data_dir)


def open_store(media: MediaSettings, data_dir: Path) -> MediaStore:
    if media.in_bucket:
        from studio.media.store.bucket import BucketStore  # obstore is imported only for a bucket

        return BucketStore(media, data_dir)
    if media.url:
        return FolderStore(Path(media.url), variable="STUDIO_MEDIA_URL", deletes_under=(Path(data_dir),))
    return FolderStore(Path(data_dir))
