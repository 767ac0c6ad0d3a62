"""Saved reference sets (the references section): the filled slots' images kept under a name (a character,
a product), in slot order, as durable copies. Only the caller's own sets are ever read.

Saving copies images to the studio's disk for free, so it is bounded (#19 item 4): what one user's sets hold
(STUDIO_STORAGE_USER_MB, distinct images counted once), and the new pictures one payer (an account, or an
anonymous browser's address, whose fresh identities share it) may save per UTC day. Deleting a set removes
its images when nothing else (another set, any job) names them.
"""

from __future__ import annotations

import os
import threading

from studio import budgets, variants
from studio.errors import InputError
from studio.jobs.ledger import Ledger
from studio.media import inspect
from studio.reference_sets import ReferenceSet, ReferenceSets
from studio.service.caller import Caller
from studio.service.core import Core
from studio.variants import Request

MB = 1024 * 1024
SAVED_PER_PAYER_DAY = 4  # times a user's quota a payer may newly save per UTC day (fresh identities share it)


class References:
    def __init__(self, core: Core, sets: ReferenceSets, ledger: Ledger, user_mb: float):
        self.core = core
        self.sets = sets
        self.ledger = ledger
        self.user_bytes = int(user_mb * MB)
        self._saved_today: dict[tuple[str, float], int] = {}  # (payer, UTC day) -> new bytes saved
        self._lock = threading.Lock()

    def save(self, caller: Caller, name: str, images) -> ReferenceSet:
        """Keep the filled slots' images under a name, in slot order (each use checks them again)."""
        paths = [p for p in (images or ()) if p]
        for n, path in enumerate(paths, start=1):
            inspect.check_reference(path, n, variants.Variant.EDIT)  # the looser limits
        self._make_room(caller, name, paths)
        kept = self.core.inputs.keep(Request(variant=variants.Variant.R2V, references=tuple(paths))).references
        return self.sets.save(caller.owner, name, list(kept))

    def list(self, caller: Caller) -> list[ReferenceSet]:
        return self.sets.list(caller.owner)

    def get(self, caller: Caller, name: str) -> ReferenceSet:
        return self.sets.get(caller.owner, name)

    def delete(self, caller: Caller, name: str) -> ReferenceSet:
        """Delete one of the caller's sets, and its images that nothing else names any more."""
        gone = self.sets.delete(caller.owner, name)
        in_sets = self.sets.images_in_use()
        for image in set(gone.images) - in_sets:
            if not self.ledger.uses_input(image):
                try:
                    os.unlink(image)
                except FileNotFoundError:
                    pass
        return gone

    def held(self, caller: Caller) -> int:
        """Bytes of the distinct images the caller's sets hold."""
        return sum(_size(p) for p in {i for s in self.sets.list(caller.owner) for i in s.images})

    def _make_room(self, caller: Caller, name: str, paths: list[str]) -> None:
        """Refuse a save that would pass the caller's quota, or their payer's new pictures for today."""
        others = {i for s in self.sets.list(caller.owner) if s.name != " ".join(name.split()) for i in s.images}
        held = sum(_size(p) for p in others)
        new = sum(_size(p) for p in set(paths))
        if held + new > self.user_bytes:
            raise InputError(f"Your reference sets would hold {(held + new) / MB:.0f} MB of pictures, past the "
                             f"{self.user_bytes / MB:.0f} MB each user may keep here: delete a set you no longer "
                             "need, or save smaller pictures.")
        day = budgets.day_start()
        with self._lock:
            self._saved_today = {k: v for k, v in self._saved_today.items() if k[1] == day}
            today = self._saved_today.get((caller.payer, day), 0)
            if today + new > SAVED_PER_PAYER_DAY * self.user_bytes:
                raise InputError("You have saved many pictures in reference sets today: save more after "
                                 "00:00 UTC, or delete a set and use it again.")
            self._saved_today[(caller.payer, day)] = today + new


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
