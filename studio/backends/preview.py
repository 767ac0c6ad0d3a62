"""The preview backend: offline, free, and plainly labelled as not HappyHorse output.

It renders for any model in the catalogue; each clip's badge says which model it stands in for
("PREVIEW of Wan 2.7"), never that it is that model's output.

It speaks the same contract as the real adapters. A submit writes the job's
spec next to the render and starts rendering in the runner's event loop; a
status read after a restart finds the spec and renders again (it is free and
deterministic), so previews resume like real jobs.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio import models
from studio.backends.base import Backend, BackendInfo, JobSpec, Submitted, TaskState, TaskStatus
from studio.errors import ProviderError
from studio.media import inspect, look, render
from studio.variants import Request, Variant, ratio_size, shape_size


@dataclass
class _Render:
    task: asyncio.Task
    progress: float = 0.0


class PreviewBackend(Backend):
    def __init__(self, work_dir: Path):
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.info = BackendInfo(name="preview", label="Preview (offline, free)", is_preview=True,
                                poll_initial=0.2, poll_max=0.5, max_concurrent=2, requests_per_minute=0)
        self._renders: dict[str, _Render] = {}

    @classmethod
    def from_settings(cls, settings) -> "PreviewBackend":
        return cls(settings.data_dir / "preview")

    def _spec_path(self, task_id: str) -> Path:
        return self.work_dir / f"{task_id}.json"

    def _out_path(self, task_id: str) -> Path:
        return self.work_dir / f"{task_id}.mp4"

    async def submit(self, spec: JobSpec) -> Submitted:
        task_id = spec.job_id
        data = {"request": spec.request.to_dict(), "seed": spec.seed}
        self._spec_path(task_id).write_text(json.dumps(data), encoding="utf-8")
        self._start(task_id, spec.request, spec.seed)
        return Submitted(task_id=task_id)

    def _start(self, task_id: str, request: Request, seed: int) -> _Render:
        entry = _Render(task=None)  # type: ignore[arg-type]

        def progress(p: float) -> None:
            entry.progress = p

        entry.task = asyncio.get_running_loop().create_task(
            render_request(request, seed, self._out_path(task_id), progress))
        self._renders[task_id] = entry
        return entry

    async def status(self, task_id: str) -> TaskStatus:
        entry = self._renders.get(task_id)
        if entry is None:
            if self._out_path(task_id).exists():
                return self._succeeded(task_id)
            spec = self._spec_path(task_id)
            if not spec.exists():
                return TaskStatus(TaskState.UNKNOWN, error_code="unknown",
                                  error_message="The preview render is gone; retry the job.")
            data = json.loads(spec.read_text(encoding="utf-8"))
            entry = self._start(task_id, Request.from_dict(data["request"]), data["seed"])
        if not entry.task.done():
            return TaskStatus(TaskState.RUNNING, progress=entry.progress)
        self._renders.pop(task_id, None)
        if entry.task.cancelled():
            return TaskStatus(TaskState.CANCELED)
        error = entry.task.exception()
        if error is not None:
            return TaskStatus(TaskState.FAILED, error_code="render_failed",
                              error_message=f"The preview render failed: {error}")
        return self._succeeded(task_id)

    def _succeeded(self, task_id: str) -> TaskStatus:
        out = self._out_path(task_id)
        return TaskStatus(TaskState.SUCCEEDED, progress=1.0, video_url=out.as_uri(),
                          video_bytes=out.stat().st_size, billed_seconds=0.0)

    async def cancel(self, task_id: str) -> bool:
        entry = self._renders.pop(task_id, None)
        if entry is not None:
            entry.task.cancel()
        self._spec_path(task_id).unlink(missing_ok=True)
        return True

    async def download(self, status: TaskStatus, dest: Path,
                       on_progress: Callable[[float], None] | None = None) -> None:
        src = Path(status.video_url.removeprefix("file://")) if status.video_url else None
        if src is None or not src.exists():
            raise ProviderError("The preview render is missing; retry the job.", code="expired")
        await asyncio.to_thread(shutil.copyfile, src, dest)

    async def aclose(self) -> None:
        """Stop the renders this process runs; their specs stay, so the next process renders them again."""
        renders = [entry.task for entry in self._renders.values()]
        self._renders.clear()
        for task in renders:
            task.cancel()
        await asyncio.gather(*renders, return_exceptions=True)

    def forget(self, task_id: str) -> None:
        """Drop the render's working files once the studio has its own copy."""
        self._out_path(task_id).unlink(missing_ok=True)
        self._spec_path(task_id).unlink(missing_ok=True)


def output_size(request: Request) -> tuple[int, int]:
    """The size a preview renders: ratio-based for t2v/r2v, the input's shape for i2v/edit."""
    if request.variant is Variant.I2V:
        info = inspect.inspect_image(request.first_frame)
        return shape_size(request.resolution, info.width, info.height)
    if request.variant is Variant.EDIT:
        info = inspect.probe_video(request.video)
        return shape_size(request.resolution, info.width, info.height)
    return ratio_size(request.resolution, request.ratio or "16:9")


def badge_label(request: Request) -> str:
    """What the clip's badge says: a preview, of which model ("PREVIEW of HappyHorse 1.1")."""
    name = models.label(request.model)
    return f"{look.BADGE_LABEL} of {name}" if name else look.BADGE_LABEL


async def render_request(request: Request, seed: int, dest: Path,
                         on_progress: Callable[[float], None]) -> None:
    width, height = await asyncio.to_thread(output_size, request)
    common = dict(prompt=request.prompt, width=width, height=height,
                  watermark=request.watermark, on_progress=on_progress, badge=badge_label(request))
    if request.variant is Variant.T2V:
        await render.render_text(dest, seconds=request.duration, seed=seed, **common)
    elif request.variant is Variant.I2V:
        await render.render_image(dest, image=request.first_frame, seconds=request.duration, seed=seed, **common)
    elif request.variant is Variant.R2V:
        await render.render_references(dest, images=list(request.references), seconds=request.duration,
                                       seed=seed, **common)
    else:
        await render.render_edit(dest, video=request.video, audio_setting=request.audio.api_value, **common)
