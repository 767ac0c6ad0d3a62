"""The folder store: kept files on this machine's disk, the default (STUDIO_DATA_DIR/media as always).

A file is written to a temporary name beside its place, flushed to disk, then renamed into
place, so a crash leaves either the whole file or none under its name. Locations are absolute
paths, as the ledger has always held them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studio.errors import StoreError
from studio.media.store.base import CHUNK, Entry, MediaStore, Stored, bucket_of, check_key, local_path


class FolderStore(MediaStore):
    def __init__(self, root: Path, *, variable: str = "STUDIO_DATA_DIR", deletes_under: tuple[Path, ...] = ()):
        """variable: the setting that chose this folder (named when it cannot be written).
        deletes_under: other folders whose files this store may delete (the data folder's own media
        when STUDIO_MEDIA_URL names another folder); reads follow any absolute location."""
        self.root = Path(root).resolve()
        self.url = str(self.root)
        self.variable = variable
        self._deletable = (self.root, *(Path(p).resolve() for p in deletes_under))

    def location(self, key: str) -> str:
        return str(self.root / check_key(key))

    def key_of(self, location: str) -> str | None:
        path = local_path(location)
        if path is None or not path.is_relative_to(self.root):
            return None
        return path.relative_to(self.root).as_posix()

    def staging_dir(self, key: str) -> Path:
        return (self.root / check_key(key)).parent

    def put(self, key: str, source: Path, *, take: bool = False) -> Stored:
        dest = self.root / check_key(key)
        source = Path(source)
        size = source.stat().st_size
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.resolve() == dest:
            _fsync(dest)
        elif take and source.stat().st_dev == dest.parent.stat().st_dev:  # the same disk: a rename
            _fsync(source)
            os.replace(source, dest)
        else:
            fd, part = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".part")
            os.close(fd)
            try:
                shutil.copyfile(source, part)
                _fsync(Path(part))
                os.replace(part, dest)
            finally:
                Path(part).unlink(missing_ok=True)
            if take:
                source.unlink(missing_ok=True)
        return Stored(str(dest), size)

    def size(self, location: str) -> int | None:
        try:
            return self._path(location).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, location: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._existing(location)
        with path.open("rb") as f:
            f.seek(start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                piece = f.read(CHUNK if left is None else min(CHUNK, left))
                if not piece:
                    return
                if left is not None:
                    left -= len(piece)
                yield piece

    @contextmanager
    def local(self, location: str) -> Iterator[Path]:
        yield self._existing(location)

    def delete(self, location: str) -> None:
        path = self._path(location)
        if any(path.is_relative_to(root) for root in self._deletable):
            path.unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[Entry]:
        start = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root  # only the folders it names
        for folder, dirs, files in os.walk(start):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        yield Entry(key, path.stat().st_size)
                    except FileNotFoundError:
                        continue  # deleted while listing

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".studio-check-"):
                pass
        except OSError as e:
            raise ValueError(f"{self.variable}={self.root} cannot be written ({e.strerror}): choose a folder "
                             "the studio may write to.") from None

    def _path(self, location: str) -> Path:
        path = local_path(location)
        if path is None:
            raise StoreError(f"This file is in the bucket {bucket_of(location)}, but the studio keeps media in a "
                             "folder: set STUDIO_MEDIA_URL (and its AWS_* settings) to that bucket to reach it.",
                             code="missing")
        return path

    def _existing(self, location: str) -> Path:
        path = self._path(location)
        if not path.is_file():
            raise StoreError(f"The file {path.name} is gone from {path.parent}.", code="missing")
        return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
