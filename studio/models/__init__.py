"""The model catalogue as data: catalogue.toml beside this file, read and checked by catalogue.py.

    models.catalogue()           the catalogue, read again whenever the file changes
    models.family("wan2.7")      one model family; InputError naming the choices when unknown
    models.label("wan2.7")       "Wan 2.7" (the id itself for a model no longer in the file)
    models.LEGACY                the model of jobs recorded before the studio knew about models

Which model a request may use on which backend, and the words for why not, are in
studio.model_choice; prices become quotes in studio.pricing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from studio.errors import InputError
from studio.models.catalogue import (BACKENDS, MB, VARIANTS, Catalogue, CatalogueError, Family, Limits,  # noqa: F401
                                     Prices, parse)

PATH = Path(__file__).with_name("catalogue.toml")
LEGACY = "happyhorse-1.0"   # every job recorded before the catalogue existed ran on HappyHorse 1.0


class _Loaded:
    """The last catalogue read, with the file's identity and text it was read from (immutable data,
    shared by every user). A changed file (time, size or inode) is read again and parsed if its text
    changed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.source: tuple[Path, str] | None = None
        self.catalogue: Catalogue | None = None


_LOADED = _Loaded()


def catalogue() -> Catalogue:
    """The catalogue in PATH; an edited file is read again on the next call (an owner's new price counts at once)."""
    path = PATH
    try:
        st = path.stat()
        stamp = (path, st.st_mtime_ns, st.st_size, st.st_ino)
        with _LOADED.lock:
            if stamp == _LOADED.stamp and _LOADED.catalogue is not None:
                return _LOADED.catalogue
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogueError(f"The model catalogue {path} cannot be read ({e}): restore it from the "
                             "studio's repository.") from None
    with _LOADED.lock:
        if _LOADED.source != (path, text):
            _LOADED.catalogue, _LOADED.source = parse(text, path), (path, text)
        _LOADED.stamp = stamp
        return _LOADED.catalogue


def family(model: str) -> Family:
    cat = catalogue()
    found = cat.families.get(model) if isinstance(model, str) else None
    if found is None:
        shown = repr(model)[:40]
        raise InputError(f"Model {shown} is not offered: choose one of {', '.join(cat.families)}.")
    return found


def label(model: str | None) -> str:
    if not model:
        return ""
    found = catalogue().families.get(model)
    return found.label if found else model

