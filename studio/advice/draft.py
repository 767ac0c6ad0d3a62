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


def words(*items: str, chinese_not_before: dict[str, str] | None = None) -> re.Pattern:
    """Whole English words or phrases, or Chinese words anywhere (Chinese has no spaces), the longest first.

    `chinese_not_before` {word: characters}: a Chinese word that is not itself when one of these follows
    (马 in 马路 is a road). One group per script keeps the pattern fast on long prompts.
    """
    guard = chinese_not_before or {}
    latin = sorted((w for w in items if not _HAN.search(w)), key=len, reverse=True)
    han = sorted((w for w in items if _HAN.search(w)), key=len, reverse=True)
    parts = [r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b"] if latin else []
    if han:
        parts.append("|".join(re.escape(w) + (f"(?![{guard[w]}])" if w in guard else "") for w in han))
    return re.compile("|".join(parts), re.IGNORECASE)


def first_upper(text: str, like: str) -> str:
    """text with a capital first letter when `like` starts with one."""
    return text[:1].upper() + text[1:] if like[:1].isupper() else text
