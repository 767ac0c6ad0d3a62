"""The one interface for every file the studio keeps for its users, and the location format.

A store keeps files under keys: relative, '/'-separated names such as media/<job>.mp4 and
media/<job>.jpg (clips and posters, stitched and edited results), frames/<job>-<ms>.png,
edits/<job>-<in>-<out>.mp4, inputs/<hash>.png (kept inputs and reference images). A key names one
file for good: it is written once and never rewritten with other content.

The ledger records where each file lives as a *location*, one string:

  /abs/folder/media/<job>.mp4           a file on this machine's disk. The folder store writes these,
                                        exactly as every studio before the bucket did, so old rows
                                        keep working unchanged.
  s3://bucket/prefix/media/<job>.mp4    an object in a bucket (gs:// likewise): the bucket store's
                                        URL followed by the key.

Full locations rather than bare keys: a row says where its file is at every moment, also while
`python -m studio media move` is half way through (some rows still local, some in the bucket), and
a replica started with another STUDIO_MEDIA_URL can say which setting a clip needs instead of
looking in the wrong place. A bucket store still reads a row's local path (a clip from before the
move, on this machine).
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from studio.errors import StoreError

CHUNK = 1 << 20  # bytes per piece when a file is read for streaming
log = logging.getLogger("studio.media")


@dataclass(frozen=True)
class Stored:
    """A file the store now holds whole: where it lives (the ledger's value) and its size."""

    location: str
    size: int


@dataclass(frozen=True)
class Entry:
    """One file a listing found: its key and size."""

    key: str
    size: int


def check_key(key: str) -> str:
    """A key as the stores take it; a malformed one is a bug in the caller, never a user's input."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or "\\" in key or any(p in (".", "..") for p in parts) \
            or PurePosixPath(*parts).as_posix() != key:
        raise ValueError(f"not a media key: {key!r}")
    return key


def local_path(location: str) -> Path | None:
    """The file a location names on this machine's disk, or None for a bucket's location."""
    return Path(location) if location.startswith("/") else None


def bucket_of(location: str) -> str:
    """The bucket part of a bucket's location (s3://bucket), for messages."""
    scheme, _, rest = location.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class MediaStore(abc.ABC):
    """Where kept files live: the data folder (FolderStore) or a bucket (BucketStore).

    Writes take keys; reads and deletes take locations (what the ledger holds). Every method
    blocks: the runner calls them in a worker thread.
    """

    url: str  # where the store is, for messages and the log (never holds a secret)

    @abc.abstractmethod
    def location(self, key: str) -> str:
        """The location a key has in this store."""

    @abc.abstractmethod
    def key_of(self, location: str) -> str | None:
        """The key of a location in this store, or None when the location is elsewhere."""

    @abc.abstractmethod
    def staging_dir(self, key: str) -> Path:
        """A local folder to build a file in before put(key, file, take=True) (on the same disk, so
        taking it is a rename)."""

    @abc.abstractmethod
    def put(self, key: str, source: Path, *, take: bool = False) -> Stored:
        """Keep a local file whole under `key`; until it returns, nobody sees a part of it at that key.
        take: the store may take the file itself (moved into the folder, or kept as the local copy of
        the uploaded object); otherwise it is copied and left as it was. Raises StoreError.
        Not from a coroutine (a bucket runs its own event loop here): await put_async there."""

    async def put_async(self, key: str, source: Path, *, take: bool = False) -> Stored:
        """put() for the runner's event loop (a worker thread here; a bucket uploads without one)."""
        return await asyncio.to_thread(self.put, key, source, take=take)

    @abc.abstractmethod
    def size(self, location: str) -> int | None:
        """The file's size in bytes, or None when there is none."""

    def exists(self, location: str) -> bool:
        return self.size(location) is not None

    @abc.abstractmethod
    def read(self, location: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes start..end (end exclusive; None: to the end), in pieces, for streaming to a browser.
        Raises StoreError (code "missing") when there is no such file."""

    @abc.abstractmethod
    def local(self, location: str) -> AbstractContextManager[Path]:
        """A local path to the file for work that needs one (frame grab, stitch, an edit's source),
        valid inside the `with` block; a bucket's file is fetched into a bounded cache first."""

    def cached_key(self, path: Path) -> str | None:
        """The key whose copy in the bounded local cache `path` is, or None (not a cached copy; a folder has
        no cache)."""
        return None

    def fetch(self, location: str | None) -> Path | None:
        """A local path to the file for handing on at once (to Gradio's cache, a player, ffmpeg): a folder's
        own file, or a bucket's copy in the bounded local cache, left there at least the cache's grace
        (30 s) after this call. None when there is no such file, or the bucket does not answer (logged):
        the caller shows no picture rather than failing the page."""
        if not location:
            return None
        try:
            with self.local(location) as path:
                return path
        except StoreError as e:
            if e.code != "missing":
                log.warning("could not fetch a kept file: %s", e)
            return None

    @abc.abstractmethod
    def delete(self, location: str) -> None:
        """Remove the file (nothing happens when it is already gone)."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[Entry]:
        """Every kept file whose key starts with `prefix` (temporary files left out)."""

    def signed_url(self, location: str, seconds: int = 3600) -> str | None:
        """An address a browser may fetch the file from directly for `seconds`, or None when the store
        cannot give one (a folder): stream it through the studio instead."""
        return None

    @abc.abstractmethod
    def check(self) -> None:
        """Refuse (ValueError, one line naming the variable to change) a store that cannot be written."""
