"""Move the data folder's media into a bucket (python -m studio media move --to s3://...).

Three steps, each safe to cut short and run again:
1. every file under media/ that is not in the bucket with its size is uploaded (whole or absent,
   its size read back); files already there with the right size are skipped;
2. each job whose clip or poster is such a file is pointed at the bucket (only if the job still
   names the local file), so the ledger never names a location that does not hold the whole file;
3. the local copies the bucket now holds whole, and no job names any more, are deleted (unless
   keep): a run cut short between steps 2 and 3 deletes them the next time.
Then the kept inputs (inputs/) are copied, not moved (copy_inputs): jobs' requests name the local files.
A file a job names that is neither here nor in the bucket is reported, and its job left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from studio.errors import StoreError
from studio.media.store.base import MediaStore
from studio.media.store.folder import FolderStore

log = logging.getLogger("studio.media")

PREFIX = "media/"     # clips and posters (collected, stitched, edited): what jobs' locations name
INPUTS = "inputs/"    # kept inputs, named by content: copied, never moved (studio.inputs)
UPLOADS_AT_ONCE = 4


class Locations(Protocol):  # studio.jobs.locations.Locations
    def under(self, folder: str) -> list[tuple[str, str | None, str | None]]: ...

    def relocate(self, job_id: str, column: str, old: str, new: str) -> bool: ...


@dataclass
class Moved:
    uploaded: int = 0          # files sent to the bucket in this run
    uploaded_bytes: int = 0
    already: int = 0           # files the bucket held whole already (an earlier run)
    relocated: int = 0         # clip and poster locations now pointing at the bucket
    deleted: int = 0           # local copies removed
    left: int = 0              # local copies left in place (keep)
    missing: list[str] = field(default_factory=list)  # named by a job, in neither place
    failed: list[str] = field(default_factory=list)   # could not be uploaded, with why

    @property
    def complete(self) -> bool:
        return not self.missing and not self.failed


def move_media(locations: Locations, source: FolderStore, target: MediaStore, *, keep: bool = False,
               say: Callable[[str], None] = lambda line: None) -> Moved:
    moved = Moved()
    present = {e.key: e.size for e in target.list(PREFIX)}
    local = {e.key: e.size for e in source.list(PREFIX)}
    _upload(source, target, local, present, moved, say)
    folder = str(source.root) + "/"
    for job_id, *paths in locations.under(folder):
        for column, old in zip(("output_path", "poster_path"), paths):
            key = source.key_of(old) if old and old.startswith(folder) else None
            if key is None:
                continue
            if key not in present:
                if key not in local:
                    moved.missing.append(f"job {job_id}: {old}")
                continue  # not uploaded (see failed): the job keeps its local file
            if key in local and local[key] != present[key]:
                continue  # the bucket holds another size: never point a job at it
            if locations.relocate(job_id, column, old, target.location(key)):
                moved.relocated += 1
    still_named = {p for _, *paths in locations.under(folder) for p in paths if p}
    for key, size in local.items():
        if present.get(key) != size or source.location(key) in still_named:
            continue
        if keep:
            moved.left += 1
        else:
            source.delete(source.location(key))
            moved.deleted += 1
    return moved


def copy_inputs(source: FolderStore, target: MediaStore, say: Callable[[str], None] = lambda line: None) -> Moved:
    """The kept inputs (inputs/: first frames, references, edit sources jobs were sent with) copied into the
    bucket, where a studio on another machine fetches them back for a final, variations or reuse; the local
    copies stay (the jobs' requests name them). Resumable the same way: what the bucket holds is skipped."""
    copied = Moved()
    present = {e.key: e.size for e in target.list(INPUTS)}
    local = {e.key: e.size for e in source.list(INPUTS)}
    _upload(source, target, local, present, copied, say)
    return copied


def _upload(source: FolderStore, target: MediaStore, local: dict[str, int], present: dict[str, int],
            moved: Moved, say: Callable[[str], None]) -> None:
    todo = [key for key, size in local.items() if present.get(key) != size]
    moved.already = len(local) - len(todo)
    if moved.already:
        say(f"{moved.already} file(s) already in {target.url} with the right size: skipped")
    if todo:
        say(f"uploading {len(todo)} file(s) ({sum(local[k] for k in todo) / 2**20:.1f} MB) to {target.url}")

    def one(key: str) -> tuple[str, int | StoreError]:
        try:
            return key, target.put(key, source.root / key).size
        except StoreError as e:
            return key, e
        except OSError as e:  # gone from the folder meanwhile (a delete in the gallery)
            return key, StoreError(f"could not be read here ({e.strerror})", code="missing")

    with ThreadPoolExecutor(UPLOADS_AT_ONCE) as pool:
        for key, got in pool.map(one, todo):
            if isinstance(got, StoreError):
                moved.failed.append(f"{key}: {got}")
                continue
            present[key] = got
            moved.uploaded += 1
            moved.uploaded_bytes += got
            if moved.uploaded % 100 == 0:
                say(f"  {moved.uploaded} of {len(todo)} uploaded")
