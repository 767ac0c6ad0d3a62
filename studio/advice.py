"""Prompt advice: what HappyHorse is known to handle badly, said before money is spent.

Each rule reads the prompt (English or Chinese) and, when it fires, gives an
AdviceItem with the reason and a suggested rewrite. Advice never blocks a
job; input errors (a token naming an empty slot) are raised elsewhere
(studio.variants.check_tokens). File advice lives in studio.media.quality.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import Enum

from studio.prompts import PROMPT_UNITS, prompt_budget, reference_tokens


class AdviceKind(str, Enum):
    CROWDED = "crowded"            # more than two subjects or actions
    NO_CAMERA = "no_camera"        # no camera movement named
    VAGUE_LIGHT = "vague_light"    # "good lighting"
    NEGATIVE = "negative"          # "no rain": HappyHorse has no negative prompt
    FACE_CLOSE_UP = "face_close_up"
    ON_SCREEN_TEXT = "on_screen_text"
    TOO_LONG = "too_long"          # the provider would cut it
    TOKENS = "tokens"              # reference tokens: missing, or another backend's style
    COMPRESSED = "compressed"      # first frame: heavy JPEG compression
    SMALL = "small"                # first frame: fewer pixels than the video
    NOISY = "noisy"
    COLOUR_SPACE = "colour_space"  # not sRGB: converted before sending
    SAME_ANGLE = "same_angle"      # references: near-duplicates of one angle


@dataclass(frozen=True)
class AdviceItem:
    kind: AdviceKind
    about: str        # what it is about: "Prompt", "First frame", "Images 2 and 3"
    reason: str       # why it matters, with what was found or measured
    suggestion: str   # what to do, with a rewrite where one can be given

    def to_dict(self) -> dict[str, str]:
        return asdict(self) | {"kind": self.kind.value}

    def line(self) -> str:
        return f"{self.about}: {self.reason} Suggestion: {self.suggestion}"


def _words(*words: str) -> re.Pattern:
    """Whole English words or phrases, or Chinese words anywhere (Chinese has no spaces)."""
    parts = [re.escape(w) if re.search(r"[\u4e00-\u9fff]", w) else rf"\b{re.escape(w)}\b" for w in words]
    return re.compile("|".join(parts), re.IGNORECASE)


CAMERA = _words(
    "dolly", "push in", "push-in", "pushes in", "pull back", "pulls back", "pull-back", "pull out", "tracking",
    "tracks", "track", "follows", "following shot", "orbit", "orbits", "orbiting", "arc shot", "crane", "cranes",
    "jib", "pan", "pans", "panning", "tilt", "tilts", "tilting", "handheld", "hand-held", "static camera",
    "static shot", "locked-off", "steadicam", "zoom", "zooms", "aerial", "drone shot", "fpv", "whip pan",
    "camera", "dolly zoom", "rack focus", "pov",
    "镜头", "推镜", "推进", "拉远", "拉镜", "跟拍", "跟随拍摄", "环绕", "摇镜", "摇摄", "俯拍", "仰拍", "升降",
    "手持", "固定机位", "航拍", "移镜", "运镜", "变焦")
VAGUE_LIGHT = _words(
    "good lighting", "good light", "nice lighting", "nice light", "great lighting", "great light",
    "beautiful lighting", "beautiful light", "perfect lighting", "perfect light", "best lighting", "proper lighting",
    "well lit", "well-lit", "nice lights", "good lights",
    "光线好", "光线很好", "好的光线", "好看的光线", "漂亮的光线", "完美的光线", "灯光好", "灯光很好", "好的灯光",
    "漂亮的灯光", "光线不错", "光线漂亮")
LIGHT_REWRITE = {False: "soft golden-hour side light", True: "黄昏时分柔和的侧逆光"}

NEGATIVE_EN = re.compile(
    r"\b(?:no|without|not|avoid|avoiding|don't show|do not show|don't|do not|never show|free of|no more)\s+"
    r"(?:any\s+|a\s+|an\s+|the\s+)?([a-z][a-z-]*)", re.IGNORECASE)
NEGATIVE_ZH = re.compile(r"(不要|不能有|不出现|没有|避免|禁止|别|不带|无需|去掉)([\u4e00-\u9fff]{1,4})")
POSITIVE = {  # what to ask for instead of "no X"
    "rain": "clear, dry weather", "people": "an empty, deserted scene", "one": "an empty, deserted scene",
    "crowd": "an empty, deserted scene", "cars": "an empty road", "traffic": "an empty road",
    "clouds": "a clear blue sky", "text": "clean, unmarked surfaces", "blur": "sharp focus",
    "music": "only natural ambient sound", "shadows": "soft, even light", "wind": "still air, calm surface",
    "snow": "bare, dry ground", "smoke": "clear air", "sound": "near silence, soft room tone",
    "下雨": "晴朗干燥的天气", "雨": "晴朗干燥的天气", "人": "空无一人的场景", "行人": "空无一人的街道", "人群": "空无一人的场景",
    "车": "空旷的道路", "云": "万里无云的蓝天", "文字": "干净无字的表面", "字幕": "干净无字的画面", "模糊": "清晰锐利的对焦",
    "音乐": "只有自然环境声", "阴影": "柔和均匀的光线",
}

CLOSE_UP = _words("extreme close-up", "extreme closeup", "extreme close up", "ecu", "macro shot", "tight close-up",
                  "close-up", "closeup", "close up", "fills the frame",
                  "大特写", "极特写", "特写", "近景特写")
EXTREME = _words("extreme close-up", "extreme closeup", "extreme close up", "ecu", "macro shot", "tight close-up",
                 "fills the frame", "大特写", "极特写")
FACE = _words("face", "faces", "eyes", "eye", "lips", "mouth", "facial", "portrait", "expression", "freckles",
              "脸", "面部", "脸部", "眼睛", "嘴唇", "表情", "五官")
CLOSE_UP_REWRITE = {False: "medium close-up", True: "中近景"}

TEXT = re.compile(
    r"\b(?:subtitles?|captions?|on-screen text|title card|lettering|typography|headline|text overlay|"
    r"(?:sign|banner|poster|billboard|text|title|logo|label|screen|board|t-shirt|shirt)\s+"
    r"(?:that\s+|which\s+)?(?:reads|reading|says|saying|spells|spelling|displays|displaying|with the words|with text)"
    r"|(?:the\s+)?words?\s+[\"“'‘])"
    r"|字幕|文字|写着|标语|大字|字样|标题", re.IGNORECASE)
QUOTED = re.compile(r"\s*(?:that\s+|which\s+)?(?:reads|reading|says|saying|spells|spelling|with the words|写着)?"
                    r"\s*[\"“'‘「『][^\"”'’」』]{1,80}[\"”'’」』]")

SUBJECTS = _words(
    "man", "men", "woman", "women", "boy", "girl", "child", "children", "kid", "kids", "person", "people",
    "crowd", "dog", "cat", "horse", "bird", "soldier", "dancer", "couple", "family", "team", "old man", "robot",
    "男人", "女人", "男孩", "女孩", "孩子", "老人", "小狗", "狗", "猫", "马", "鸟", "士兵", "舞者", "机器人", "人群", "一家人")
MANY = re.compile(r"\b(?:three|four|five|six|seven|eight|nine|ten|dozens? of|a crowd of|a group of|several|many|[3-9]|\d{2,})"
                  r"\s+(?:[a-z-]+\s+)?(?:people|men|women|children|kids|dogs|cats|horses|birds|dancers|soldiers|"
                  r"characters|friends|players|robots|persons)\b"
                  r"|[三四五六七八九十几多数]+(?:个|位|只|匹|名)(?:人|男人|女人|孩子|狗|猫|马|舞者|士兵)|一群|人群",
                  re.IGNORECASE)
SEQUENCE = re.compile(r"\b(?:then|after that|afterwards|meanwhile|while|finally|next|and also)\b|然后|接着|之后|同时|最后|随后",
                      re.IGNORECASE)


def chinese(prompt: str) -> bool:
    return prompt_budget(prompt).cjk > len(prompt) / 4


def advise_prompt(prompt: str, variant: str = "t2v", token_style: str = "[Image {n}]") -> list[AdviceItem]:
    """Every rule that fires for this prompt, in the order a writer would fix them."""
    prompt = (prompt or "").strip()
    if not prompt:
        return []
    rules = [_crowded, _vague_light, _negative, _face_close_up, _on_screen_text, _too_long]
    if variant != "edit":  # an edit keeps the source clip's camera
        rules.insert(1, _no_camera)
    items = [item for rule in rules if (item := rule(prompt)) is not None]
    if variant in ("r2v", "edit"):
        items += _token_style(prompt, variant, token_style)
    return items


def _item(kind: AdviceKind, reason: str, suggestion: str) -> AdviceItem:
    return AdviceItem(kind, "Prompt", reason, suggestion)


def _crowded(prompt: str) -> AdviceItem | None:
    names = {m.group(0).lower() for m in SUBJECTS.finditer(prompt)}
    many = MANY.search(prompt)
    steps = [s.strip(" ,.;，。；") for s in SEQUENCE.split(prompt) if s.strip(" ,.;，。；")]
    if len(names) <= 2 and not many and len(steps) <= 2:
        return None
    if many or len(names) > 2:
        what = f"“{many.group(0)}”" if many else f"{len(names)} subjects ({', '.join(sorted(names))})"
        reason = f"The prompt has {what}. HappyHorse keeps one or two subjects coherent; more drift and merge."
    else:
        reason = f"The prompt asks for {len(steps)} actions in a row. One clip holds one or two actions well."
    if many:
        example = prompt[:many.start()] + _two(many.group(0)) + prompt[many.end():]
    elif len(names) > 2:
        kept = [m.group(0) for m in SUBJECTS.finditer(prompt)][:2]
        example = f"only the {kept[0]} and the {kept[1]}" if not chinese(prompt) else f"只保留{kept[0]}和{kept[1]}"
    else:
        example = steps[0]
    return _item(AdviceKind.CROWDED, reason,
                 f"Keep one or two subjects and one action per clip, e.g. “{example}”; shoot the rest as separate "
                 "clips and cut them together.")


def _two(crowd: str) -> str:
    """The same kind of subject, two of them: "five dancers" -> "two dancers", "一群" -> "两个"."""
    if not chinese(crowd):
        return "two " + crowd.split()[-1]
    return {"一群": "两个", "人群": "两个人"}.get(crowd) or re.sub(r"^[三四五六七八九十几多数]+", "两", crowd)


def _no_camera(prompt: str) -> AdviceItem | None:
    if CAMERA.search(prompt):
        return None
    zh = chinese(prompt)
    move = "，镜头缓慢推进" if zh else ", slow push in"
    return _item(AdviceKind.NO_CAMERA, "No camera movement is named, so the model picks a flat default.",
                 f"Name one move (dolly, push in, pull back, tracking, orbit, crane, pan, tilt, handheld or static): "
                 f"“{prompt.rstrip('.。')}{move}”.")


def _vague_light(prompt: str) -> AdviceItem | None:
    m = VAGUE_LIGHT.search(prompt)
    if not m:
        return None
    better = LIGHT_REWRITE[chinese(prompt)]
    return _item(AdviceKind.VAGUE_LIGHT, f"“{m.group(0)}” does not tell the model which light.",
                 f"Say the time of day and the light's quality: “{prompt[:m.start()]}{better}{prompt[m.end():]}”.")


def _negative(prompt: str) -> AdviceItem | None:
    m = NEGATIVE_EN.search(prompt) or NEGATIVE_ZH.search(prompt)
    if not m:
        return None
    word = m.group(2) if m.re is NEGATIVE_ZH else m.group(1).lower()
    positive = next((v for k, v in POSITIVE.items() if word.startswith(k)), None)
    reason = (f"“{m.group(0)}” asks the model to leave something out, but HappyHorse has no negative prompt: "
              "naming a thing tends to bring it in.")
    if positive:
        if m.group(0).lower().startswith("without"):
            positive = "with " + positive
        return _item(AdviceKind.NEGATIVE, reason,
                     f"Say what you want instead: “{prompt[:m.start()]}{positive}{prompt[m.end():]}”.")
    return _item(AdviceKind.NEGATIVE, reason,
                 f"Describe what should be there instead of “{m.group(0)}” (e.g. “an empty street” rather than "
                 "“no people”).")


def _face_close_up(prompt: str) -> AdviceItem | None:
    m = CLOSE_UP.search(prompt)
    if not m or not FACE.search(prompt) or (not EXTREME.search(prompt) and not _near_face(prompt, m.end())):
        return None
    better = CLOSE_UP_REWRITE[chinese(prompt)]
    return _item(AdviceKind.FACE_CLOSE_UP,
                 f"“{m.group(0)}” of a face: faces in tight close-up are a known weak spot (small inconsistencies "
                 "in eyes, teeth and expression).",
                 f"Frame wider; people hold up best in medium shots: “{prompt[:m.start()]}{better}{prompt[m.end():]}”.")


def _near_face(prompt: str, end: int) -> bool:
    """A plain close-up counts when a face word follows it closely ("close-up of her face")."""
    return bool(FACE.search(prompt[end:end + 25]))


def _on_screen_text(prompt: str) -> AdviceItem | None:
    m = TEXT.search(prompt)
    if not m:
        return None
    rewrite = QUOTED.sub("", prompt).strip()
    suggestion = "Add titles and lettering in editing afterwards; describe the object without its words"
    suggestion += f": “{rewrite}”." if rewrite != prompt else "."
    return _item(AdviceKind.ON_SCREEN_TEXT, f"“{m.group(0)}”: readable text on screen is a known weak spot; "
                 "letters come out garbled.", suggestion)


def _too_long(prompt: str) -> AdviceItem | None:
    budget = prompt_budget(prompt)
    if not budget.over:
        return None
    keep = _fit(prompt)
    return _item(AdviceKind.TOO_LONG, budget.message,
                 f"Keep the first {len(keep)} characters (up to a sentence end), which fit the "
                 f"{PROMPT_UNITS}-unit limit: “{keep[:60]}…”.")


def _fit(prompt: str) -> str:
    """The longest start of the prompt within the budget, cut at a sentence end when there is one."""
    lo, hi = 0, len(prompt)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if not prompt_budget(prompt[:mid]).over else (lo, mid - 1)
    cut = prompt[:lo]
    end = max(cut.rfind(c) for c in ".!?。！？")
    return cut[:end + 1] if end > len(cut) // 2 else cut


def _token_style(prompt: str, variant: str, token_style: str) -> list[AdviceItem]:
    tokens = reference_tokens(prompt)
    first = token_style.format(n=1)
    if not tokens:
        if variant == "edit":
            return []
        return [_item(AdviceKind.TOKENS, "The prompt does not say which reference is which.",
                      f"Name them by slot, e.g. “{first} {prompt[0].lower()}{prompt[1:]}”.")]
    other = [t for t in tokens if t.text.lower().replace(" ", "") != token_style.format(n=t.slot).lower().replace(" ", "")]
    if not other:
        return []
    t = other[0]
    return [_item(AdviceKind.TOKENS, f"“{t.text}” is not how this backend names references ({first}, "
                  f"{token_style.format(n=2)}…).", f"Write {token_style.format(n=t.slot)} instead of {t.text}.")]
