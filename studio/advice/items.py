"""What a piece of advice is, and which language it is said in."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import Enum

from studio.prompts import without_references


class AdviceKind(str, Enum):
    CROWDED = "crowded"            # more than two subjects or actions
    NO_CAMERA = "no_camera"        # no camera movement named
    VAGUE_LIGHT = "vague_light"    # "good lighting"
    NEGATIVE = "negative"          # "no rain": HappyHorse has no negative prompt
    FACE_CLOSE_UP = "face_close_up"
    ON_SCREEN_TEXT = "on_screen_text"
    TOO_LONG = "too_long"          # the provider would cut it
    TOKENS = "tokens"              # reference tokens: missing, misspelt, or another backend's style
    COMPRESSED = "compressed"      # first frame: heavy JPEG compression
    SMALL = "small"                # first frame: fewer pixels than the video
    NOISY = "noisy"
    COLOUR_SPACE = "colour_space"  # not sRGB: converted before sending
    SAME_ANGLE = "same_angle"      # references: the same picture, or near-duplicates of one angle
    NOT_CHECKED = "not_checked"    # images not looked at this time: the caller asked for many image checks


@dataclass(frozen=True)
class AdviceItem:
    kind: AdviceKind
    about: str        # what it is about, as the page labels it: "Prompt", "First frame", "Image 2 and Image 3"
    reason: str       # why it matters, with what was found or measured
    suggestion: str   # what to do, naming the change
    rewrite: str | None = None  # the whole prompt with the change made, ready to apply in one click

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self) | {"kind": self.kind.value}

    def line(self) -> str:
        return f"{self.about}: {self.reason} Suggestion: {self.suggestion}"


_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile("[A-Za-z]")


def language(text: str) -> str:
    """"zh" when Chinese dominates the text, else "en".

    A Chinese character weighs as much as two Latin letters (about what each says), and reference
    tokens such as [Image 1] count for neither: "[Image 1]在雨中奔跑" is Chinese.
    """
    plain = without_references(text or "")
    return "zh" if 2 * len(_CJK.findall(plain)) > len(_LATIN.findall(plain)) else "en"


def say(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en
