"""Prompt rules for the camera, the light, negatives, close-ups of faces and length.

Each rule is a finder (`*_fires`: does it apply?) and a drafter (why, what to do, and the whole
prompt rewritten so the finder no longer fires). The rewrite is only a candidate: studio.advice.prompt
offers it after checking it. Text on screen, the crowd and reference tokens live in their own modules.
"""

from __future__ import annotations

import re

from studio.advice.draft import Draft, first_upper, words
from studio.advice.edit import CLAUSE_MARK, SENTENCE_END, cut, defects, is_cjk, join, replace
from studio.advice.items import say
from studio.prompts import CJK_LIMIT, PROMPT_UNITS, prompt_budget

CAMERA = words(
    "dolly", "push in", "push-in", "pushes in", "pull back", "pulls back", "pull-back", "pull out", "tracking",
    "tracks", "track", "follows", "following shot", "orbit", "orbits", "orbiting", "arc shot", "crane", "cranes",
    "jib", "pan", "pans", "panning", "tilt", "tilts", "tilting", "handheld", "hand-held", "static camera",
    "static shot", "locked-off", "steadicam", "zoom", "zooms", "aerial", "drone shot", "fpv", "whip pan",
    "camera", "dolly zoom", "rack focus", "pov",
    "镜头", "推镜", "推进", "拉远", "拉镜", "跟拍", "跟随拍摄", "环绕", "摇镜", "摇摄", "俯拍", "仰拍", "升降",
    "手持", "固定机位", "航拍", "移镜", "运镜", "变焦")
CAMERA_ADDED = {"en": "slow push in", "zh": "镜头缓慢推进"}


def no_camera_fires(prompt: str) -> bool:
    return not CAMERA.search(prompt)


def no_camera(prompt: str, lang: str) -> Draft:
    move = CAMERA_ADDED[lang]
    body = prompt.rstrip().rstrip(CLAUSE_MARK + " \t")
    ends_sentence = body[-1:] in SENTENCE_END or (body[-1:] in "\"”’'」』" and body[-2:-1] in SENTENCE_END)
    if ends_sentence:
        rewrite = join(body, say(lang, move[0].upper() + move[1:] + ".", move + "。"))
    else:
        rewrite = body + say(lang, ", " + move, "，" + move)
    return Draft(say(lang, "No camera movement is named, so the model picks a flat default.",
                     "没有写镜头运动，模型会用平淡的默认机位。"),
                 say(lang, "Name one move (dolly, push in, pull back, tracking, orbit, crane, pan, tilt, handheld "
                           "or static)", "写明一种运镜（推、拉、跟拍、环绕、升降、摇、俯仰、手持或固定机位）"),
                 rewrite, added=move)


VAGUE_LIGHT = words(
    "good lighting", "good light", "nice lighting", "nice light", "great lighting", "great light",
    "beautiful lighting", "beautiful light", "perfect lighting", "perfect light", "best lighting", "proper lighting",
    "well lit", "well-lit", "nice lights", "good lights",
    "光线很好", "光线好", "好的光线", "好看的光线", "漂亮的光线", "完美的光线", "灯光很好", "灯光好", "好的灯光",
    "漂亮的灯光", "光线不错", "光线漂亮")
LIGHT = {"en": "soft golden-hour side light", "zh": "黄昏时分柔和的侧逆光"}
LIGHT_ADJECTIVE = "softly side-lit"              # "a well-lit room" -> "a softly side-lit room"
LIGHT_PREDICATE = "lit by soft golden-hour side light"  # "the room is well lit"


def vague_light_fires(prompt: str) -> bool:
    return bool(VAGUE_LIGHT.search(prompt))


def vague_light(prompt: str, lang: str) -> Draft:
    m = VAGUE_LIGHT.search(prompt)
    rewrite = replace(prompt, m.start(), m.end(), _better_light(prompt, m, lang))
    while later := VAGUE_LIGHT.search(rewrite):  # one named light is enough: later vague ones go
        rewrite = cut(rewrite, later.start(), later.end())
    return Draft(say(lang, f"“{m.group(0)}” does not tell the model which light.",
                     f"“{m.group(0)}”没有告诉模型是什么样的光。"),
                 say(lang, "Say the time of day and the light's quality", "写明时间和光的质感"),
                 rewrite, added=" ".join((LIGHT[lang], LIGHT_ADJECTIVE, LIGHT_PREDICATE)))


