"""The crowded rule: HappyHorse keeps one or two subjects and one or two actions coherent.

The rewrite turns a count into two ("five dancers" -> "two dancers", "一群人" -> "两个人"), drops the
subjects after the first two from their list or their clause ("a dog, a cat and a horse" -> "a dog and
a cat"), and keeps the first two actions with the camera words that came after them.
"""

from __future__ import annotations

import re

from studio.advice.draft import Draft, first_upper, words
from studio.advice.edit import SENTENCE_END, cut, is_cjk, tidy
from studio.advice.items import say
from studio.advice.rules import CAMERA

SUBJECTS_EN = ("old man", "man", "men", "woman", "women", "boy", "boys", "girl", "girls", "child", "children", "kid",
               "kids", "person", "people", "crowd", "dog", "dogs", "cat", "cats", "horse", "horses", "bird", "birds",
               "soldier", "soldiers", "dancer", "dancers", "couple", "family", "team", "robot", "robots")
SUBJECTS_ZH = ("男人", "女人", "男孩", "女孩", "孩子", "老人", "小狗", "狗", "猫", "马", "鸟", "士兵", "舞者", "机器人",
               "人群", "一家人")
# Names that stand for two or more on screen ("two dancers", "a couple", "两个孩子").
PLURAL = frozenset(("men", "women", "boys", "girls", "children", "kids", "people", "dogs", "cats", "horses", "birds",
                    "soldiers", "dancers", "robots", "couple", "family", "team", "一家人"))
_NOT_AFTER_ZH = {"马": "路上桶达尾赛", "鸟": "瞰", "猫": "眼"}  # 马路 is a road, 鸟瞰 a bird's-eye view
SUBJECT = words(*SUBJECTS_EN, *SUBJECTS_ZH, chinese_not_before=_NOT_AFTER_ZH)
MANY_EN = re.compile(
    r"\b(?P<count>three|four|five|six|seven|eight|nine|ten|dozens? of|a crowd of|a group of|several|many|[3-9]|\d{2,})"
    r"\s+(?P<rest>(?:[a-z-]+\s+)?(?:people|men|women|children|kids|boys|girls|dogs|cats|horses|birds|dancers|"
    r"soldiers|characters|friends|players|robots|persons|musicians|students|tourists|workers|knights|warriors|"
    r"monks|riders|runners|cyclists|guests|singers|actors|animals))\b", re.IGNORECASE)
MANY_ZH = re.compile(r"(?P<count>[三四五六七八九十几多数]+)(?P<mw>个|位|只|匹|名)(?=人|男人|女人|孩子|狗|猫|马|舞者|士兵)"
                     r"|一群|(?:拥挤的|熙熙攘攘的|熙攘的)?人群")
SEQUENCE = re.compile(r"\b(?:then|after that|afterwards|meanwhile|while|finally|next(?!\s+to\b)|and also)\b"
                      r"|然后|接着|之后|同时|最后|随后", re.IGNORECASE)
TWO = {"en": "two", "zh": "两个人"}
_DET = r"(?:a|an|the|his|her|their|its|one|another|this|that|some|two|my|our|your)"
_NP_START = re.compile(rf"\b{_DET}\s+(?:(?!(?:and|or|with|of|in|on|at|to|then|while|by|from|as)\b)[a-z-]+\s+){{0,2}}$",
                       re.IGNORECASE)
_NP_START_ZH = re.compile(r"(?:[一两二三四五六七八九十几这那每]?[个位只匹名条头])?(?:[^和与跟及、，。；！？\s\d]{1,3}的)?$")
_CLAUSE_MARK = re.compile(r"[,;.!?，；。！？\n]")
_STEP_EDGE = " ,.;，。；\t\n"


def names(prompt: str) -> list[str]:
    """The subjects the prompt names, in the order they first appear."""
    return list(dict.fromkeys(m.group(0).lower() for m in SUBJECT.finditer(prompt)))


def on_screen(prompt: str) -> int:
    """How many subjects the prompt puts on screen: a plural name or a Chinese "两个…" counts as two."""
    two_zh = {m.group(0) for m in SUBJECT.finditer(prompt)
              if re.search(r"[两俩二][个位只匹名条头]?$", prompt[max(0, m.start() - 2):m.start()])}
    return sum(2 if n in PLURAL or n in two_zh else 1 for n in names(prompt))


