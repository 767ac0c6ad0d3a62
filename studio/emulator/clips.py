"""Result clips: real H.264 + AAC MP4s made with ffmpeg, cached by (width, height, seconds).

A clip is made the first time a task of that shape finishes, not when it is
created, and then reused, so two hundred jobs cost a handful of encodes. The
cache lives on disk (shared by emulator processes) and files appear atomically.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

from studio.media.ffmpeg import run as run_ffmpeg

FPS = 24
ENCODES_AT_ONCE = 2


def default_cache_dir() -> Path:
    return Path(os.environ.get("HAPPYHORSE_EMULATOR_CACHE")
                or Path(tempfile.gettempdir()) / "happyhorse-emulator-clips")


def seconds_label(seconds: float) -> str:
    return f"{seconds:.2f}".rstrip("0").rstrip(".")


class ClipCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or default_cache_dir())
        self.directory.mkdir(parents=True, exist_ok=True)
        self._locks: dict[tuple[int, int, str], asyncio.Lock] = {}
        self._encoders: asyncio.Semaphore | None = None

    def path(self, width: int, height: int, seconds: float) -> Path:
        return self.directory / f"clip_{width}x{height}_{seconds_label(seconds)}s.mp4"

    async def get(self, width: int, height: int, seconds: float) -> Path:
        """The cached clip of this shape and length, encoding it first if needed."""
        path = self.path(width, height, seconds)
        if path.exists():
            return path
        key = (width, height, seconds_label(seconds))
        lock = self._locks.setdefault(key, asyncio.Lock())
        if self._encoders is None:
            self._encoders = asyncio.Semaphore(ENCODES_AT_ONCE)
        async with lock:
            if path.exists():
                return path
            async with self._encoders:
                await self._encode(path, width, height, seconds)
        return path

    async def _encode(self, path: Path, width: int, height: int, seconds: float) -> None:
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex}.mp4")
        length = seconds_label(seconds)
        try:
            await run_ffmpeg([
                "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:duration={length}",
                "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:sample_rate=48000:duration={length}",
                "-map", "0:v", "-map", "1:a",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-ac", "2",
                "-t", length, "-movflags", "+faststart", str(tmp),
            ], timeout=300)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