def _better_light(prompt: str, m: re.Match, lang: str) -> str:
    if lang == "zh" or not m.group(0).lower().startswith("well"):
        return LIGHT[lang]
    if re.search(r"\b(?:is|are|was|were|be|looks|seems)\s+$", prompt[:m.start()], re.IGNORECASE):
        return LIGHT_PREDICATE
    if re.match(r"\s+(?!(?:and|or|with|in|at|on|by|from|under|for|as|while|then)\b)[a-z]", prompt[m.end():]):
        return LIGHT_ADJECTIVE
    return LIGHT["en"]


NEGATIVE_EN = re.compile(
    r"\b(?P<neg>with no|without|free of|don't show|don’t show|do not show|never show|avoiding|avoid|don't|don’t|"
    r"do not|not|no)\s+(?!(?:only|just|matter|longer|doubt|far|too|less|sooner|later|problem|way|to)\b)"
    r"(?P<det>(?:any|a|an|the)\s+)?(?P<word>[a-z][a-z-]*)", re.IGNORECASE)
NEGATIVE_ZH = re.compile(r"(?P<neg>不要出现|不要有|不要|不能有|不出现|没有|避免出现|避免|禁止|"
                         r"(?<![特分告区级性类个识差辨派])别(?![墅致针])|不带|无需|去掉)(?P<word>[\u4e00-\u9fff]{1,6})")
POSITIVE = {  # what to ask for instead of "no X"
    ("rain", "raining", "rainfall"): "clear, dry weather",
    ("people", "person", "persons", "one", "crowd", "crowds", "pedestrians", "passers-by", "onlookers"):
        "an empty, deserted scene",
    ("cars", "car", "traffic", "vehicles"): "an empty road",
    ("clouds", "cloud"): "a clear blue sky",
    ("text", "writing", "letters"): "clean, unmarked surfaces",
    ("subtitles", "captions"): "a clean frame",
    ("blur", "blurring", "blurriness"): "sharp focus",
    ("music",): "only natural ambient sound",
    ("shadows", "shadow"): "soft, even light",
    ("wind",): "still air, calm surface",
    ("snow",): "bare, dry ground",
    ("smoke", "haze", "fog"): "clear air",
    ("sound",): "near silence, soft room tone",
}
POSITIVE_EN = {form: phrase for forms, phrase in POSITIVE.items() for form in forms}
POSITIVE_ZH = {"下雨": "晴朗干燥的天气", "雨": "晴朗干燥的天气", "行人": "空无一人", "路人": "空无一人",
               "人群": "空无一人", "人": "空无一人", "汽车": "空旷的道路", "车辆": "空旷的道路", "车": "空旷的道路",
               "云": "万里无云的蓝天", "文字": "干净无字的表面", "字幕": "干净无字的画面", "模糊": "清晰锐利的对焦",
               "音乐": "只有自然环境声", "阴影": "柔和均匀的光线", "烟雾": "清澈的空气", "烟": "清澈的空气",
               "雪": "干燥的地面"}
# Things a "without"/"with no" phrase can simply drop ("a man with no hat" -> "a man").
DROPPABLE = frozenset(POSITIVE_EN) | {
    "boat", "boats", "hat", "hats", "umbrella", "umbrellas", "makeup", "logo", "logos", "watermark", "watermarks",
    "glasses", "sunglasses", "helmet", "jacket", "shoes", "birds", "trees", "buildings", "signs", "lights",
    "animals", "furniture", "clutter", "reflections", "flare", "grain", "jewelry", "jewellery", "tattoos", "beard",
    "leaves", "background", "dust", "debris", "trash", "litter"}


def negative_fires(prompt: str) -> bool:
    return bool(NEGATIVE_EN.search(prompt) or NEGATIVE_ZH.search(prompt))


def negative(prompt: str, lang: str) -> Draft:
    first = NEGATIVE_EN.search(prompt) or NEGATIVE_ZH.search(prompt)
    found = first.group(0)
    reason = say(lang, f"“{found}” asks the model to leave something out, but HappyHorse has no negative prompt: "
                       "naming a thing tends to bring it in.",
                 f"“{found}”是在让模型去掉某样东西，但 HappyHorse 没有反向提示词：写出来的东西反而容易出现。")
    rewrite: str | None = prompt
    for _ in range(50):  # each pass rewrites one negative; a prompt has far fewer
        m = rewrite and (NEGATIVE_EN.search(rewrite) or NEGATIVE_ZH.search(rewrite))
        if not m:
            break
        rewrite = _positive_en(rewrite, m) if m.re is NEGATIVE_EN else _positive_zh(rewrite, m)
    return Draft(reason, say(lang, "Say what you want instead", "直接写你想要的画面"), rewrite,
                 added=" ".join(set(POSITIVE_EN.values())) + " with " + "".join(POSITIVE_ZH.values()),
                 otherwise=say(lang, f"Describe what should be there instead of “{found}” (e.g. “an empty street” "
                                     "rather than “no people”).",
                               f"把“{found}”换成画面里应有的东西（例如写“空无一人的街道”，而不是“没有行人”）。"))