def _many(prompt: str) -> re.Match | None:
    return MANY_EN.search(prompt) or MANY_ZH.search(prompt)


def steps(prompt: str) -> list[str]:
    return [s for s in SEQUENCE.split(prompt) if s.strip(_STEP_EDGE)]


def crowded_fires(prompt: str) -> bool:
    return on_screen(prompt) > 2 or _many(prompt) is not None or len(steps(prompt)) > 2


def crowded(prompt: str, lang: str) -> Draft:
    many, found, actions = _many(prompt), names(prompt), steps(prompt)
    crowd = on_screen(prompt) > 2
    if many:
        reason = say(lang, f"The prompt has “{many.group(0)}”.", f"提示词里有“{many.group(0)}”。")
    elif crowd:
        reason = say(lang, f"The prompt has more than two subjects ({', '.join(found)}).",
                     f"提示词里的主体多于两个（{'、'.join(found)}）。")
    else:
        reason = say(lang, f"The prompt asks for {len(actions)} actions in a row. One clip holds one or two "
                           "actions well.", f"提示词要求连续完成 {len(actions)} 个动作。一个镜头只适合一到两个动作。")
    if many or crowd:
        reason += say(lang, " HappyHorse keeps one or two subjects coherent; more drift and merge.",
                      "HappyHorse 能稳定保持一到两个主体，更多会互相漂移、融合。")
    rewrite = _two_actions(_two_subjects(_two_of_each(prompt)))
    return Draft(reason, say(lang, "Keep one or two subjects and one action per clip, and shoot the rest as separate "
                                   "clips to cut together", "每个镜头保留一到两个主体、一个动作，其余的分开拍，再剪到一起"),
                 rewrite, added="two and 两个只匹人路人和",
                 otherwise=say(lang, "Keep one or two subjects and one action per clip; shoot the rest as separate "
                                     "clips and cut them together.",
                               "每个镜头保留一到两个主体、一个动作；其余的分开拍，再剪到一起。"))


def _two_of_each(text: str) -> str:
    """Every count of three or more subjects made two."""
    for _ in range(30):
        m = _many(text)
        if not m:
            break
        if m.re is MANY_EN:
            two = first_upper("two " + m.group("rest"), m.group(0))
        elif m.group(0) == "一群":
            after = text[m.end():m.end() + 1]
            two = "两" + ("只" if after in "狗猫鸟鸭鸡羊鸽" else "匹" if after == "马" else "个")
        elif m.group("count"):
            two = "两" + m.group("mw")
        else:  # a crowd: two passers-by
            two = "两个路人"
        text = text[:m.start()] + two + text[m.end():]
    return text


def _two_subjects(text: str | None) -> str | None:
    """The text with subjects dropped, the latest named first, until at most two are left; None when a
    subject cannot be dropped cleanly."""
    for _ in range(20):
        if text is None or on_screen(text) <= 2:
            return text
        found = names(text)
        text = next((t for name in reversed(found) if (t := _drop_name(text, name, set(found) - {name}))), None)
    return None


def _drop_name(text: str, name: str, keep: set[str]) -> str | None:
    for _ in range(10):
        mentions = [m for m in SUBJECT.finditer(text) if m.group(0).lower() == name]
        if not mentions:
            return text
        text = _drop_mention(text, mentions[-1], keep)
        if text is None:
            return None
    return None


def noun_phrase_start(text: str, m: re.Match) -> int:
    """Where the phrase naming this subject starts: "a young woman", "his dog", "一个年轻的女人"."""
    if is_cjk(m.group(0)[0]):
        return _NP_START_ZH.search(text[:m.start()]).start()
    np = _NP_START.search(text[:m.start()])
    return np.start() if np else m.start()


