"""The ffmpeg binary (shipped by imageio-ffmpeg) and how we run it."""

from __future__ import annotations

import asyncio
import functools
import re
import subprocess
from collections.abc import Callable, Sequence

from studio.errors import StudioError


@functools.cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class FFmpegError(StudioError):
    """ffmpeg exited with an error; the tail of its log is kept for the message."""


_BASE = ("-hide_banner", "-nostdin", "-loglevel", "error", "-y")
_OUT_TIME = re.compile(rb"out_time_us=(\d+)")


def run_sync(args: Sequence[str], timeout: float = 600) -> None:
    """Run ffmpeg to completion, raising FFmpegError with its stderr on failure."""
    proc = subprocess.run([ffmpeg_exe(), *_BASE, *args], capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise FFmpegError(proc.stderr.decode(errors="replace")[-800:].strip() or "ffmpeg failed")


async def run(args: Sequence[str], *, total_seconds: float | None = None,
              on_progress: Callable[[float], None] | None = None, timeout: float = 600) -> None:
    """Run ffmpeg without blocking the event loop, reporting progress 0..1 if asked."""
    cmd = [ffmpeg_exe(), *_BASE, "-progress", "pipe:1", "-nostats", *args]
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    async def read_progress() -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            m = _OUT_TIME.search(line)
            if m and on_progress and total_seconds:
                on_progress(min(1.0, int(m.group(1)) / 1e6 / total_seconds))

    try:
        async with asyncio.timeout(timeout):  # (wait_for around gather could leave the gather's outcome unread)
            _, stderr = await asyncio.gather(read_progress(), proc.stderr.read())  # type: ignore[union-attr]
        await proc.wait()
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0:
        raise FFmpegError(stderr.decode(errors="replace")[-800:].strip() or "ffmpeg failed")
