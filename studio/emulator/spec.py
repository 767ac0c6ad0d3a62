"""The checks both providers make on a video request's parameters, and the output they imply.

Each protocol module maps its own field names onto these, calls check_params()
and later output_shape() once the media are inspected; an Invalid becomes the
provider's own error shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio import variants as v
from studio.emulator.media import Invalid, MediaInfo
from studio.emulator.state import Job
from studio.prompts import CJK_LIMIT, PROMPT_UNITS, prompt_budget



@dataclass(frozen=True)
class Model:
    """What one provider model (or app) accepts: the emulator's own record of the real APIs
    (PROTOCOLS.md), kept apart from the studio's catalogue so a wrong id there fails here."""

    variant: str
    name: str                    # for the task's logs
    ratios: tuple[str, ...]
    seconds: tuple[int, int]     # duration from, to
    wan: bool = False            # takes input.negative_prompt and parameters.prompt_extend (on by default)


RATIOS_1_0 = ("16:9", "9:16", "1:1", "4:3", "3:4")
RATIOS_1_1 = RATIOS_1_0 + ("4:5", "5:4", "9:21", "21:9")
NEGATIVE_PROMPT_MAX = 500  # Wan cuts a longer negative prompt silently


def _models(name: str, ids: dict[str, str], ratios: tuple[str, ...], lo: int, wan: bool = False) -> dict[str, Model]:
    return {pid: Model(variant, name, ratios, (lo, 15), wan) for variant, pid in ids.items()}


DASHSCOPE_MODELS = {
    **_models("HappyHorse 1.1", {"t2v": "happyhorse-1.1-t2v", "i2v": "happyhorse-1.1-i2v",
                                 "r2v": "happyhorse-1.1-r2v"}, RATIOS_1_1, 3),  # there is no 1.1 edit
    **_models("HappyHorse 1.0", {"t2v": "happyhorse-1.0-t2v", "i2v": "happyhorse-1.0-i2v",
                                 "r2v": "happyhorse-1.0-r2v", "edit": "happyhorse-1.0-video-edit"}, RATIOS_1_0, 3),
    **_models("Wan 2.7", {"t2v": "wan2.7-t2v", "i2v": "wan2.7-i2v", "r2v": "wan2.7-r2v",
                          "edit": "wan2.7-videoedit"}, RATIOS_1_0, 2, wan=True),
}
INFERENCE_APPS = {  # only 1.0 and Wan 2.7 apps exist there: a 1.1 app answers 404
    **_models("HappyHorse 1.0", {"t2v": "alibaba/happyhorse-1-0-t2v", "i2v": "alibaba/happyhorse-1-0-i2v",
                                 "r2v": "alibaba/happyhorse-1-0-r2v", "edit": "alibaba/happyhorse-1-0-video-edit"},
              RATIOS_1_0, 3),
    **_models("Wan 2.7", {"t2v": "alibaba/wan-2-7-t2v", "i2v": "alibaba/wan-2-7-i2v", "r2v": "alibaba/wan-2-7-r2v",
                          "edit": "alibaba/wan-2-7-videoedit"}, RATIOS_1_0, 2, wan=True),
}
DEFAULT_RESOLUTION = "1080P"  # the providers' default (the studio drafts at 720P)
AUDIO_SETTINGS = ("auto", "origin")
PROMPT_REQUIRED = {"t2v", "r2v", "edit"}
TAKES_RATIO = {"t2v", "r2v"}
TAKES_DURATION = {"t2v", "i2v", "r2v"}


def app_model(app: str) -> Model | None:
    """inference.sh app refs may pin a version (`name@abc1`) or a function (`:run`)."""
    name = app.split("@", 1)[0].split(":", 1)[0]
    return INFERENCE_APPS.get(name)


