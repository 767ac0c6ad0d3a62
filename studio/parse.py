"""Loosely typed input (widgets, CLI flags, API JSON) to typed values, refused in words.

Each parser names the field in its refusal and says what to give instead; a
refused value is quoted short and safe to print.
"""

from __future__ import annotations

import math
import os
from typing import Any

from studio.errors import InputError

MAX_SEED = 2_147_483_647


def shown(value: Any) -> str:
    """A value as a refusal quotes it: short, and safe to print."""
    text = repr(value).encode("ascii", "backslashreplace").decode()
    return text if len(text) <= 40 else text[:37] + "..."


def parse_bool(name: str, value: Any, default: bool = False) -> bool:
    """true or false only (a real boolean, or the words in any case); empty means the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InputError(f"{name} {shown(value)} is not true or false: give true or false.")


def parse_text(name: str, value: Any) -> str:
    """Text that is valid Unicode (no lone surrogate, no NUL); empty for None."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {shown(value)}: put it in quotes.")
    for i, ch in enumerate(value):
        if "\ud800" <= ch <= "\udfff" or ch == "\x00":
            raise InputError(f"{name} has a character that is not valid text at position {i + 1} (a broken "
                             "or half-copied character): retype the text around it, or remove it.")
    return value


def parse_path(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return parse_text(name, value) or None


def parse_paths(values: Any) -> Any:
    """Reference paths: a list (or tuple) of paths, None or "" for an empty slot."""
    if values is None or values == "":
        return ()
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise InputError(f"References must be a list of images, not {shown(values)}: give one path per slot.")
    return [parse_path(f"Reference {i}", v) for i, v in enumerate(values, start=1)]


def parse_seconds(value: Any, lo: int, hi: int, default: int, where: str = "") -> int:
    """Whole seconds from lo to hi (`where`, e.g. " on Wan 2.7", says whose range); empty means the default."""
    span = f"whole seconds from {lo} to {hi}{where}"
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool):
            raise TypeError
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"Duration {shown(value)} is not a number: give {span}.") from None
    if not math.isfinite(f):
        raise InputError(f"Duration {shown(value)} is not a number of seconds: give {span}.")
    if f != int(f):
        raise InputError(f"Duration must be whole seconds; {value} is not: use {lo} to {hi}{where}.")
    if not lo <= f <= hi:
        raise InputError(f"Duration {int(f)} s is out of range: give {span}.")
    return int(f)


def parse_seed(value: Any) -> int | None:
    """Empty means random. Otherwise a whole number from 0 to 2147483647."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        f = float(value)
        seed = int(f)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"Seed {shown(value)} is not a whole number: leave it empty for random, or use 0 to {MAX_SEED}.") from None
    if seed != f or not 0 <= seed <= MAX_SEED:
        raise InputError(f"Seed {shown(value)} is out of range: leave it empty for random, or use 0 to {MAX_SEED}.")
    return seed