def _positive_en(text: str, m: re.Match) -> str | None:
    neg, word = m.group("neg").lower(), m.group("word").lower()
    positive = POSITIVE_EN.get(word)
    clause_start = _clause_start(text, m.start())
    if positive and neg != "free of":
        end = m.end() + _more_of_them(text[m.end():], POSITIVE_EN, r"\s*(?:,|,?\s+or|,?\s+and)\s+(?:any\s+|the\s+)?")
        return replace(text, m.start(), end, ("with " if neg in ("with no", "without") else "") + positive)
    noun_end = _droppable_end(text, m)
    if neg in ("with no", "without", "free of") and noun_end is not None:
        return cut(text, m.start(), noun_end)
    end = _clause_end(text, m.end())
    # "don't show the neon sign" is all negative, whatever its length; "no people on the beach at dusk"
    # says more than what to leave out, so only a short "no …" clause goes
    most = 5 if neg == "no" else 12
    if clause_start and len(text[m.start():end].split()) <= most:
        return cut(text, m.start(), end)
    return None


_PHRASE_ENDS = re.compile(r"\s*(?:[,.;:!?\n]|$)|\s+(?:in|on|at|by|from|under|over|through|near|into|across|along|"
                          r"and|or|while|as|with|beside|behind|toward|towards|against|during|for)\b", re.IGNORECASE)


def _droppable_end(text: str, m: re.Match) -> int | None:
    """End of the thing a "without" phrase names ("with no saddle", "without a red umbrella in the rain"):
    a known droppable noun within two words, or a word or two that end the phrase."""
    word_end = m.end("word")
    if m.group("word").lower() in DROPPABLE or _PHRASE_ENDS.match(text, word_end):
        return word_end
    more = re.compile(r"\s+([a-z][a-z-]*)", re.IGNORECASE).match(text, word_end)
    if more and (more.group(1).lower() in DROPPABLE or _PHRASE_ENDS.match(text, more.end())):
        return more.end()
    return None


def _positive_zh(text: str, m: re.Match) -> str | None:
    rest = m.group("word")
    key = next((k for k in sorted(POSITIVE_ZH, key=len, reverse=True) if rest.startswith(k)), None)
    if key:
        end = m.start("word") + len(key)
        end += _more_of_them(text[end:], POSITIVE_ZH, r"(?:和|与|、|或|或者|及)")
        return replace(text, m.start(), end, POSITIVE_ZH[key])
    end = _clause_end(text, m.end())
    if _clause_start(text, m.start()) and end - m.start() <= 10:
        return cut(text, m.start(), end)
    return None


def _more_of_them(rest: str, known: dict[str, str], link: str) -> int:
    """Length of the things listed after a negated one ("no people or cars", "没有行人和车辆") that are
    known too, so one wanted picture replaces the whole list."""
    taken = 0
    while m := re.match(link + "(" + "|".join(sorted(map(re.escape, known), key=len, reverse=True)) + r")(?![a-z])",
                        rest[taken:], re.IGNORECASE):
        taken += m.end()
    return taken


def _clause_start(text: str, at: int) -> bool:
    """Nothing but a clause mark, a sentence end or the start of the text before position `at`."""
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in CLAUSE_MARK + SENTENCE_END + "\n:："


def _clause_end(text: str, at: int) -> int:
    m = re.compile(r"[,;.!?，；。！？、\n]").search(text, at)
    return m.start() if m else len(text)


CLOSE_UP = re.compile(
    r"\b(?:extreme close-up|extreme closeup|extreme close up|ecu|macro shot|tight close-up|"
    r"(?<!medium )(?<!medium-)(?:close-up|closeup|close up)|fills the frame)\b|大特写|极特写|近景特写|(?<![大极])特写",
    re.IGNORECASE)
EXTREME = words("extreme close-up", "extreme closeup", "extreme close up", "ecu", "macro shot", "tight close-up",
                "fills the frame", "大特写", "极特写")
FACE = words("face", "faces", "eyes", "eye", "lips", "mouth", "facial", "portrait", "expression", "freckles",
             "脸", "面部", "脸部", "眼睛", "嘴唇", "表情", "五官")
