"""Prompt length rules, prompt builder vocabulary, and what a prompt asks of the camera.

Length: the providers allow 5000 characters, or 2500 when the text is Chinese,
and silently cut the rest. We count a CJK character as two units against a
budget of 5000, so all-Chinese text stops at 2500 and all-Latin text at 5000.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROMPT_UNITS = 5000
CJK_LIMIT = 2500

_CJK = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
    "\U00020000-\U0002ebef]"
)


@dataclass(frozen=True)
class PromptBudget:
    cjk: int
    other: int

    @property
    def units(self) -> int:
        return self.cjk * 2 + self.other

    @property
    def over(self) -> bool:
        return self.units > PROMPT_UNITS

    @property
    def label(self) -> str:
        """The live counter shown under the prompt box."""
        if self.cjk:
            text = (f"{self.cjk} Chinese + {self.other} other characters: "
                    f"{self.units} / {PROMPT_UNITS} (Chinese counts double, {CJK_LIMIT} max)")
        else:
            text = f"{self.other} / {PROMPT_UNITS} characters"
        return text + (" — too long" if self.over else "")

    @property
    def message(self) -> str:
        excess = self.units - PROMPT_UNITS
        if self.cjk:
            return (f"The prompt is too long: {self.cjk} Chinese and {self.other} other characters use "
                    f"{self.units} of {PROMPT_UNITS} units (a Chinese character counts as two, so at most "
                    f"{CJK_LIMIT} Chinese characters). Shorten it by {excess} units; the provider would cut it silently.")
        return (f"The prompt is too long: {self.other} characters, the limit is {PROMPT_UNITS}. "
                f"Remove {excess} characters; the provider would cut it silently.")


def prompt_budget(text: str | None) -> PromptBudget:
    text = text or ""
    cjk = len(_CJK.findall(text))
    return PromptBudget(cjk=cjk, other=len(text) - cjk)


# Camera moves the preview renderer understands, with the words that ask for them.
CAMERA_MOVES: dict[str, tuple[str, ...]] = {
    "push_in": ("push in", "push-in", "dolly in", "zoom in", "close in", "推进"),
    "pull_back": ("pull back", "pull-back", "pull out", "dolly out", "zoom out", "拉远"),
    "pan": ("pan", "panning", "摇镜"),
    "tilt": ("tilt", "tilting"),
    "orbit": ("orbit", "arc shot", "circle around", "环绕"),
    "crane": ("crane", "jib", "rising shot", "升降"),
    "tracking": ("tracking", "track ", "follow", "following", "跟拍"),
}


def camera_move(prompt: str) -> str:
    """The first camera move the prompt names, or a gentle push in."""
    text = prompt.lower()
    hits = [(text.find(w), move) for move, words in CAMERA_MOVES.items() for w in words if w in text]
    return min(hits)[1] if hits else "push_in"


# Words that set the preview's palette: (top colour, bottom colour), RGB.
PALETTES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "sunset": ((255, 120, 60), (70, 30, 90)),
    "golden": ((250, 200, 90), (140, 70, 20)),
    "night": ((10, 15, 45), (40, 20, 70)),
    "neon": ((255, 40, 160), (20, 10, 60)),
    "ocean": ((40, 140, 220), (5, 40, 90)),
    "sea": ((40, 140, 220), (5, 40, 90)),
    "forest": ((60, 140, 70), (15, 50, 25)),
    "snow": ((235, 240, 250), (160, 180, 210)),
    "desert": ((240, 200, 130), (180, 110, 50)),
    "fog": ((190, 195, 200), (110, 115, 125)),
    "fire": ((255, 150, 30), (120, 10, 10)),
    "morning": ((255, 220, 170), (120, 160, 200)),
    "rain": ((90, 100, 120), (30, 35, 50)),
    "space": ((5, 5, 20), (30, 10, 60)),
}
DEFAULT_PALETTE = ((70, 90, 140), (20, 25, 45))


def palette(prompt: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The palette of the first mood word in the prompt, else a neutral dusk."""
    text = prompt.lower()
    hits = [(text.find(w), colours) for w, colours in PALETTES.items() if w in text]
    return min(hits)[1] if hits else DEFAULT_PALETTE


