"""Drives a task from received to its end over its task_seconds, then tells the webhook.

Stages are spread over the task's time; DashScope sees PENDING for the first
30 % (the only time it can cancel), RUNNING after. The clip is made when the
work is done (stage "uploading"), so a cancelled task never costs an encode.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

import httpx

from studio.emulator.clips import ClipCache
from studio.emulator.media import is_loopback
from studio.emulator.state import Store, Task

log = logging.getLogger("studio.emulator")

PLAN = (("queued", 0.05), ("dispatched", 0.30), ("preparing", 0.35), ("serving", 0.40),
        ("setting_up", 0.45), ("running", 0.50))


async def drive(store: Store, clips: ClipCache, task: Task,
                render: Callable[[Task], dict[str, Any]]) -> None:
    """Advance `task` until it ends; `render` gives the JSON a webhook receives."""
    start = task.created
    for stage, share in PLAN:
        await _sleep_until(start + share * task.total_seconds)
        if task.terminal:
            return
        task.set_stage(stage, _STAGE_LOGS.get(stage, "").format(j=task.job))
    await _sleep_until(start + task.total_seconds)
    if task.terminal:
        return
    if task.planned_failure is not None:
        plan = task.planned_failure
        end(store, task, "failed", render, code=plan["code"], message=plan["message"])
        return
    task.set_stage("uploading", "Uploading output video")
    try:
        path = await clips.get(task.job.width, task.job.height, task.job.seconds)
    except Exception as exc:  # an encoder failure is the emulator's own fault: say so plainly
        log.exception("clip encode failed for task %s", task.id)
        end(store, task, "failed", render, code="InternalError", message=f"emulator could not encode: {exc}")
        return
    if task.terminal:
        return
    task.clip, task.clip_size = path, path.stat().st_size
    end(store, task, "completed", render)


def end(store: Store, task: Task, stage: str, render: Callable[[Task], dict[str, Any]],
        code: str | None = None, message: str | None = None) -> None:
    """Put the task in a terminal stage and deliver its webhook, if it has one."""
    if task.terminal:
        return
    task.error_code, task.error_message = code, message
    task.set_stage(stage, _END_LOGS[stage] + (f": {message}" if message else ""))
    if task.webhook:
        store.spawn(deliver_webhook(store, task, render(task)))


async def deliver_webhook(store: Store, task: Task, body: dict[str, Any]) -> None:
    """Best effort, once: POST the final task JSON. Failures are logged and recorded."""
    url = task.webhook or ""
    record: dict[str, Any] = {"task_id": task.id, "url": url, "status": None, "error": None}
    if not is_loopback(url):
        record["error"] = "not delivered: the emulator reaches loopback hosts only"
    else:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                resp = await client.post(url, json=body, headers={"User-Agent": "inference.sh-webhook"})
            record["status"] = resp.status_code
        except httpx.HTTPError as exc:
            record["error"] = f"{exc.__class__.__name__}: {exc}"
    if record["error"] or (record["status"] or 0) >= 400:
        log.warning("webhook for task %s to %s failed: %s", task.id, url, record["error"] or record["status"])
    with store.lock:
        store.webhooks.append(record)


async def _sleep_until(t: float) -> None:
    delay = t - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


_STAGE_LOGS = {
    "queued": "Queued",
    "dispatched": "Dispatched to a worker",
    "setting_up": "Loading {j.model} ({j.variant})",
    "running": "Generating {j.width}x{j.height}, {j.seconds:g} s",
}
_END_LOGS = {"completed": "Completed", "failed": "Failed", "cancelled": "Cancelled", "rejected": "Rejected"}
