"""The four variants by name, and which parameters each takes.

The lowest layer of a request: studio.model_choice (which model takes what) and
studio.variants (the checked request) both build on it. studio.variants
re-exports these names, which is where the rest of the studio imports them from.
"""

from __future__ import annotations

from enum import Enum


class Variant(str, Enum):
    T2V = "t2v"
    I2V = "i2v"
    R2V = "r2v"
    EDIT = "edit"
    STITCH = "stitch"  # a storyboard the studio joined from finished clips; never sent to a provider

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    Variant.T2V: "Text to video",
    Variant.I2V: "Image to video",
    Variant.R2V: "Reference to video",
    Variant.EDIT: "Video edit",
    Variant.STITCH: "Storyboard",
}


class AudioMode(str, Enum):
    AUTO = "auto"      # the model decides whether to regenerate sound
    RETAIN = "retain"  # keep the source clip's sound (the API's "origin")
    REMOVE = "remove"  # the studio strips the sound from the result

    @property
    def api_value(self) -> str:
        """What the provider's audio_setting gets; remove is done by the studio."""
        return "origin" if self is AudioMode.RETAIN else "auto"


# Which parameters each variant takes (the UI shows only these).
TAKES_RATIO = {Variant.T2V, Variant.R2V}
TAKES_DURATION = {Variant.T2V, Variant.I2V, Variant.R2V}
PROMPT_REQUIRED = {Variant.T2V, Variant.R2V, Variant.EDIT}
