"""A prompt and its reference slots before money is spent (the advice section): advice on the prompt and
its images for the active backend (it never blocks a job), and closing the gaps between filled slots.
"""

from __future__ import annotations

from studio import backends, variants
from studio.advice import AdviceItem, advise_prompt
from studio.errors import InputError
from studio.media import inspect, quality
from studio.prompts import renumber


class Advice:
    def __init__(self, backend: str):
        self.backend = backend  # the studio's active backend: its way of naming references

    def reference_token(self, n: int) -> str:
        """How a prompt on the active backend names reference n, e.g. [Image 1] or character1."""
        return backends.reference_token(self.backend, n)

    def advise(self, variant: str, prompt: str = "", first_frame: str | None = None, references=(),
               resolution: str | None = None) -> list[AdviceItem]:
        """Advice on a prompt and its images for a job on the active backend; never blocks a job.

        `references` are by on-screen slot (None for an empty one). Raises
        InputError for what would be refused anyway: a reference token naming an
        empty slot, or an image that fails its checks.
        """
        variant = variants.parse_variant(variant)
        resolution = (resolution or variants.DEFAULT_RESOLUTION).upper()
        if resolution not in variants.RESOLUTIONS:
            raise InputError(f"Resolution {resolution!r} is not offered: choose 720P or 1080P.")
        slots = variants.slotted(references) if variant in (variants.Variant.R2V, variants.Variant.EDIT) else {}
        if slots or variant in (variants.Variant.R2V, variants.Variant.EDIT):
            variants.check_tokens(variant, prompt or "", slots)
        items = advise_prompt(prompt, variant.value, self.reference_token(1).replace("1", "{n}"))
        if first_frame and variant is variants.Variant.I2V:
            inspect.check_first_frame(first_frame)
            items += quality.first_frame_advice(first_frame, variants.SHORT_SIDE[resolution], resolution)
        for slot, path in slots.items():
            inspect.check_reference(path, slot, variant)
        return items + quality.duplicate_advice(slots, lambda n: variants.slot_label(variant, n))

    @staticmethod
    def close_gaps(variant: str, prompt: str, references) -> tuple[str, list[str]]:
        """Move the filled reference slots up to 1..n and renumber the prompt's tokens to match.

        Refused while the prompt names an empty slot: after the move that token
        would silently name a different picture.
        """
        slots = variants.slotted(references)
        variants.check_tokens(variants.parse_variant(variant), prompt or "", slots)
        return renumber(prompt or "", variants.compaction(slots)), list(slots.values())