WIDER = {"en": "medium close-up", "zh": "中近景"}
WIDER_FILL = "is framed in a medium close-up"  # "her face fills the frame"


def _close_ups_of_faces(prompt: str) -> list[re.Match]:
    if not FACE.search(prompt):
        return []
    return [m for m in CLOSE_UP.finditer(prompt)  # "close-up of her face", "her face in close-up", "眼睛特写"
            if EXTREME.fullmatch(m.group(0)) or FACE.search(prompt[m.end():m.end() + 25])
            or FACE.search(prompt[max(0, m.start() - 12):m.start()])]


def face_close_up_fires(prompt: str) -> bool:
    return bool(_close_ups_of_faces(prompt))


def face_close_up(prompt: str, lang: str) -> Draft:
    shown = _close_ups_of_faces(prompt)[0].group(0)
    rewrite = prompt
    for _ in range(50):
        found = _close_ups_of_faces(rewrite)
        if not found:
            break
        m, start = found[0], found[0].start()
        if is_cjk(m.group(0)[0]):  # 女孩的脸部大特写 -> 女孩的中近景: a medium shot is of her, not of her face
            face = re.search(f"(?:{FACE.pattern})$", rewrite[max(0, start - 3):start])
            start -= len(face.group(0)) if face else 0
            wider = WIDER["zh"]
        else:
            wider = WIDER_FILL if m.group(0).lower() == "fills the frame" else WIDER["en"]
        rewrite = replace(rewrite, start, m.end(), first_upper(wider, m.group(0)))
    return Draft(say(lang, f"“{shown}” of a face: faces in tight close-up are a known weak spot (small "
                           "inconsistencies in eyes, teeth and expression).",
                     f"“{shown}”拍人脸：人脸大特写是已知弱项（眼睛、牙齿和表情容易出现细小的不一致）。"),
                 say(lang, "Frame wider; people hold up best in medium shots", "景别放宽一些，人物在中景里最稳定"),
                 rewrite, added=WIDER["en"] + " " + WIDER_FILL + " " + WIDER["zh"])


def too_long_fires(prompt: str) -> bool:
    return prompt_budget(prompt).over


def too_long(prompt: str, lang: str) -> Draft:
    budget = prompt_budget(prompt)
    keep = fit(prompt)
    excess = budget.units - PROMPT_UNITS
    reason = budget.message if lang == "en" else (
        f"提示词太长：{budget.cjk} 个汉字和 {budget.other} 个其他字符，共 {budget.units} / {PROMPT_UNITS} 单位"
        f"（一个汉字算两个单位，所以最多 {CJK_LIMIT} 个汉字）。请缩短 {excess} 个单位，否则服务商会悄悄截断。")
    otherwise = say(lang, "Shorten it: cut repeated or secondary description.", "把它缩短：删掉重复或次要的描述。")
    if keep is None:
        return Draft(reason, "", otherwise=otherwise)
    return Draft(reason, say(lang, f"Keep the first {len(keep)} characters, which fit the {PROMPT_UNITS}-unit limit",
                             f"保留前 {len(keep)} 个字符，正好在 {PROMPT_UNITS} 单位的限制之内"),
                 keep, otherwise=otherwise,
                 change=say(lang, f"it then ends at “…{_ending(keep)}”", f"结尾是“…{_ending(keep)}”"))


def fit(prompt: str) -> str | None:
    """The longest start of the prompt within the budget that ends where a writer would stop: at a sentence
    end, else a clause mark, else (English) a space; never inside a quote or a bracket."""
    lo, hi = 0, len(prompt)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if not prompt_budget(prompt[:mid]).over else (lo, mid - 1)
    head, before = prompt[:lo], defects(prompt)
    for stops in (r"[.!?](?=\s)|[。！？]", r"[,;，；]", r"(?<=[A-Za-z0-9.,;!?)\]\"”])(?=\s)"):
        ends = [m.end() for m in re.finditer(stops, head + " ") if m.end() <= lo]
        for end in sorted(ends, reverse=True)[:40]:
            if end < lo // 2:
                break
            keep = head[:end].rstrip(CLAUSE_MARK + " \t\n")
            if keep and not (defects(keep) - before):
                return keep
    return None


def _ending(text: str) -> str:
    """The last few words of a text, cut at a word boundary."""
    tail = text[-40:]
    if not is_cjk(tail[-1]) and " " in tail[1:]:
        tail = tail[tail.index(" ") + 1:]
    return tail
