"""The four HappyHorse variants: their parameters, limits and defaults.

Limits come from PROTOCOLS.md. Each is a constant here so a wrong guess is a
one-line change. Validation of media content lives in studio.media.inspect;
this module checks everything that needs no file access and says which
parameters each variant takes.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

from studio.errors import InputError
from studio.prompts import prompt_budget, reference_tokens, renumber


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


RESOLUTIONS = ("720P", "1080P")
SHORT_SIDE = {"720P": 720, "1080P": 1080}
RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4")
DEFAULT_RESOLUTION = "720P"  # drafts at 720P; the providers' own default is 1080P
DEFAULT_RATIO = "16:9"
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 3, 15, 5
MAX_SEED = 2_147_483_647

IMAGE_FORMATS = ("JPEG", "PNG", "BMP", "WEBP")
IMAGE_MAX_BYTES = 10 * 1024 * 1024
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
VIDEO_MAX_LONG_SIDE, VIDEO_MIN_SHORT_SIDE = 2160, 320
VIDEO_MIN_FPS = 8.0
EDIT_OUTPUT_MAX_SECONDS = 15.0  # the model edits the first 15 s

# Which parameters each variant takes (the UI shows only these).
TAKES_RATIO = {Variant.T2V, Variant.R2V}
TAKES_DURATION = {Variant.T2V, Variant.I2V, Variant.R2V}
PROMPT_REQUIRED = {Variant.T2V, Variant.R2V, Variant.EDIT}


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
          reference_slots: Any = None, prompt_written: str | None = None) -> Request:
    """Turn loosely typed input (widgets, CLI, API) into a checked Request.

    Parameters a variant does not take are dropped; defaults fill the rest.
    `references` is by on-screen slot: None (or "") marks an empty slot, so
    slot numbers stay what the user saw. A stored request (with
    reference_slots and prompt_written) rebuilds to the same request.
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
    resolution = parse_resolution(resolution)
    req = Request(
        variant=variant,
        prompt=sent_prompt,
        resolution=resolution,
        ratio=_ratio(ratio) if variant in TAKES_RATIO else None,
        duration=parse_duration(duration) if variant in TAKES_DURATION else None,
        watermark=parse_bool("Watermark", watermark),
        seed=parse_seed(seed),
        first_frame=first_frame or None if variant is Variant.I2V else None,
        references=tuple(slots.values()),
        reference_slots=tuple(slots),
        prompt_written=prompt if sent_prompt != prompt else None,
        video=video or None if variant is Variant.EDIT else None,
        audio=_audio(audio) if variant is Variant.EDIT else None,
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


def parse_bool(name: str, value: Any, default: bool = False) -> bool:
    """true or false only (a real boolean, or the words in any case); empty means the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InputError(f"{name} {_shown(value)} is not true or false: give true or false.")


def parse_text(name: str, value: Any) -> str:
    """Text that is valid Unicode (no lone surrogate, no NUL); empty for None."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {_shown(value)}: put it in quotes.")
    for i, ch in enumerate(value):
        if "\ud800" <= ch <= "\udfff" or ch == "\x00":
            raise InputError(f"{name} has a character that is not valid text at position {i + 1} (a broken "
                             "or half-copied character): retype the text around it, or remove it.")
    return value


def parse_path(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return parse_text(name, value) or None


def parse_paths(values: Any) -> Any:
    """Reference paths: a list (or tuple) of paths, None or "" for an empty slot."""
    if values is None or values == "":
        return ()
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise InputError(f"References must be a list of images, not {_shown(values)}: give one path per slot.")
    return [parse_path(f"Reference {i}", v) for i, v in enumerate(values, start=1)]


def _shown(value: Any) -> str:
    """A value as a refusal quotes it: short, and safe to print."""
    text = repr(value).encode("ascii", "backslashreplace").decode()
    return text if len(text) <= 40 else text[:37] + "..."


def parse_resolution(value: str | None) -> str:
    if value is not None and not isinstance(value, str):
        raise InputError(f"Resolution {_shown(value)} is not offered: give it as text, \"720P\" or \"1080P\".")
    resolution = (value or DEFAULT_RESOLUTION).strip().upper()
    if resolution not in RESOLUTIONS:
        raise InputError(f"Resolution {_shown(resolution)} is not offered: choose 720P or 1080P.")
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


def _ratio(ratio: str | None) -> str:
    if ratio is not None and not isinstance(ratio, str):
        raise InputError(f"Aspect ratio {_shown(ratio)} is not offered: give it as text, one of {', '.join(RATIOS)}.")
    ratio = (ratio or DEFAULT_RATIO).strip()
    if ratio not in RATIOS:
        raise InputError(f"Aspect ratio {_shown(ratio)} is not offered: choose one of {', '.join(RATIOS)}.")
    return ratio


def parse_duration(value: Any) -> int:
    """Whole seconds from 3 to 15; empty means the default."""
    if value is None or value == "":
        return DEFAULT_SECONDS
    try:
        if isinstance(value, bool):
            raise TypeError
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"Duration {_shown(value)} is not a number: give whole seconds from 3 to 15.") from None
    if not math.isfinite(f):
        raise InputError(f"Duration {_shown(value)} is not a number of seconds: give whole seconds from 3 to 15.")
    if f != int(f):
        raise InputError(f"Duration must be whole seconds; {value} is not: use 3 to 15.")
    if not MIN_SECONDS <= f <= MAX_SECONDS:
        raise InputError(f"Duration {int(f)} s is out of range: give whole seconds from 3 to 15.")
    return int(f)


def parse_seed(value: Any) -> int | None:
    """Empty means random. Otherwise a whole number from 0 to 2147483647."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        f = float(value)
        seed = int(f)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"Seed {_shown(value)} is not a whole number: leave it empty for random, or use 0 to {MAX_SEED}.") from None
    if seed != f or not 0 <= seed <= MAX_SEED:
        raise InputError(f"Seed {_shown(value)} is out of range: leave it empty for random, or use 0 to {MAX_SEED}.")
    return seed


def _audio(value: str | AudioMode | None) -> AudioMode:
    if value is None or value == "":
        return AudioMode.AUTO
    try:
        return AudioMode(str(value.value if isinstance(value, AudioMode) else value).lower())
    except ValueError:
        raise InputError(f"Audio {_shown(value)} is not offered: choose auto, retain or remove.") from None


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
