"""Saved reference sets (the references section): the filled slots' images kept under a name (a character,
a product), in slot order, as durable copies. Only the caller's own sets are ever read."""

from __future__ import annotations

from studio import variants
from studio.media import inspect
from studio.reference_sets import ReferenceSet, ReferenceSets
from studio.service.caller import Caller
from studio.service.core import Core
from studio.variants import Request


class References:
    def __init__(self, core: Core, sets: ReferenceSets):
        self.core = core
        self.sets = sets

    def save(self, caller: Caller, name: str, images) -> ReferenceSet:
        """Keep the filled slots' images under a name, in slot order (each use checks them again)."""
        paths = [p for p in (images or ()) if p]
        for n, path in enumerate(paths, start=1):
            inspect.check_reference(path, n, variants.Variant.EDIT)  # the looser limits
        kept = self.core.inputs.keep(Request(variant=variants.Variant.R2V, references=tuple(paths))).references
        return self.sets.save(caller.owner, name, list(kept))

    def list(self, caller: Caller) -> list[ReferenceSet]:
        return self.sets.list(caller.owner)

    def get(self, caller: Caller, name: str) -> ReferenceSet:
        return self.sets.get(caller.owner, name)

    def delete(self, caller: Caller, name: str) -> None:
        self.sets.delete(caller.owner, name)