def _drop_mention(text: str, m: re.Match, keep: set[str]) -> str | None:
    if is_cjk(m.group(0)[0]):
        return _drop_mention_zh(text, m, keep)
    start = noun_phrase_start(text, m)
    joined = re.search(r"(?:,\s*and|,|\s+and|\s*&|\s+or|\s+with|\s+along with|\s+alongside)\s*$", text[:start],
                       re.IGNORECASE)
    listed_on = re.match(r"\s*(?:,|and\b)", text[m.end():], re.IGNORECASE)
    if joined:
        word = joined.group(0).strip(" ,").lower()
        after_subject = _ends_with_subject(text[:joined.start()])
        if word in ("with", "along with", "alongside") or after_subject and (word in ("and", "&", "or") or listed_on):
            return _mend_list(tidy(text[:joined.start()] + text[m.end():]), joined.start())
    return _drop_clause(text, m, keep)


def _ends_with_subject(text: str) -> bool:
    """Does the text end with a subject ("a dog, a cat"), so that what follows "and" is one more in a list?"""
    tail = text.rstrip()[-20:]
    return any(m.end() == len(tail) for m in SUBJECT.finditer(tail))


def _mend_list(text: str, at: int) -> str:
    """"A dog, a cat play" (after "and a horse" went) -> "A dog and a cat play"."""
    head = text[:at].rstrip()
    last = [m for m in SUBJECT.finditer(head) if m.end() == len(head)]
    if not last:
        return text
    start = noun_phrase_start(head, last[0])
    comma = re.search(r"(?<=\S)\s*,\s*$", head[:start])
    if comma and _ends_with_subject(head[:comma.start()]):
        return text[:comma.start()] + " and " + text[start:]
    return text


def _drop_mention_zh(text: str, m: re.Match, keep: set[str]) -> str | None:
    start = noun_phrase_start(text, m)
    joined = re.search(r"(?:和|与|跟|以及|及|、|同)$", text[:start])  # 还有 starts a clause of its own
    if joined:
        text = text[:joined.start()] + text[m.end():]
        head = text[:joined.start()]
        if "、" in head and joined.group(0) != "、" and not re.search(r"[和与跟及]", head[head.rfind("、"):]):
            text = head[:head.rfind("、")] + "和" + text[head.rfind("、") + 1:]
        return tidy(text)
    listed_on = re.match(r"(?:和|与|跟|、)", text[m.end():])
    if listed_on and (start == 0 or text[start - 1] in "，。；！？\n"):
        return tidy(text[:start] + text[m.end() + listed_on.end():])
    return _drop_clause(text, m, keep)


def _drop_clause(text: str, m: re.Match, keep: set[str]) -> str | None:
    """Drop the clause naming this subject ("…, a woman watches" or "… while a woman watches") when no
    subject that stays is in it."""
    marks = [c.end() for c in _CLAUSE_MARK.finditer(text, 0, m.start())]
    links = [s.start() for s in SEQUENCE.finditer(text, 0, m.start())]
    start = max(marks + links + [0])
    stop = _CLAUSE_MARK.search(text, m.end())
    end = stop.start() if stop else len(text)
    if (start == 0 and end == len(text)) or any(n.group(0).lower() in keep for n in SUBJECT.finditer(text[start:end])):
        return None
    return cut(text, start, end)


def _two_actions(text: str | None) -> str | None:
    """The text up to its third action, and the camera words said after it."""
    if text is None or len(steps(text)) <= 2:
        return text
    links = list(SEQUENCE.finditer(text))
    seen = 1 if text[:links[0].start()].strip(_STEP_EDGE) else 0
    stop = len(text)
    for i, link in enumerate(links):
        if seen == 2:
            stop = link.start()
            break
        following = links[i + 1].start() if i + 1 < len(links) else len(text)
        seen += bool(text[link.end():following].strip(_STEP_EDGE))
    head = text[:stop].rstrip(" ,;，；、\t")
    if not head:
        return None
    for clause in _CLAUSE_MARK.split(text[stop:]):
        clause = clause.strip()
        if clause and CAMERA.search(clause) and not SEQUENCE.search(clause) and not SUBJECT.search(clause):
            head = _append(head, clause)
    return head


def _append(head: str, clause: str) -> str:
    if is_cjk(clause[0]):
        return head + ("" if head[-1] in "。！？" else "，") + clause + ("。" if head[-1] in "。！？" else "")
    if head[-1] in SENTENCE_END:
        return f"{head} {clause[0].upper()}{clause[1:]}."
    return f"{head}, {clause}"
