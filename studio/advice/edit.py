"""Editing prompt text the way a careful writer would: take a phrase out and mend the join, find the
quote that closes a quote, and say in a few words what changed. Works on English and Chinese.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

SENTENCE_END = ".!?。！？"
CLAUSE_MARK = ",;，；、"
ZH_PUNCT = "，。；！？、：“”‘’（）【】《》「」『』"
PAIRS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "《": "》", "「": "」", "『": "』", "“": "”", "‘": "’"}
QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』", "«": "»"}
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_cjk(ch: str) -> bool:
    return bool(ch) and (bool(_CJK.match(ch)) or ch in ZH_PUNCT)


def _joins_with_space(left: str, right: str) -> bool:
    """A space between two pieces: not around Chinese, not after an opening or before a closing mark."""
    if not left or not right or left[-1] in "\n([{“‘「『（【" or right[0] in "\n,.;:!?)]}”’」』）】":
        return False
    return not (is_cjk(left[-1]) or is_cjk(right[0]))


def join(left: str, right: str) -> str:
    """Two pieces of a prompt joined as a writer would: one space between words, none before a comma."""
    left, right = left.rstrip(" \t"), right.lstrip(" \t")
    return left + (" " if _joins_with_space(left, right) else "") + right


def cut(text: str, start: int, end: int) -> str:
    """text without text[start:end], the join mended: no doubled or stranded comma, a capital where a
    sentence now starts."""
    left, right = text[:start].rstrip(" \t"), text[end:].lstrip(" \t")
    capital = text[start:start + 1].isupper() or (not left and text[:1].isupper())
    if not left or left[-1] in SENTENCE_END + "\n":
        right = right.lstrip(CLAUSE_MARK + " \t")
        if capital or (left and left[-1] in ".!?"):
            right = right[:1].upper() + right[1:]
        if not right:
            return tidy(left)
    elif left[-1] in CLAUSE_MARK and (not right or right[0] in CLAUSE_MARK + SENTENCE_END):
        left = left[:-1].rstrip(" \t")
    elif not right:
        left = left.rstrip(CLAUSE_MARK + " \t")
    return tidy(join(left, right))


def replace(text: str, start: int, end: int, new: str) -> str:
    """text with text[start:end] replaced by `new`, a capital kept where the old words had one."""
    if text[start:start + 1].isupper() and new[:1].islower():
        new = new[:1].upper() + new[1:]
    return tidy(text[:start] + new + text[end:])


def tidy(text: str) -> str:
    """Collapse the spaces an edit leaves, and punctuation doubled by it."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,.;:!?])(?=\s|$)", r"\1", text)
    text = re.sub(r"([,;])\s*[,;]", r"\1", text)
    text = re.sub(r",\s*([.!?])", r"\1", text)
    text = re.sub(r"[，；、]\s*([，；。！？])", r"\1", text)
    return text.strip(" \t")


def closing_quote(text: str, at: int) -> int | None:
    """Where the quote opened at text[at] closes (index of the closing mark), or None.

    A straight or curly single quote between two letters is an apostrophe ("don't"), never a quote.
    """
    opener = text[at]
    closer = QUOTES.get(opener)
    if closer is None or (opener in "'’" and at > 0 and text[at - 1].isalpha()):
        return None
    for i in range(at + 1, len(text)):
        if text[i] == closer and not (closer in "'’" and i + 1 < len(text) and text[i + 1].isalpha()):
            return i
        if text[i] == "\n":
            return None
    return None


def defects(text: str) -> Counter:
    """Marks of a broken edit, counted: unbalanced brackets or quotes, doubled or stranded punctuation."""
    found: Counter = Counter()
    stack: list[str] = []
    plain = re.sub(r"(?<=[A-Za-z])[’'](?=[A-Za-z])", "", text)  # apostrophes
    for ch in plain:
        if ch in PAIRS:
            stack.append(PAIRS[ch])
        elif ch in PAIRS.values():
            if stack and stack[-1] == ch:
                stack.pop()
            else:
                found["unbalanced " + ch] += 1
    for closer in stack:
        found["unbalanced " + closer] += 1
    if plain.count('"') % 2:
        found['unbalanced "'] += 1
    openers = len(re.findall(r"(?:^|(?<=[\s(\[“]))'(?=\S)", plain))
    closers = len(re.findall(r"(?<=\S)'(?=$|[\s,.;:!?)\]”])", plain))
    if openers != closers:
        found["unbalanced '"] += abs(openers - closers)
    for name, pattern in (("doubled punctuation", r"[,;，；、]\s*[,;.!?，；。！？、]"),
                          ("space before punctuation", r"[ \t][,.;!?](?=\s|$)"),
                          ("starts with punctuation", r"^\s*[,;.，；。、]"),
                          ("ends with a comma", r"[,;，；、:：]\s*$"),
                          ("ends with a joining word", r"(?:\b(?:and|or|with|of|the|a|an|then|while)|[和与的及])\s*[.。]?$"),
                          ("joining word before a stop", r"\b(?:and|or|with|of|the|an?|then|while)\s*[,;.!?]"),
                          ("doubled joining word",
                           r"\b(?:and|or|with|of|then)\s+(?:and|or|with|of|then)\b|\b(?:the|an?)\s+(?:the|an?)\b"),
                          ("empty brackets or quotes", r"\(\s*\)|\[\s*\]|“\s*”|\"\s*\"|（\s*）"),
                          ("doubled space", r"[^\s] {2,}[^\s]")):
        found[name] += len(re.findall(pattern, text, re.IGNORECASE))
    return +found


