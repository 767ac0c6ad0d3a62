"""`submit` and `compare`: send a job (or the same shot to 2-3 models) and return the records at once (API and
MCP), for callers that poll.

The tabs' generate endpoints (text_to_video...) wait for the clip; an agent usually should not hold a
call open for the minutes a clip takes. `submit` checks, quotes and sends the job exactly as they do
(ctx.generate), then returns the job record (state "queued" or "running") without waiting: poll
job_status with its id, or list_jobs.

Files (first_frame, references, video) are given as an https link, a data: URL or the path that
POST /gradio_api/upload returned (studio.ui.links): fetched or decoded into a scratch folder for this
call only, checked like any upload, and removed when the call ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import gradio as gr

from studio import models
from studio.errors import InputError
from studio.ui.context import Submitted, UiContext
from studio.ui.links import HOW, Scratch, local_file, local_files

FILES = {"first_frame": "i2v", "references": "r2v or edit", "video": "edit", "audio": "edit"}
TAKES = {"t2v": (), "i2v": ("first_frame",), "r2v": ("references",), "edit": ("video", "references", "audio")}


def model_words() -> str:
    cat = models.catalogue()
    return ", ".join(f'"{fid}"' for fid in cat.families) + (
        f"; empty: the variant's default ({', '.join(f'{v} {m}' for v, m in cat.defaults.items())})")


def document(fn: Callable) -> Callable:
    fn.__doc__ = (fn.__doc__ or "").replace("{models}", model_words()).replace("{files}", HOW)
    return fn


def submit_actions(ctx: UiContext) -> list[Callable]:
    @document
    async def submit(variant: str, prompt: str = "", model: str = "", first_frame: str = "",
                     references: list[str] | None = None, video: str = "", audio: str = "",
                     resolution: str = "720P", ratio: str = "16:9", duration: int = 5, watermark: bool = False,
                     seed: int | None = None, negative_prompt: str = "", prompt_extend: bool | None = None,
                     request: gr.Request = None) -> dict:
        """Send a video job and return its record at once, without waiting for the clip: state "queued" or
        "running". Poll job_status with its id every few seconds (list_jobs lists them all); a clip takes
        about 1 to 15 minutes on a provider, seconds on the preview backend. Quote first with quote; the
        same request sent again within 10 s returns the same job (a retried call pays once).

        Args:
            variant: "t2v" (text to video), "i2v" (image to video: first_frame), "r2v" (reference to video: references) or "edit" (video edit: video, optional references)
            prompt: what the shot shows (t2v, r2v), what happens from the frame (i2v, optional) or the change to make (edit); up to 5000 characters
            model: {models}
            first_frame: i2v only: the opening image, as {files}; JPEG, PNG, BMP or WEBP, each side 300 px or more, up to 10 MB
            references: r2v (1 to 9) or edit (up to 5): images in slot order, each as {files}
            video: edit only: the clip to edit, as {files}; MP4 or MOV, 3 to 60 s, up to 100 MB
            audio: edit only: "auto", "retain" or "remove"; default "auto"
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            ratio: t2v and r2v: aspect ratio, e.g. "16:9", "9:16", "1:1" (each model has its own list); default "16:9"
            duration: t2v, i2v, r2v: length in whole seconds (3 to 15 on HappyHorse, 2 to 15 on Wan 2.7), billed per second; default 5
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit for random
            negative_prompt: Wan 2.7 only: what the clip should not show
            prompt_extend: Wan 2.7 only: true lets the provider rewrite the prompt, false sends it as written
        """
        fields = {"prompt": prompt or "", "model": model or None, "first_frame": first_frame,
                  "references": references, "video": video, "audio": audio, "resolution": resolution,
                  "ratio": ratio, "duration": duration, "watermark": watermark, "seed": seed,
                  "negative_prompt": negative_prompt, "prompt_extend": prompt_extend}
        caller = ctx.caller(request)
        record = await send(ctx, caller, request, variant, fields)
        return ctx.studio.core.job(caller, record["id"]).record()

    @document
    async def compare(variant: str, models: str | list[str], prompt: str = "", first_frame: str = "",
                      references: list[str] | None = None, video: str = "", audio: str = "",
                      resolution: str = "720P", ratio: str = "16:9", duration: int = 5, watermark: bool = False,
                      seed: int | None = None, negative_prompt: str = "", prompt_extend: bool | None = None,
                      request: gr.Request = None) -> list[dict]:
        """Send the same shot (prompt, images, duration, resolution, ratio, seed) to 2 or 3 models at once and
        return every job's record without waiting, in the order the models were given: linked as one compare
        (compare_id), all with one seed, sent all or none under the caps. Poll each with job_status. The same
        compare sent again within 10 s returns the same jobs.

        Args:
            variant: "t2v", "i2v", "r2v" or "edit", as for submit
            models: 2 or 3 different models, as a list or comma-separated text, e.g. "happyhorse-1.1,wan2.7" (each must make the variant and take the shot's resolution, ratio and duration)
            prompt: as for submit
            first_frame: i2v only: as for submit ({files})
            references: r2v or edit: as for submit
            video: edit only: as for submit
            audio: edit only: "auto", "retain" or "remove"
            resolution: "720P" or "1080P"; default "720P"
            ratio: t2v and r2v: aspect ratio every compared model takes; default "16:9"
            duration: length in whole seconds every compared model makes; default 5
            watermark: true adds the provider's mark; default false
            seed: one seed for every model; omit for one picked at random for all
            negative_prompt: sent to the models that take one (Wan 2.7), the others get the shot without it
            prompt_extend: Wan 2.7's prompt rewrite, true or false
        """
        fields = {"prompt": prompt or "", "first_frame": first_frame, "references": references, "video": video,
                  "audio": audio, "resolution": resolution, "ratio": ratio, "duration": duration,
                  "watermark": watermark, "seed": seed, "negative_prompt": negative_prompt,
                  "prompt_extend": prompt_extend}
        caller = ctx.caller(request)
        kind = variant_of(variant)
        fields = fields_for(kind, fields)
        with Scratch() as scratch:
            fields = await asyncio.to_thread(resolve_files, fields, scratch)
            jobs = await asyncio.to_thread(start_compare, ctx, caller, kind, models, fields)
        return [job.record() for job in jobs]

    return [submit, compare]


def start_compare(ctx: UiContext, caller, variant: str, model_ids: Any, fields: dict) -> list:
    """The compare's jobs, sent (studio.service.compare): the shot built and quoted on each model first."""
    section = ctx.studio.compare
    shot = section.prepare(variant, model_ids, **fields)
    sent = section.start(caller, shot, model_ids)
    return [ctx.studio.core.job(caller, job.id) for job in sent]


def variant_of(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in TAKES:
        raise InputError('variant must be one of "t2v", "i2v", "r2v" or "edit".')
    return value.strip().lower()


def fields_for(variant: str, fields: dict) -> dict:
    """The fields the variant takes; a file or setting for another variant is refused by name."""
    fields = dict(fields)
    for name, takers in FILES.items():
        if name not in TAKES[variant] and fields.pop(name, None) not in (None, "", []):
            raise InputError(f"{name} is for {takers}, not {variant}: leave it out, or choose that variant.")
    if variant not in ("t2v", "r2v"):
        fields.pop("ratio", None)
    if variant == "edit":
        fields.pop("duration", None)
    return fields


def resolve_files(fields: dict, scratch: Scratch) -> dict:
    """Links, data: URLs and uploaded paths among the fields as checked local files in `scratch`."""
    fields = dict(fields)
    if "first_frame" in fields:
        fields["first_frame"] = local_file(fields["first_frame"], "first_frame", "image", scratch)
    if "video" in fields:
        fields["video"] = local_file(fields["video"], "video", "video", scratch)
    if "references" in fields:
        fields["references"] = local_files(fields["references"], "Reference", "image", scratch)
    if "audio" in fields and not fields["audio"]:
        fields["audio"] = None
    return fields


async def send(ctx: UiContext, caller, request: gr.Request | None, variant: Any, fields: dict) -> dict:
    """Check, quote and send one job for the caller, its files fetched for this call only; its record."""
    variant = variant_of(variant)
    fields = fields_for(variant, fields)
    with Scratch() as scratch:
        fields = await asyncio.to_thread(resolve_files, fields, scratch)
        _, record = await ctx.generate(variant, request, Submitted(caller), **fields)
    return record
