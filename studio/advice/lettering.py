"""The on-screen text rule: readable letters come out garbled, so the rewrite keeps the object and drops
its words ("a neon sign that reads "OPEN" above a diner" -> "a neon sign above a diner")."""

from __future__ import annotations

import re

from studio.advice.draft import Draft
from studio.advice.edit import QUOTES, closing_quote, cut, is_cjk
from studio.advice.items import say

SAYS = re.compile(
    r"\b(?:sign|banner|poster|billboard|text|title|logo|label|screen|board|t-shirt|shirt)\s+"
    r"(?P<says>(?:that\s+|which\s+)?(?:reads|reading|says|saying|spells|spelling|displays|displaying|"
    r"with the words|with text))\b", re.IGNORECASE)
QUOTED_WORDS = re.compile(r"(?:\b(?:with|bearing|showing)\s+)?\b(?:the\s+)?words?\s*:?\s*(?=[\"“'‘「『])", re.IGNORECASE)
NOUNS = re.compile(r"\b(?:subtitles?|captions?|on-screen text|title cards?|lettering|typography|headlines?|"
                   r"text overlays?)\b", re.IGNORECASE)
WITH_NOUN = re.compile(r"\s*\b(?:with|and|plus|showing|featuring)\s+(?:(?:a|an|the|some)\s+)?(?:[a-z-]+\s+)?$",
                       re.IGNORECASE)
WRITTEN_ZH = re.compile(r"(?:写着|写有|印有|印着)")
NOUNS_ZH = re.compile(r"(?P<with>带有|带|配有|配上|加上|以及|和|及|有)?(?:中文|英文|大)?(?:字幕|文字|标语|字样|标题)")
FINDERS = (SAYS, QUOTED_WORDS, NOUNS, WRITTEN_ZH, NOUNS_ZH)
_CLAUSE = re.compile(r"[,;.!?，；。！？\n]")


def on_screen_text_fires(prompt: str) -> bool:
    return _first(prompt) is not None


def _first(prompt: str) -> re.Match | None:
    found = [m for finder in FINDERS if (m := finder.search(prompt))]
    return min(found, key=lambda m: m.start()) if found else None


def on_screen_text(prompt: str, lang: str) -> Draft:
    shown = _first(prompt).group(0).strip()
    rewrite: str | None = prompt
    for _ in range(30):
        m = rewrite and _first(rewrite)
        if not m:
            break
        rewrite = _without_words(rewrite, m)
    return Draft(say(lang, f"“{shown}”: readable text on screen is a known weak spot; letters come out garbled.",
                     f"“{shown}”：画面里可读的文字是已知弱项，字母和汉字常会变形错乱。"),
                 say(lang, "Add titles and lettering in editing afterwards; describe the object without its words",
                     "文字和标题留到后期剪辑时再加；只描述物体本身，不写上面的字"),
                 rewrite, added="的",
                 otherwise=say(lang, "Add titles and lettering in editing afterwards, and describe the object "
                                     "without its words.", "文字和标题留到后期剪辑时再加，只描述物体本身，不写上面的字。"))


def _without_words(text: str, m: re.Match) -> str | None:
    if m.re is SAYS:
        end = _quote_end(text, m.end()) or _clause_end_within(text, m.end(), 6)
        return cut(text, m.start("says"), end) if end else None
    if m.re is QUOTED_WORDS:
        end = _quote_end(text, m.end())
        return cut(text, m.start(), end) if end else None
    if m.re is WRITTEN_ZH:
        return _without_written_zh(text, m)
    if m.re is NOUNS_ZH and m.group("with"):
        return _without_attached_zh(text, m)
    if m.re is NOUNS and (joined := WITH_NOUN.search(text[:m.start()])):
        return cut(text, joined.start(), m.end())
    return _without_clause(text, m)


def _quote_end(text: str, at: int) -> int | None:
    """The end of a quotation starting at `at` (after optional spaces or a colon), else None."""
    lead = re.match(r"[\s:：]*", text[at:]).end()
    start = at + lead
    if start < len(text) and text[start] in QUOTES and (close := closing_quote(text, start)) is not None:
        return close + 1
    return None


def _clause_end_within(text: str, at: int, most_words: int) -> int | None:
    m = _CLAUSE.search(text, at)
    end = m.start() if m else len(text)
    return end if 0 < len(text[at:end].split()) <= most_words else None


def _without_written_zh(text: str, m: re.Match) -> str | None:
    """写着“欢迎光临”的招牌 -> 招牌: the verb, what is written, and 字样/的 after it."""
    end = _quote_end(text, m.end())
    if end is None:
        written = re.match(r"[^，。；！？、\s的]{1,20}", text[m.end():])
        if not written:
            return None
        end = m.end() + written.end()
    end += re.match(r"(?:字样)?的?", text[end:]).end()
    between = 0 < m.start() and is_cjk(text[m.start() - 1]) and end < len(text) and is_cjk(text[end])
    if between and text[end - 1] == "的":  # 墙上写着“欢迎光临”的招牌 -> 墙上的招牌
        return text[:m.start()] + "的" + text[end:]
    return cut(text, m.start(), end)


def _without_attached_zh(text: str, m: re.Match) -> str:
    """配上字幕 goes; so does the rest of its clause when only a few characters would be left
    ("画面下方配上字幕" says nothing without its 字幕)."""
    starts = [c.end() for c in _CLAUSE.finditer(text, 0, m.start())]
    start = starts[-1] if starts else 0
    stop = _CLAUSE.search(text, m.end())
    end = stop.start() if stop else len(text)
    left = (text[start:m.start()] + text[m.end():end]).strip()
    whole = len(left) <= 4 and (start, end) != (0, len(text))
    return cut(text, start, end) if whole else cut(text, m.start(), m.end())


def _without_clause(text: str, m: re.Match) -> str | None:
    """Drop a short clause that is only about the text ("subtitles at the bottom", "加上标题")."""
    starts = [c.end() for c in _CLAUSE.finditer(text, 0, m.start())]
    start = starts[-1] if starts else 0
    stop = _CLAUSE.search(text, m.end())
    end = stop.start() if stop else len(text)
    clause = text[start:end]
    short = len(clause.split()) <= 5 if not is_cjk(clause.strip()[:1]) else len(clause.strip()) <= 10
    if not short or start == 0:  # the first clause says what the shot is of: not to be dropped
        return None
    return cut(text, start, end)
