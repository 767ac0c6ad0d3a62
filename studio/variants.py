"""The four variants as a checked request: parameters, limits, defaults, and the model it runs on.

Limits come from PROTOCOLS.md. Those that differ between models (ratios,
durations, resolutions, prices, some input limits) are data in the model
catalogue (studio/models/catalogue.toml) and checked in studio.model_choice;
the rest are constants here, so a wrong guess is a one-line change. Validation
of media content lives in studio.media.inspect; this module checks everything
that needs no file access and says which parameters each variant takes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from studio import model_choice, models
from studio.errors import InputError
from studio.parse import MAX_SEED  # noqa: F401 (the studio names it variants.MAX_SEED)
from studio.parse import parse_bool, parse_path, parse_paths, parse_seconds, parse_seed, parse_text, shown
from studio.prompts import prompt_budget, reference_tokens, renumber
# The variants' names live one layer down (studio.model_choice needs them too); the studio imports them from here.
from studio.variant_kinds import PROMPT_REQUIRED, TAKES_DURATION, TAKES_RATIO, AudioMode, Variant  # noqa: F401

# The catalogue as the studio started with it: the choices the page and the CLI list. Every check reads
# the catalogue as it is now (studio.model_choice), so an edited limit counts at once.
_STARTED_WITH = models.catalogue()
RESOLUTIONS = _STARTED_WITH.all_resolutions()
SHORT_SIDE = {r: int(r[:-1]) for r in RESOLUTIONS}
RATIOS = _STARTED_WITH.all_ratios()    # every ratio some model takes; each model takes its own
DEFAULT_RESOLUTION = "720P"  # drafts at 720P; the providers' own default is 1080P
DEFAULT_RATIO = model_choice.DEFAULT_RATIO
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 3, 15, model_choice.DEFAULT_SECONDS  # HappyHorse's (Wan 2.7 from 2)

IMAGE_FORMATS = ("JPEG", "PNG", "BMP", "WEBP")
IMAGE_MAX_BYTES = _STARTED_WITH.limits.image_max_bytes  # shared limits in force; a model may set its own
FIRST_FRAME_MIN_SIDE = 300
REFERENCE_MIN_SIDE = 400
REFERENCE_RECOMMENDED_SIDE = 720
EDIT_REFERENCE_MIN_SIDE = 300
MAX_ASPECT = 2.5  # long side / short side, for images and source videos
MAX_REFERENCES = {"r2v": 9, "edit": 5}
MIN_REFERENCES = {"r2v": 1, "edit": 0}

VIDEO_CONTAINERS = ("mp4", "mov")
VIDEO_MAX_BYTES = 100 * 1024 * 1024
VIDEO_MIN_SECONDS, VIDEO_MAX_SECONDS = 3.0, 60.0
VIDEO_MAX_LONG_SIDE = _STARTED_WITH.limits.edit_video_max_long_side
VIDEO_MIN_SHORT_SIDE = _STARTED_WITH.limits.edit_video_min_short_side
VIDEO_MIN_FPS = 8.0
EDIT_OUTPUT_MAX_SECONDS = 15.0  # the model edits the first 15 s


@dataclass(frozen=True)
class Request:
    """One generation as the user asked for it. Paths point at local files."""

    variant: Variant
    prompt: str = ""
    resolution: str = DEFAULT_RESOLUTION
    ratio: str | None = None
    duration: int | None = None
    watermark: bool = False
    seed: int | None = None
    first_frame: str | None = None
    references: tuple[str, ...] = ()
    video: str | None = None
    audio: AudioMode | None = None
    # The on-screen slot each reference came from (1-based), e.g. (2, 3) when slot 1
    # was empty; references and the prompt's tokens are compacted to 1..n for the provider.
    reference_slots: tuple[int, ...] = ()
    # The prompt as the user wrote it, when renumbering the tokens changed it.
    prompt_written: str | None = None
    model: str | None = None            # the model family (a catalogue id); empty: the variant's default
    negative_prompt: str | None = None  # what the clip should not show (Wan 2.7 only)
    prompt_extend: bool | None = None   # the provider rewrites the prompt: always sent where a model can

    def __post_init__(self) -> None:
        if self.model is None and self.variant is not Variant.STITCH:
            object.__setattr__(self, "model", model_choice.default_model(self.variant))

    @property
    def family(self) -> models.Family:
        return models.family(self.model)

    def slot(self, i: int) -> int:
        """The on-screen slot of reference i (1-based as sent)."""
        return self.reference_slots[i - 1] if len(self.reference_slots) >= i else i

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["variant"] = self.variant.value
        d["audio"] = self.audio.value if self.audio else None
        d["references"] = list(self.references)
        d["reference_slots"] = list(self.reference_slots)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Request":
        known = {f.name for f in dataclasses.fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        d["variant"] = Variant(d["variant"])
        d["references"] = tuple(d.get("references") or ())
        d["reference_slots"] = tuple(d.get("reference_slots") or ())
        d["audio"] = AudioMode(d["audio"]) if d.get("audio") else None
        if "model" not in d and d["variant"] is not Variant.STITCH:
            d["model"] = models.LEGACY  # recorded before the studio knew models: HappyHorse 1.0
        return cls(**d)


def parse_variant(value: Variant | str) -> Variant:
    try:
        return Variant(value)
    except ValueError:
        raise InputError(f"Unknown variant {value!r}: use one of t2v, i2v, r2v, edit.") from None


def build(variant: Variant | str, *, prompt: str | None = "", resolution: str | None = None,
          ratio: str | None = None, duration: Any = None, watermark: bool = False,
          seed: Any = None, first_frame: str | None = None, references: Any = (),
          video: str | None = None, audio: str | AudioMode | None = None,
          reference_slots: Any = None, prompt_written: str | None = None, model: str | None = None,
          backend: str | None = None, negative_prompt: str | None = None, prompt_extend: Any = None) -> Request:
    """Turn loosely typed input (widgets, CLI, API) into a checked Request.

    Parameters a variant does not take are dropped; defaults fill the rest.
    `references` is by on-screen slot: None (or "") marks an empty slot, so
    slot numbers stay what the user saw. A stored request (with
    reference_slots and prompt_written) rebuilds to the same request.
    `model` is a catalogue id (empty: the variant's default on `backend`); each
    model's own ratios, durations and fields are checked, and on a backend only
    models it has an id or app for are taken (None: the backend is not chosen yet).
    Raises InputError naming the field and what to change.
    """
    variant = parse_variant(variant)
    if variant is Variant.STITCH:
        raise InputError("A storyboard is not generated: join finished clips with `python -m studio stitch`.")
    prompt = parse_text("The prompt", prompt).strip()
    prompt_written = parse_text("The written prompt", prompt_written) or None
    first_frame, video = parse_path("The first frame", first_frame), parse_path("The source video", video)
    references = parse_paths(references)
    takes_refs = variant in (Variant.R2V, Variant.EDIT)
    slots = slotted(references, reference_slots) if takes_refs else {}
    if prompt_written and renumber(prompt_written.strip(), compaction(slots)) == prompt:
        prompt = prompt_written.strip()  # a stored request: check the tokens as the user wrote them
    if takes_refs:
        check_tokens(variant, prompt, slots)
    sent_prompt = renumber(prompt, compaction(slots)) if takes_refs else prompt
    fam = model_choice.resolve(variant, model, backend)
    req = Request(
        variant=variant,
        prompt=sent_prompt,
        resolution=parse_resolution(resolution, fam),
        ratio=model_choice.parse_ratio(ratio, fam) if variant in TAKES_RATIO else None,
        duration=model_choice.parse_duration(duration, fam) if variant in TAKES_DURATION else None,
        watermark=parse_bool("Watermark", watermark),
        seed=parse_seed(seed),
        first_frame=first_frame or None if variant is Variant.I2V else None,
        references=tuple(slots.values()),
        reference_slots=tuple(slots),
        prompt_written=prompt if sent_prompt != prompt else None,
        video=video or None if variant is Variant.EDIT else None,
        audio=_audio(audio) if variant is Variant.EDIT else None,
        model=fam.id,
        negative_prompt=model_choice.parse_negative_prompt(negative_prompt, fam),
        prompt_extend=model_choice.parse_prompt_extend(prompt_extend, fam),
    )
    check_prompt(req)
    _check_inputs_present(req)
    return req


def slot_label(variant: Variant | str, slot: int) -> str:
    """A reference slot as the screen labels it: "Image 3" on Reference to video, "Reference 3" on Video edit."""
    return f"{'Reference' if Variant(variant) is Variant.EDIT else 'Image'} {slot}"


def slotted(references: Any, reference_slots: Any = None) -> dict[int, str]:
    """{on-screen slot: path} for the filled slots, in slot order.

    Without reference_slots, position in `references` is the slot (None or ""
    for an empty one); with them, references are the filled ones and
    reference_slots say where each came from.
    """
    refs = list(references or ())
    if reference_slots:
        slots = [int(n) for n in reference_slots]
        if len(slots) != len(refs) or len(set(slots)) != len(slots) or min(slots) < 1:
            raise InputError("The reference slots do not match the references: give one slot number per image.")
        return {n: r for n, r in sorted(zip(slots, refs)) if r}
    return {n: r for n, r in enumerate(refs, start=1) if r}


def compaction(slots: dict[int, str]) -> dict[int, int]:
    """{on-screen slot: number sent to the provider}: the filled slots, numbered 1..n."""
    return {slot: i for i, slot in enumerate(slots, start=1)}


def check_tokens(variant: Variant, prompt: str, slots: dict[int, str]) -> None:
    """Every reference token in the prompt must name a filled slot."""
    for token in reference_tokens(prompt):
        if token.slot in slots:
            continue
        label = slot_label(variant, token.slot)
        hi = MAX_REFERENCES[variant.value]
        if not 1 <= token.slot <= hi:
            raise InputError(f"The prompt names {token.text}, but there is no slot {label}: "
                             f"{variant.title} has slots 1 to {hi}. Change the token in the prompt.")
        raise InputError(f"The prompt names {token.text}, but slot {label} is empty: put a picture in slot "
                         f"{label}, or change {token.text} in the prompt.")


def parse_resolution(value: str | None, fam: models.Family | None = None) -> str:
    offered = fam.resolutions if fam else RESOLUTIONS
    choices = " or ".join(offered)
    if value is not None and not isinstance(value, str):
        quoted = " or ".join(f'"{r}"' for r in offered)
        raise InputError(f"Resolution {shown(value)} is not offered: give it as text, {quoted}.")
    resolution = (value or DEFAULT_RESOLUTION).strip().upper()
    if resolution not in offered:
        on = f" on {fam.label}" if fam and resolution in RESOLUTIONS else ""
        raise InputError(f"Resolution {shown(resolution)} is not offered{on}: choose {choices}.")
    return resolution


def check_prompt(req: Request) -> None:
    if req.variant in PROMPT_REQUIRED and not req.prompt:
        raise InputError(f"{req.variant.title} needs a prompt: describe the "
                         f"{'change' if req.variant is Variant.EDIT else 'shot'} you want.")
    budget = prompt_budget(req.prompt)
    if budget.over:
        raise InputError(budget.message)


def _check_inputs_present(req: Request) -> None:
    if req.variant is Variant.I2V and not req.first_frame:
        raise InputError("Image to video needs a first frame: upload an image.")
    if req.variant is Variant.EDIT and not req.video:
        raise InputError("Video edit needs a source video: upload an MP4 or MOV clip.")
    key = req.variant.value
    if key in MAX_REFERENCES:
        n, lo, hi = len(req.references), MIN_REFERENCES[key], MAX_REFERENCES[key]
        if n < lo:
            raise InputError(f"{req.variant.title} needs at least {lo} reference image: add one.")
        if n > hi:
            raise InputError(f"{req.variant.title} takes at most {hi} reference images; you gave {n}: remove {n - hi}.")
        if req.reference_slots and max(req.reference_slots) > hi:
            raise InputError(f"{req.variant.title} has reference slots 1 to {hi}; there is no slot "
                             f"{max(req.reference_slots)}: move that picture to a free slot.")


def parse_duration(value: Any, fam: models.Family | None = None) -> int:
    """Whole seconds in the model's range (HappyHorse 3 to 15 when no model is given); empty means 5."""
    if fam is not None:
        return model_choice.parse_duration(value, fam)
    return parse_seconds(value, MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS)


def _audio(value: str | AudioMode | None) -> AudioMode:
    if value is None or value == "":
        return AudioMode.AUTO
    try:
        return AudioMode(str(value.value if isinstance(value, AudioMode) else value).lower())
    except ValueError:
        raise InputError(f"Audio {shown(value)} is not offered: choose auto, retain or remove.") from None


def even(n: float) -> int:
    """Round to the nearest even integer (H.264 wants even dimensions)."""
    return max(2, int(round(n / 2)) * 2)


def ratio_size(resolution: str, ratio: str) -> tuple[int, int]:
    """Output width and height for a ratio: the short side is 720 or 1080."""
    w, h = (int(x) for x in ratio.split(":"))
    return shape_size(resolution, w, h)


def shape_size(resolution: str, width: int, height: int) -> tuple[int, int]:
    """Output size that keeps an input's shape: short side 720 or 1080, even sides."""
    short = SHORT_SIDE[resolution]
    if width >= height:
        return even(short * width / height), short
    return short, even(short * height / width)


def nearest_ratio(width: int, height: int) -> str:
    """The offered ratio closest to a shape, for showing what a frame implies."""
    target = math.log(width / height)
    return min(RATIOS, key=lambda r: abs(math.log(int(r.split(":")[0]) / int(r.split(":")[1])) - target))
