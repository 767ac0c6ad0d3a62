"""A bounded local copy of bucket files, for work that needs a path (frame grab, stitch, an edit's source).

Files sit under the cache folder by key (media/<job>.mp4), so a file keeps its name. Each use
touches the file; when the folder holds more than its bound, the files used longest ago go first.
A file is never evicted while this process uses it (inside `use`), nor within `grace` seconds of
its last use by any process sharing the folder (a CLI beside the server): the bound can be passed
for a moment by files in use, and holds again once they are not. A fetch lands under a temporary
name and is renamed into place whole.

Files in the making (fetches, collected clips before their upload, a storyboard being joined) sit in
.incoming: they count against the bound (they are on the same disk) but are never evicted while
they may be in use. A process killed half way leaves its file there; a cache opening sweeps what is
older than STALE_SECONDS (no fetch, upload or stitch runs that long: a request gives up after 10 min).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from studio.media.store.base import check_key

INCOMING = ".incoming"  # fetches and uploads in progress: counted, never evicted (swept when stale)
FETCH_LOCKS = 32        # fetches of different keys mostly run side by side
STALE_SECONDS = 3 * 3600  # a file in .incoming untouched this long was left by a process that died

log = logging.getLogger("studio.media")


class LocalCache:
    def __init__(self, root: Path, max_bytes: int, *, grace: float = 30.0):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.grace = grace
        self._lock = threading.Lock()
        self._in_use: Counter[str] = Counter()
        self._fetching = [threading.Lock() for _ in range(FETCH_LOCKS)]
        self.swept = self.sweep()

    def sweep(self, older_than: float = STALE_SECONDS) -> int:
        """Remove what killed processes left in .incoming (untouched for `older_than` seconds); how many."""
        folder, swept, before = self.root / INCOMING, 0, time.time() - older_than
        for path in (folder.iterdir() if folder.is_dir() else ()):
            try:
                if path.is_file() and path.stat().st_mtime < before:
                    path.unlink()
                    swept += 1
            except OSError:
                continue  # gone meanwhile, or not ours to remove: the next start tries again
        if swept:
            log.info("%s: removed %d file(s) left half made by a process that stopped", folder, swept)
        return swept

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    @property
    def incoming(self) -> Path:
        """Where files are built before they enter the cache (the same disk: entering is a rename)."""
        folder = self.root / INCOMING
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @contextmanager
    def use(self, key: str, fetch: Callable[[Path], None]) -> Iterator[Path]:
        """The cached file for `key`, fetched first if absent (`fetch` writes it to the path it is given)."""
        path = self.path(key)
        with self._using(key):
            with self._fetch_lock(key):
                if not path.is_file():
                    self._fetch(path, fetch)
                _touch(path)
            self.evict()
            yield path
        self.evict()

    def adopt(self, key: str, source: Path) -> None:
        """Take a local file that is now also in the bucket as the cached copy of `key` (a rename)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, path)
        _touch(path)
        self.evict()

    def key_of(self, path: Path) -> str | None:
        """The key a file of this cache is kept under, or None when `path` is not one (nor one in the making)."""
        try:
            key = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None
        return None if key.split("/", 1)[0] == INCOMING else key

    def drop(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def held(self) -> int:
        """Bytes the cache holds now, files in the making included."""
        return sum(size for _, size, _ in self._files()) + self._making()

    def evict(self) -> None:
        """Remove the files used longest ago until the cache (files in the making too) is within its bound."""
        files = sorted(self._files())  # oldest use first
        total = sum(size for _, size, _ in files) + self._making()
        recent = time.time() - self.grace
        for used, size, path in files:
            if total <= self.max_bytes:
                return
            key = path.relative_to(self.root).as_posix()
            with self._lock:
                if self._in_use[key] or used > recent:
                    continue
                path.unlink(missing_ok=True)
            total -= size

    def _files(self) -> Iterator[tuple[float, int, Path]]:
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d != INCOMING]
            for name in files:
                path = Path(folder) / name
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                yield st.st_mtime, st.st_size, path

    def _making(self) -> int:
        """Bytes in .incoming (never evicted: they may be in use)."""
        total = 0
        for folder, _, files in os.walk(self.root / INCOMING):
            for name in files:
                try:
                    total += (Path(folder) / name).stat().st_size
                except FileNotFoundError:
                    continue
        return total

    def _fetch(self, path: Path, fetch: Callable[[Path], None]) -> None:
        fd, part = tempfile.mkstemp(dir=self.incoming, suffix=".part")
        os.close(fd)
        try:
            fetch(Path(part))
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, path)
        finally:
            Path(part).unlink(missing_ok=True)

    @contextmanager
    def _using(self, key: str) -> Iterator[None]:
        with self._lock:
            self._in_use[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_use[key] -= 1
                if not self._in_use[key]:
                    del self._in_use[key]

    def _fetch_lock(self, key: str) -> threading.Lock:
        """One fetch of a key at a time in this process (a second user waits and finds the file)."""
        return self._fetching[hash(key) % FETCH_LOCKS]


def _touch(path: Path) -> None:
    os.utime(path)
