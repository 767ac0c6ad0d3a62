"""Prompt length rules, prompt builder vocabulary, and what a prompt asks of the camera.

Length: the providers allow 5000 characters, or 2500 when the text is Chinese,
and silently cut the rest. We count a CJK character as two units against a
budget of 5000, so all-Chinese text stops at 2500 and all-Latin text at 5000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# Prompt builder vocabulary for text to video (cinematic language the model follows).
SHOT_SIZES = ("extreme wide shot", "wide shot", "medium shot", "close-up", "extreme close-up")
CAMERA_WORDS = ("static camera", "slow push in", "pull back", "pan left", "pan right", "tilt up",
                "orbit around the subject", "crane up", "tracking shot")
LIGHTING = ("golden hour sunlight", "soft morning light", "overcast diffuse light", "neon night lighting",
            "warm side-lighting", "hard noon sun", "candlelight")
STYLES = ("cinematic, shallow depth of field", "documentary handheld", "35mm film grain",
          "anime", "product commercial", "slow motion")


def compose(subject: str, action: str = "", shot: str = "", camera: str = "",
            lighting: str = "", style: str = "") -> str:
    """Join builder fields into one prompt in the order the model reads best."""
    parts = [p.strip().rstrip(".") for p in (shot, subject, action, camera, lighting, style) if p and p.strip()]
    if not parts:
        return ""
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."