# Diffed piece by piece: an English word, or a run of Chinese up to punctuation (Chinese has no spaces,
# and a diff by character says "没有行" -> "空无一" for 没有行人 -> 空无一人).
_PIECES = re.compile(r"\[[^\]\n]{1,20}\]|[A-Za-z0-9][A-Za-z0-9'’-]*|[\u3400-\u9fff]+|\s+|.")


def describe_change(before: str, after: str, lang: str, most: int = 3) -> str:
    """The edits that turn `before` into `after`, in words: “no cars” → “an empty road”; remove “…”."""
    head, tail = _unchanged_ends(before, after)
    old, new = before[head:len(before) - tail], after[head:len(after) - tail]
    if len(old) <= 80 and len(new) <= 80:  # one change in a few words: said as one
        if old.strip() and new.strip() and len(old.split()) == 1 and not is_cjk(old.strip()[0]):
            more = re.match(r"\s+\S+", before[len(before) - tail:])  # "Five" -> "Two": "Five people" -> "Two people"
            old, new = (old + more.group(0), new + more.group(0)) if more else (old, new)
        return _edit(old, new, lang)
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    groups: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if groups and i1 - groups[-1][1] <= 4 and j1 - groups[-1][3] <= 4:  # two words apart: one change
            groups[-1][1], groups[-1][3] = i2, j2
        else:
            groups.append([i1, i2, j1, j2])
    said = [_edit("".join(a[i1:i2]), "".join(b[j1:j2]), lang) for i1, i2, j1, j2 in map(_in_context(a), groups)]
    said = [s for s in said if s]
    more = len(said) - most
    text = ("；" if lang == "zh" else "; ").join(said[:most])
    if more > 0:
        text += f"（另有 {more} 处改动）" if lang == "zh" else f" (and {more} more changes)"
    return text


def _unchanged_ends(before: str, after: str) -> tuple[int, int]:
    """How many characters at the start and at the end both texts share, backed off to whole words (so a
    change is diffed as words, and only its own part of the prompt is diffed)."""
    def inside_word(text: str, at: int) -> bool:  # a token such as [Image 2] counts as one word
        return 0 < at < len(text) and all(re.match(r"[A-Za-z0-9\[\]@<>_'’-]", c) for c in text[at - 1:at + 1])

    most = min(len(before), len(after))
    head = next((i for i in range(most) if before[i] != after[i]), most)
    while inside_word(before, head) or inside_word(after, head):
        head -= 1
    if head and before[head:head + 1] in (",", ";") and after[head:head + 1] not in (",", ";"):  # "dog, a cat"
        head = max((m.end() for m in re.finditer(r"\s", before[:head].rstrip(" ,;"))), default=0)
    tail = next((i for i in range(most - head) if before[-1 - i] != after[-1 - i]), most - head)
    while tail and (inside_word(before, len(before) - tail) or inside_word(after, len(after) - tail)):
        tail -= 1
    return head, tail


def _in_context(a: list[str]):
    """A change of one English word is shown with the word after it ("Five" -> "Two": "Five people" ->
    "Two people"), or before it at the end of the prompt."""
    def widen(group: list[int]) -> list[int]:
        i1, i2, j1, j2 = group
        if len(_WORDS.findall("".join(a[i1:i2]))) > 1 or _CJK.search("".join(a[i1:i2])):
            return group
        if i2 + 1 < len(a) and a[i2].isspace() and _WORDS.fullmatch(a[i2 + 1]):
            return [i1, i2 + 2, j1, j2 + 2]
        if i1 >= 2 and a[i1 - 1].isspace() and _WORDS.fullmatch(a[i1 - 2]):
            return [i1 - 2, i2, j1 - 2, j2]
        return group
    return widen


_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def _edit(old: str, new: str, lang: str) -> str:
    old, new = _shown(old), _shown(new)
    if old and new:
        return f"“{old}” → “{new}”"
    if old:
        return f"删去“{old}”" if lang == "zh" else f"remove “{old}”"
    if new:
        return f"加上“{new}”" if lang == "zh" else f"add “{new}”"
    return ""


def _shown(piece: str, longest: int = 60) -> str:
    """A piece of the prompt as quoted in a suggestion: trimmed of edge punctuation, long ones shortened
    at a word boundary."""
    piece = piece.strip(" \t\n.。" + CLAUSE_MARK)
    if len(piece) <= longest:
        return piece
    head = piece[:longest]
    if not is_cjk(head[-1]) and " " in head:
        head = head[:head.rfind(" ")]
    return head.rstrip(" " + CLAUSE_MARK) + "…"
