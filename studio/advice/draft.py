"""What a rule hands back when it fires, before the rewrite is checked, and the vocabulary helpers
the rules share."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HAN = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Draft:
    reason: str                 # why it matters, with what was found
    how: str                    # what to do, said before the change ("Say what you want instead")
    rewrite: str | None = None  # the whole prompt changed so the rule no longer fires
    added: str = ""             # the words the rewrite brings in (all others come from the prompt)
    otherwise: str = ""         # what to do when no rewrite can be offered
    change: str = ""            # the change in words, when a diff would say it badly


def words(*items: str) -> re.Pattern:
    """Whole English words or phrases, or Chinese words anywhere (Chinese has no spaces)."""
    parts = [re.escape(w) if _HAN.search(w) else rf"\b{re.escape(w)}\b" for w in items]
    return re.compile("|".join(parts), re.IGNORECASE)


def first_upper(text: str, like: str) -> str:
    """text with a capital first letter when `like` starts with one."""
    return text[:1].upper() + text[1:] if like[:1].isupper() else text
