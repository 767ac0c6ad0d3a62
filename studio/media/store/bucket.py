"""The bucket store: kept files in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, a Hugging Face
storage bucket's S3 interface, GCS through its S3 interoperability endpoint) or Google Cloud Storage
itself, through obstore (the Rust object_store crate: signing, retries, multipart uploads).

Whole or absent: an object appears at its key only when S3 completes the upload (a single PUT, or
the CompleteMultipartUpload of a large file), so a cut connection or a killed process leaves
nothing at the key; the size is then read back and compared before the caller hears "stored".
Each request is retried by obstore (connection errors, 5xx); a put that still fails is tried
whole again, PUT_TRIES times in all. (A multipart upload cut short leaves hidden parts that cost
storage until aborted: give the bucket a lifecycle rule that aborts incomplete uploads after a day.)

Rows from before the bucket (absolute local paths) are read from this machine's disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.exceptions import PermissionDeniedError, UnauthenticatedError
from obstore.store import GCSStore, S3Store

from studio.errors import StoreError
from studio.media.store.base import CHUNK, Entry, MediaStore, Stored, check_key, local_path
from studio.media.store.cache import LocalCache
from studio.media.store.check import PROBE, refusal
from studio.media.store.folder import FolderStore
from studio.media.store.settings import MediaSettings

log = logging.getLogger("studio.media")

PUT_TRIES = 3
RETRY_DELAY = 1.0             # seconds before the second whole try (then twice that)
PART_BYTES = 8 * 2**20        # multipart above this size, in parts of this size
PARTS_AT_ONCE = 4
CHECK_KEY = ".studio-check"   # the start-up check writes and deletes one small object here


class BucketStore(MediaStore):
    def __init__(self, media: MediaSettings, data_dir: Path):
        self.url = media.url
        self.settings = media
        self.retry_delay = RETRY_DELAY  # tests set it to 0
        self.variable = "STUDIO_MEDIA_URL"  # the setting that names this bucket (named when it cannot be used)
        self._store = open_obstore(media, quick=False)
        digest = hashlib.sha256(media.url.encode()).hexdigest()[:12]
        self.cache = LocalCache(Path(data_dir) / "cache" / digest, media.cache_bytes)
        self.disk = FolderStore(Path(data_dir))  # rows written before the bucket: files on this machine

    def location(self, key: str) -> str:
        return f"{self.url}/{check_key(key)}"

    def key_of(self, location: str) -> str | None:
        head = self.url + "/"
        return location[len(head):] if location.startswith(head) else None

    def staging_dir(self, key: str) -> Path:
        return self.cache.incoming

    def put(self, key: str, source: Path, *, take: bool = False) -> Stored:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: a worker thread, a CLI
            return asyncio.run(self.put_async(key, source, take=take))
        # a thread whose event loop is running (a sync call under a coroutine): its own thread and loop
        with ThreadPoolExecutor(1, thread_name_prefix="studio-put") as pool:
            return pool.submit(lambda: asyncio.run(self.put_async(key, source, take=take))).result()

    async def put_async(self, key: str, source: Path, *, take: bool = False) -> Stored:
        """put() without a thread: a slow bucket holds no worker thread the runner needs for other jobs."""
        source = Path(source)
        size = source.stat().st_size
        for attempt in range(1, PUT_TRIES + 1):
            try:
                await obstore.put_async(self._store, check_key(key), source, chunk_size=PART_BYTES,
                                        max_concurrency=PARTS_AT_ONCE)
                kept = (await obstore.head_async(self._store, key))["size"]
                if kept != size:  # never seen: S3 completes whole; checked so a caller never trusts a short object
                    await obstore.delete_async(self._store, key)
                    raise StoreError(f"The bucket kept {kept} of {size} bytes of {key}.", code="incomplete")
                break
            except (ObstoreError, OSError, StoreError) as e:
                error = e if isinstance(e, StoreError) else self._error(e, f"keeping {key}")
                if error.code in ("refused", "missing") or attempt == PUT_TRIES:
                    raise error from None
                log.warning("%s: try %d of %d failed (%s); trying again", key, attempt, PUT_TRIES, error)
                await asyncio.sleep(self.retry_delay * attempt)
        if take:
            self.cache.adopt(key, source)
        return Stored(self.location(key), size)

    def size(self, location: str) -> int | None:
        if local_path(location):
            return self.disk.size(location)
        try:
            return obstore.head(self._store, self._key(location))["size"]
        except FileNotFoundError:
            return None
        except ObstoreError as e:
            raise self._error(e, "reading a file's size") from None

    def read(self, location: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if local_path(location):
            yield from self.disk.read(location, start, end)
            return
        if end is not None and end <= start:
            return
        key = self._key(location)
        try:
            got = obstore.get(self._store, key, options={"range": {"offset": start} if end is None else (start, end)})
            for piece in got.stream(min_chunk_size=CHUNK):
                yield bytes(piece)
        except FileNotFoundError:
            raise StoreError(f"{key} is not in {self.url}.", code="missing") from None
        except ObstoreError as e:
            raise self._error(e, f"reading {key}") from None

    @contextmanager
    def local(self, location: str) -> Iterator[Path]:
        if local_path(location):
            with self.disk.local(location) as path:
                yield path
            return
        key = self._key(location)
        with self.cache.use(key, lambda dest: self._download(key, dest)) as path:
            yield path

    def cached_key(self, path: Path) -> str | None:
        return self.cache.key_of(path)

    def delete(self, location: str) -> None:
        if local_path(location):
            self.disk.delete(location)
            return
        key = self._key(location)
        try:
            obstore.delete(self._store, key)
        except FileNotFoundError:
            pass
        except ObstoreError as e:
            raise self._error(e, f"deleting {key}") from None
        self.cache.drop(key)

    def list(self, prefix: str = "") -> Iterator[Entry]:
        try:
            for chunk in obstore.list(self._store, prefix=prefix or None, chunk_size=1000):
                for meta in chunk:
                    if not meta["path"].rsplit("/", 1)[-1].startswith("."):
                        yield Entry(meta["path"], meta["size"])
        except ObstoreError as e:
            raise self._error(e, "listing the bucket") from None

    def signed_url(self, location: str, seconds: int = 3600) -> str | None:
        if local_path(location):
            return None
        try:
            return obstore.sign(self._store, "GET", self._key(location), timedelta(seconds=seconds))
        except (ObstoreError, ValueError) as e:  # e.g. GCS without a service account
            log.info("no signed URL for %s: %s", self.url, type(e).__name__)
            return None

    def check(self) -> None:
        """Write, read back and delete one small object within seconds (studio.media.store.check)."""
        key = f"{CHECK_KEY}/{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        quick = open_obstore(self.settings, quick=True)
        try:
            obstore.put(quick, key, PROBE)
            kept = obstore.head(quick, key)["size"]
            obstore.delete(quick, key)
        except (ObstoreError, OSError) as e:
            raise ValueError(refusal(self.settings, store_error(e, self.url, "a test write"), self.variable)) from None
        if kept != len(PROBE):
            raise ValueError(f"{self.variable}={self.url}: the bucket kept {kept} of {len(PROBE)} bytes of a test "
                             "write: it is not a bucket the studio can trust with clips; use another.")

    # --- helpers -------------------------------------------------------------------

    def _key(self, location: str) -> str:
        key = self.key_of(location)
        if key is None:
            raise StoreError(f"This file is in {location.rsplit('/', 1)[0]}, not in {self.url} "
                             "(STUDIO_MEDIA_URL): set STUDIO_MEDIA_URL to where it is to reach it.", code="missing")
        return key

    def _download(self, key: str, dest: Path) -> None:
        try:
            got = obstore.get(self._store, key)
            expected = got.meta["size"]
            with dest.open("wb") as f:
                for piece in got.stream(min_chunk_size=CHUNK):
                    f.write(piece)
        except FileNotFoundError:
            raise StoreError(f"{key} is not in {self.url}.", code="missing") from None
        except ObstoreError as e:
            raise self._error(e, f"fetching {key}") from None
        if dest.stat().st_size != expected:
            raise StoreError(f"{key} arrived with {dest.stat().st_size} of {expected} bytes: try again.",
                             code="incomplete")

    def _error(self, e: BaseException, doing: str) -> StoreError:
        return store_error(e, self.url, doing)


def store_error(e: BaseException, url: str, doing: str) -> StoreError:
    """obstore's error in words (its own text has request dumps, never a secret, and stays in the log)."""
    text = str(e)
    first = text.split("<?xml", 1)[0].splitlines()[0] if text.strip() else type(e).__name__  # no response body
    log.info("%s: %s failed: %s", url, doing, first)
    status = re.search(r"status code: (\d{3})", text)
    if isinstance(e, (PermissionDeniedError, UnauthenticatedError)) or \
            (status and status.group(1) in ("401", "403")):
        names = "GOOGLE_APPLICATION_CREDENTIALS" if url.startswith("gs://") else \
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        return StoreError(f"The bucket {url} refused {doing} (HTTP {status.group(1) if status else 403}): check "
                          f"{names} and what they may do there.", code="refused")
    if isinstance(e, FileNotFoundError) and "NoSuchBucket" in text:
        return StoreError(f"There is no bucket {url.split('/')[2]} at the server: create it, or name the bucket "
                          "that holds the studio's media.", code="missing")
    if isinstance(e, FileNotFoundError):
        return StoreError(f"Nothing at {url} for {doing}.", code="missing")
    kind = re.search(r"kind: (\w+)", text)
    code = re.search(r"<Code>(\w+)</Code>", text)
    if status:
        why = f"HTTP {status.group(1)}" + (f" {code.group(1)}" if code else "")
    else:
        why = {"Connect": "could not connect", "Timeout": "timed out"}.get(kind.group(1) if kind else "",
                                                                           "the connection failed")
    return StoreError(f"The bucket {url} did not answer {doing} ({why}).", code="unreachable")


def open_obstore(media: MediaSettings, quick: bool):
    """obstore's store for the bucket, from the parsed settings only (never echoed: it holds the secret)."""
    scheme, _, rest = media.url.partition("://")
    bucket, _, prefix = rest.partition("/")
    # A stalled connection is given up after 30 s without a byte; a whole request (a part, or a clip
    # fetched for the cache) after 10 minutes.
    client = {"connect_timeout": "3s" if quick else "10s", "timeout": "10s" if quick else "600s",
              "read_timeout": "10s" if quick else "30s", "allow_http": media.access.allow_http}
    retry = {"max_retries": 1 if quick else 5, "retry_timeout": timedelta(seconds=5 if quick else 120),
             "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=5),
                         "base": 2}}
    if scheme == "gs":
        return GCSStore(bucket, prefix=prefix or None, client_options=client, retry_config=retry)
    a = media.access
    config = {k: v for k, v in {"endpoint": a.endpoint, "region": a.region or "us-east-1",
                                "access_key_id": a.access_key_id, "secret_access_key": a.secret_access_key}.items()
              if v is not None}
    return S3Store(bucket, prefix=prefix or None, config=config, client_options=client, retry_config=retry)