# Reference tokens: how a prompt names reference slot n. inference.sh (and the
# preview) document "[Image 1]", DashScope "character1"; both are recognised so
# a token of either style is checked against the slots and renumbered.
_TOKEN = re.compile(r"\[\s*image\s*(\d+)\s*\]|\bcharacter\s?(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    text: str   # as written, e.g. "[Image 3]"
    slot: int   # the number it names


def reference_tokens(prompt: str) -> list[Token]:
    """Every reference token in the prompt, in order."""
    return [Token(m.group(0), int(m.group(1) or m.group(2))) for m in _TOKEN.finditer(prompt or "")]


# What creators write for a reference besides the documented styles: "@image2", "image 2", "Image2",
# "(img 2)", "<picture 2>", "图2", "图片 2", "@参考图1". No backend reads these as a reference, so advice
# names them and rewrites them in the active backend's style (restyle).
_WORD = r"(?:image|img|picture|pic|photo|ref|reference|character|char)"
_ZH_WORD = r"(?:参考图片|参考图|图片|图像|照片|角色|(?<![构地蓝插截试意草])图)"
_LOOKS_LIKE = re.compile(
    rf"\[\s*image\s*(?P<canon>\d+)\s*\]"                                     # [Image 2], [image2]
    rf"|[\[(（{{<【]\s*@?\s*(?:{_WORD}|{_ZH_WORD})[\s_-]?(?P<bracket>\d{{1,2}})\s*[\])）}}>】]"  # (image 2), 【图2】
    rf"|@\s?{_WORD}[\s_-]?(?P<at>\d{{1,2}})(?!\d)"                            # @image2, @Image 2
    rf"|@?{_ZH_WORD}\s?(?P<zh>\d{{1,2}})(?!\d)"                                # 图2, 图片 2, @图1
    rf"|\bcharacter[\s_-]?(?P<character>\d{{1,2}})(?!\d)"                       # character1, Character 2
    rf"|\b{_WORD}[\s_-]?(?P<bare>[1-9])(?![\d%]|[.,:]\d|\s*(?:px|mm|cm|k)\b)",   # image 2, Image2, img_3
    re.IGNORECASE)


def reference_mentions(prompt: str) -> list[tuple[int, int, Token]]:
    """Every way the prompt names a reference slot, documented style or not: (start, end, token), in order."""
    return [(m.start(), m.end(), Token(m.group(0), int(next(g for g in m.groups() if g))))
            for m in _LOOKS_LIKE.finditer(prompt or "")]


def restyle(prompt: str, style: str) -> str:
    """The prompt with every reference mention written in `style` (e.g. "[Image {n}]", "character{n}")."""
    return _LOOKS_LIKE.sub(lambda m: style.format(n=int(next(g for g in m.groups() if g))), prompt or "")


def without_references(prompt: str) -> str:
    """The prompt with its reference mentions taken out (to judge which language the words are in)."""
    return _LOOKS_LIKE.sub(" ", prompt or "")


def renumber(prompt: str, numbers: dict[int, int]) -> str:
    """The prompt with each token naming slot k rewritten to name numbers[k] (same style)."""
    def swap(m: re.Match) -> str:
        group = 1 if m.group(1) else 2
        old = int(m.group(group))
        if old not in numbers:
            return m.group(0)
        start, end = m.span(group)
        return m.group(0)[:start - m.start()] + str(numbers[old]) + m.group(0)[end - m.start():]
    return _TOKEN.sub(swap, prompt or "")


# Prompt builder vocabulary (cinematic language the model follows). Every
# dropdown also takes free text; these are starting points, not a closed list.
SHOT_SIZES = ("extreme wide shot", "wide shot", "full shot", "medium shot", "medium close-up", "close-up",
              "extreme close-up")
CAMERA_WORDS = ("static camera", "slow dolly in", "slow push in", "pull back", "tracking shot", "orbit around the subject",
                "crane up", "crane down", "pan left", "pan right", "tilt up", "tilt down", "handheld camera")
LENSES = ("24mm wide-angle lens, deep focus", "35mm lens, natural perspective", "50mm lens, shallow depth of field",
          "85mm portrait lens, creamy bokeh", "macro lens, razor-thin focus", "anamorphic lens, oval bokeh")
TIMES_OF_DAY = ("at dawn", "in the early morning", "at midday", "in the late afternoon", "at golden hour",
                "at blue hour", "at night")
LIGHTING = ("golden hour sunlight", "soft morning light", "overcast diffuse light", "neon night lighting",
            "warm side-lighting", "hard noon sun", "candlelight", "backlit rim light", "moonlight")
MOTION = ("slow motion", "real-time motion", "gentle, steady motion", "fast, energetic motion",
          "time-lapse", "water droplets splashing in slow motion", "fabric rippling in the wind")
STYLES = ("cinematic, shallow depth of field", "documentary handheld", "35mm film grain",
          "anime", "product commercial", "photorealistic", "vintage 1970s film look")
AMBIENCE = ("city traffic hum", "gentle rain on a window", "forest birdsong", "ocean waves", "quiet room tone",
            "busy café chatter", "wind across open fields")
EFFECTS = ("footsteps on gravel", "a door creaks open", "thunder rumbles in the distance", "glass clinks",
           "hooves on cobblestones", "engine revs")
SPEECH_LANGUAGES = ("English", "Mandarin Chinese", "Cantonese", "Japanese", "Korean", "Spanish", "French",
                    "German")


@dataclass(frozen=True)
class BuilderFields:
    """What the prompt builder asks, in the order a creator decides."""

    subject: str = ""
    action: str = ""
    shot: str = ""
    camera: str = ""
    lens: str = ""
    time_of_day: str = ""
    light: str = ""
    motion: str = ""
    style: str = ""
    ambience: str = ""
    effects: str = ""
    speech: str = ""
    speech_language: str = ""


def compose(fields: BuilderFields) -> str:
    """Join builder fields into prompt text in the order the model reads best; empty fields add nothing."""
    picture = _join(fields.shot, " ".join(p for p in (_clean(fields.subject), _clean(fields.action)) if p),
                    fields.camera, fields.lens, " ".join(p for p in (_clean(fields.light), _clean(fields.time_of_day)) if p),
                    fields.motion, fields.style)
    sound = _join(fields.ambience, fields.effects)
    speech = _clean(fields.speech).strip('"“”')
    parts = []
    if picture:
        parts.append(_sentence(picture))
    if sound:
        parts.append(_sentence(f"Sound: {sound}"))
    if speech:
        language = _clean(fields.speech_language)
        parts.append(f"Speech{' in ' + language if language else ''}: \"{speech}\"")
    return " ".join(parts)


def insert(current: str, fragment: str, at: int | None = None) -> str:
    """The prompt with fragment added at character position `at` (None: at the end).

    Never replaces: an empty fragment returns the prompt unchanged, and the
    join adds a separator so words do not run together.
    """
    current, fragment = current or "", (fragment or "").strip()
    if not fragment:
        return current
    at = len(current) if at is None else max(0, min(at, len(current)))
    before, after = current[:at].rstrip(), current[at:].lstrip()
    if before and not before.endswith((".", ",", ";", ":", "!", "?", "。", "，", "；", "！", "？")):
        before += ","
        fragment = fragment[:1].lower() + fragment[1:]  # mid-sentence: no capital
    if after[:1].islower():
        fragment = fragment.rstrip(".")  # the sentence goes on
    joined = (before + " " + fragment) if before else fragment
    if after:
        joined += ("" if fragment.endswith((".", ",", "。", "，")) else ",") + " " + after
    return joined


def _clean(text: str) -> str:
    return (text or "").strip().rstrip(".,;。，")


def _join(*parts: str) -> str:
    return ", ".join(p for p in (_clean(x) for x in parts) if p)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


EXAMPLES_PATH = Path(__file__).resolve().parents[1] / "assets" / "prompts.json"


@dataclass(frozen=True)
class Example:
    title: str
    prompt: str


@lru_cache(maxsize=1)
def _examples() -> dict[str, tuple[Example, ...]]:
    data = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return {v: tuple(Example(e["title"], e["prompt"]) for e in items) for v, items in data.items()}


def examples(variant: str) -> tuple[Example, ...]:
    """The shipped library of good prompts for a variant (assets/prompts.json)."""
    return _examples().get(variant, ())
