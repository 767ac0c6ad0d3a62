"""Named reference sets (a character, a product), one small JSON file per owner.

Why a file and not a ledger table: a set is a handful of paths that only its
owner reads, never joined with jobs; a file per owner keeps it out of the
ledger's migration order and its hot tables. Writes are atomic (temporary
file, then os.replace) under an exclusive lock on a sidecar file, so two saves
at once cannot lose one. The images themselves are kept by the InputStore
(content-addressed), so a set never points at a temporary upload.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from studio.errors import InputError

MAX_NAME = 60
MAX_SETS = 200
MAX_IMAGES = 9


@dataclass(frozen=True)
class ReferenceSet:
    name: str
    images: tuple[str, ...]  # durable paths, in slot order
    saved_at: float

    def to_dict(self) -> dict:
        return {"name": self.name, "images": list(self.images), "saved_at": self.saved_at}


class ReferenceSets:
    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, owner: str, name: str, images: list[str]) -> ReferenceSet:
        name = clean_name(name)
        if not images:
            raise InputError("A reference set needs at least one image: fill a slot first.")
        if len(images) > MAX_IMAGES:
            raise InputError(f"A reference set holds at most {MAX_IMAGES} images; you gave {len(images)}.")
        saved = ReferenceSet(name, tuple(images), time.time())
        with self._locked(owner):
            sets = self._read(owner)
            if name not in sets and len(sets) >= MAX_SETS:
                raise InputError(f"You have {MAX_SETS} reference sets: delete one before saving another.")
            sets[name] = saved.to_dict()
            self._write(owner, sets)
        return saved

    def list(self, owner: str) -> list[ReferenceSet]:
        sets = self._read(owner).values()
        return sorted((_from_dict(d) for d in sets), key=lambda s: s.name.lower())

    def get(self, owner: str, name: str) -> ReferenceSet:
        d = self._read(owner).get((name or "").strip())
        if d is None:
            raise InputError(f"There is no reference set named {name!r}: save one first, or pick one from "
                             f"the list (python -m studio refs list).")
        return _from_dict(d)

    def delete(self, owner: str, name: str) -> ReferenceSet:
        """Take the set off the owner's list; returns it (its images stay: others may use them)."""
        with self._locked(owner):
            sets = self._read(owner)
            gone = sets.pop((name or "").strip(), None)
            if gone is None:
                raise InputError(f"There is no reference set named {name!r}: nothing was deleted.")
            self._write(owner, sets)
        return _from_dict(gone)

    def images_in_use(self) -> set[str]:
        """Every image any owner's set names (a handful of small files per owner)."""
        used: set[str] = set()
        for path in self.root.glob("*.json"):
            try:
                sets = json.loads(path.read_text())["sets"]
            except (OSError, ValueError, KeyError):
                continue
            used.update(image for d in sets.values() for image in d.get("images", ()))
        return used

    def _path(self, owner: str) -> Path:
        return self.root / (hashlib.sha256(owner.encode()).hexdigest()[:24] + ".json")

    def _read(self, owner: str) -> dict[str, dict]:
        try:
            return json.loads(self._path(owner).read_text())["sets"]
        except FileNotFoundError:
            return {}

    def _write(self, owner: str, sets: dict[str, dict]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"sets": sets}, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path(owner))
        finally:
            Path(tmp).unlink(missing_ok=True)

    @contextmanager
    def _locked(self, owner: str):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self._path(owner).with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InputError("Give the reference set a name, e.g. the character or product it shows.")
    if len(name) > MAX_NAME:
        raise InputError(f"The set name is {len(name)} characters; keep it to {MAX_NAME}.")
    return name


def _from_dict(d: dict) -> ReferenceSet:
    return ReferenceSet(d["name"], tuple(d["images"]), float(d.get("saved_at", 0)))
