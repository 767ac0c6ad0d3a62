"""A prompt and its reference slots before money is spent (the advice section): advice on the prompt and
its images for the active backend (it never blocks a job), and closing the gaps between filled slots.
"""

from __future__ import annotations

from studio import backends, variants
from studio.advice import AdviceItem, advise_prompt, language
from studio.errors import InputError
from studio.media import inspect, quality
from studio.prompts import renumber
from studio.service.caller import LOCAL, Caller
from studio.service.image_checks import ImageChecks, identity


class Advice:
    def __init__(self, backend: str):
        self.backend = backend  # the studio's active backend: its way of naming references
        self.images = ImageChecks()  # each picture looked at once; a bounded number per caller per minute

    def reference_token(self, n: int) -> str:
        """How a prompt on the active backend names reference n, e.g. [Image 1] or character1."""
        return backends.reference_token(self.backend, n)

    def advise(self, variant: str, prompt: str = "", first_frame: str | None = None, references=(),
               resolution: str | None = None, *, caller: Caller = LOCAL) -> list[AdviceItem]:
        """Advice on a prompt and its images for a job on the active backend; never blocks a job.

        `references` are by on-screen slot (None for an empty one): no more than the variant takes. Raises
        InputError for what would be refused anyway: a reference token naming an empty slot, or an image
        that fails its checks. The images' work is bounded per caller (studio.service.image_checks).
        """
        variant = variants.parse_variant(variant)
        resolution = (resolution or variants.DEFAULT_RESOLUTION).upper()
        if resolution not in variants.RESOLUTIONS:
            raise InputError(f"Resolution {resolution!r} is not offered: choose 720P or 1080P.")
        takes_references = variant in (variants.Variant.R2V, variants.Variant.EDIT)
        if takes_references:
            quality.check_reference_count(variant, references)  # before any file is read
        slots = variants.slotted(references) if takes_references else {}
        if slots or takes_references:
            variants.check_tokens(variant, prompt or "", slots)
        lang = language(prompt or "")
        items = advise_prompt(prompt, variant.value, self.reference_token(1).replace("1", "{n}"))
        frame = first_frame if variant is variants.Variant.I2V else None
        if not frame and not slots:
            return items

        def look() -> list[AdviceItem]:
            found = []
            if frame:
                inspect.check_first_frame(frame)
                found += quality.first_frame_advice(frame, variants.SHORT_SIDE[resolution], resolution, lang=lang)
            return found + quality.reference_advice(variant, slots, lang)

        files = (identity(frame), tuple((slot, identity(path)) for slot, path in slots.items()))
        pictures = (1 if frame else 0) + len({identity(p) for p in slots.values()})
        return items + self.images.advice(caller.owner, (variant, resolution, lang, files), pictures, lang, look)

    @staticmethod
    def close_gaps(variant: str, prompt: str, references) -> tuple[str, list[str]]:
        """Move the filled reference slots up to 1..n and renumber the prompt's tokens to match.

        Refused while the prompt names an empty slot: after the move that token
        would silently name a different picture.
        """
        slots = variants.slotted(references)
        variants.check_tokens(variants.parse_variant(variant), prompt or "", slots)
        return renumber(prompt or "", variants.compaction(slots)), list(slots.values())