def rewritten(prompt: str) -> str:
    """The prompt as the emulated prompt rewrite (prompt_extend) returns it: the same words, enriched."""
    return f"{prompt.strip().rstrip('.')}. Cinematic lighting, rich natural detail, smooth camera movement."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_params(model: Model, p: dict[str, Any], where: str = "", negative_where: str | None = None) -> Job:
    """Check prompt, resolution, ratio, duration, seed, watermark, audio_setting, and Wan's
    negative_prompt and prompt_extend, against what this model takes.

    `p` holds only the fields the caller sent (None counts as absent); `where`
    prefixes field names in messages (e.g. "parameters."), `negative_where` the
    negative prompt's (DashScope: "input.").
    """
    variant = model.variant
    p = {k: val for k, val in p.items() if val is not None}
    negative, extend = _wan_fields(model, p, where, where if negative_where is None else negative_where)
    prompt = p.get("prompt", "")
    if not isinstance(prompt, str):
        raise Invalid("Field prompt must be a string.")
    if variant in PROMPT_REQUIRED and not prompt.strip():
        raise Invalid("Field required: prompt. This model needs a text prompt.")
    budget = prompt_budget(prompt)
    if budget.over:
        raise Invalid(f"The prompt is too long: {budget.units} units (CJK characters count as 2); "
                      f"the limit is {PROMPT_UNITS} characters, or {CJK_LIMIT} Chinese characters.")
    resolution = p.get("resolution", DEFAULT_RESOLUTION)
    if resolution not in v.RESOLUTIONS:
        raise Invalid(f"Field {where}resolution must be one of 720P, 1080P; got {resolution!r}.")
    ratio = p.get("ratio")
    if ratio is not None and variant not in TAKES_RATIO:
        raise Invalid(f"Field {where}ratio is not supported by this model: the output follows the "
                      f"{'first frame' if variant == 'i2v' else 'source video'}.")
    if variant in TAKES_RATIO:
        ratio = v.DEFAULT_RATIO if ratio is None else ratio
        if ratio not in model.ratios:
            raise Invalid(f"Field {where}ratio must be one of {', '.join(model.ratios)} for {model.name}; "
                          f"got {ratio!r}.")
    duration = p.get("duration")
    if duration is not None and variant not in TAKES_DURATION:
        raise Invalid(f"Field {where}duration is not supported by video edit: the output follows the source video.")
    if variant in TAKES_DURATION:
        duration = v.DEFAULT_SECONDS if duration is None else duration
        lo, hi = model.seconds
        if not _is_int(duration) or not lo <= duration <= hi:
            raise Invalid(f"Field {where}duration must be an integer from {lo} to {hi}; got {duration!r}.")
    seed = p.get("seed")
    if seed is not None and (not _is_int(seed) or not 0 <= seed <= v.MAX_SEED):
        raise Invalid(f"Field {where}seed must be an integer from 0 to {v.MAX_SEED}; got {seed!r}.")
    watermark = p.get("watermark", True)
    if not isinstance(watermark, bool):
        raise Invalid(f"Field {where}watermark must be a boolean; got {watermark!r}.")
    audio = p.get("audio_setting")
    if audio is not None and variant != "edit":
        raise Invalid(f"Field {where}audio_setting is only supported by video edit.")
    if variant == "edit":
        audio = "auto" if audio is None else audio
        if audio not in AUDIO_SETTINGS:
            raise Invalid(f"Field {where}audio_setting must be one of auto, origin; got {audio!r}.")
    return Job(variant=variant, prompt=prompt, resolution=resolution, ratio=ratio, duration=duration,
               seed=seed, watermark=watermark, audio_setting=audio, model=model.name,
               negative_prompt=negative, prompt_extend=extend)


def _wan_fields(model: Model, p: dict[str, Any], where: str, negative_where: str) -> tuple[str | None, bool | None]:
    """Wan's negative prompt (cut at 500 characters, as the provider does) and prompt rewrite (on unless
    told otherwise); HappyHorse takes neither."""
    negative, extend = p.get("negative_prompt"), p.get("prompt_extend")
    if negative is not None and not isinstance(negative, str):
        raise Invalid(f"Field {negative_where}negative_prompt must be a string.")
    if extend is not None and not isinstance(extend, bool):
        raise Invalid(f"Field {where}prompt_extend must be a boolean; got {extend!r}.")
    if not model.wan:
        for name, value, at in (("negative_prompt", negative, negative_where), ("prompt_extend", extend, where)):
            if value is not None:
                raise Invalid(f"Field {at}{name} is not supported by {model.name}.")
        return None, None
    return (negative or None) and negative[:NEGATIVE_PROMPT_MAX], True if extend is None else extend


def check_counts(variant: str, first_frames: int, references: int, videos: int) -> None:
    """Media counts per variant: i2v one first frame; r2v 1-9 references; edit one video + 0-5."""
    if variant == "t2v" and first_frames + references + videos:
        raise Invalid("Text to video takes no media; remove the images or videos.")
    if variant == "i2v":
        if first_frames != 1 or references or videos:
            raise Invalid(f"Image to video takes exactly one first_frame image and nothing else; "
                          f"got {first_frames} first frame(s), {references} reference(s), {videos} video(s).")
    if variant == "r2v":
        if first_frames or videos:
            raise Invalid("Reference to video takes only reference images.")
        if not 1 <= references <= v.MAX_REFERENCES["r2v"]:
            raise Invalid(f"Reference to video takes 1 to 9 reference images; got {references}.")
    if variant == "edit":
        if videos != 1 or first_frames:
            raise Invalid(f"Video edit takes exactly one video; got {videos}.")
        if references > v.MAX_REFERENCES["edit"]:
            raise Invalid(f"Video edit takes 0 to 5 reference images; got {references}.")


def _whole(x: float) -> float | int:
    x = round(x, 2)
    return int(x) if x == int(x) else x


def finish_job(job: Job, first_frame: MediaInfo | None = None, video: MediaInfo | None = None) -> Job:
    """Fill in the output shape and length the provider would produce."""
    if job.variant in ("t2v", "r2v"):
        job.width, job.height = v.ratio_size(job.resolution, job.ratio or v.DEFAULT_RATIO)
        job.seconds = float(job.duration or v.DEFAULT_SECONDS)
    elif job.variant == "i2v":
        assert first_frame is not None
        job.width, job.height = v.shape_size(job.resolution, first_frame.width, first_frame.height)
        job.seconds = float(job.duration or v.DEFAULT_SECONDS)
    else:
        assert video is not None
        job.width, job.height = v.shape_size(job.resolution, video.width, video.height)
        job.seconds = round(min(video.seconds, v.EDIT_OUTPUT_MAX_SECONDS), 2)
        job.input_seconds = job.seconds
    return job


def usage(job: Job) -> dict[str, Any]:
    """DashScope's usage block: billed seconds (edit: input plus output), SR, ratio, count."""
    out = job.seconds
    billed = out + (job.input_seconds or 0)
    return {
        "duration": _whole(billed),
        "input_video_duration": _whole(job.input_seconds or 0),
        "output_video_duration": _whole(out),
        "SR": v.SHORT_SIDE[job.resolution],
        "ratio": job.ratio or v.nearest_ratio(job.width, job.height),
        "video_count": 1,
    }
